#!/usr/bin/env bash
# Fails when a C++ source file of the repository is not formatted as .clang-format says.
set -euo pipefail
cd "$(dirname "$0")/.."
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.cc' '*.h')
else
  mapfile -t files < <(find libs services tools tests bench -name '*.cc' -o -name '*.h')
fi
if ! clang-format --dry-run --Werror "${files[@]}" 2>/tmp/zs-format.$$; then
  grep -Eo '^[^ :]+:[0-9]+:[0-9]+: (warning|error)' /tmp/zs-format.$$ | cut -d: -f1 | sort -u >&2 ||
    cat /tmp/zs-format.$$ >&2
  rm -f /tmp/zs-format.$$
  echo "clang-format: the files above need formatting (clang-format -i FILE)" >&2
  exit 1
fi
rm -f /tmp/zs-format.$$
echo "format: ${#files[@]} files as .clang-format says"
