#!/usr/bin/env bash
# Configures and builds everything, two jobs by default:
#   bash scripts/build.sh              into build/ (release with debug info)
#   bash scripts/build.sh --sanitize   into build-asan/ (AddressSanitizer + UndefinedBehaviorSanitizer)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="${ZS_JOBS:-2}"
dir=build
args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ "${1:-}" = "--sanitize" ]; then
  dir=build-asan
  flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -O1"
  args=(-DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS=$flags"
        "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined")
fi
# A compiler cache, when the machine has one, makes rebuilds of the other configuration cheap.
command -v ccache >/dev/null && args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
if [ ! -f "$dir/CMakeCache.txt" ]; then
  cmake -S . -B "$dir" -G Ninja "${args[@]}"
fi
cmake --build "$dir" -j "$jobs"
