#!/usr/bin/env bash
# Configures and builds everything into build/ (release with debug info), two jobs by default.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="${ZS_JOBS:-2}"
if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build build -j "$jobs"
