#!/usr/bin/env bash
# The domain cores link no infrastructure: none of the given binaries may need gRPC, SQLite or
# hiredis at run time. Used by ctest (domain_layering) on the domain test binaries.
set -euo pipefail
status=0
for bin in "$@"; do
  found=$(ldd "$bin" | grep -Eo 'lib(grpc|gpr|sqlite3|hiredis)[^ ]*' | sort -u || true)
  if [ -n "$found" ]; then
    echo "$(basename "$bin") links infrastructure it must not: $found" >&2
    status=1
  else
    echo "$(basename "$bin"): no gRPC, SQLite or hiredis"
  fi
done
exit $status
