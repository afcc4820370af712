#!/usr/bin/env bash
# The test command: installs what is missing, checks the formatting, builds, and runs every test
# with ctest (unit tests, the layering check and the black-box tests).
# Integration tests start their own redis-server and service binaries on free loopback ports
# and stop them; nothing needs to be running beforehand.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/check-format.sh
bash scripts/build.sh
cd build
ctest --output-on-failure -j "${ZS_JOBS:-2}" --timeout 600
