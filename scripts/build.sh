#!/usr/bin/env bash
# Configures and builds everything, two jobs by default:
#   bash scripts/build.sh              into build/ (release with debug info)
#   bash scripts/build.sh --sanitize   into build-asan/ (AddressSanitizer + UndefinedBehaviorSanitizer)
#   bash scripts/build.sh --thread-safety
#                                      into build-tsa/ with clang++-16, whose thread-safety analysis
#                                      checks the locking annotations (ABSL_GUARDED_BY, ...) and
#                                      fails on a violation; only what is not a test (zs_shipped),
#                                      unoptimised and without debug info, to be quick
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="${ZS_JOBS:-2}"
dir=build
target=all
args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
case "${1:-}" in
  --sanitize)
    dir=build-asan
    # Unoptimised with line tables only: a third of the compile time of -O1 -g (measured on
    # zsctl's main.cc, 11 s against 40 s), with stack traces that still name file and line.
    flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
    # The browser tests run in the first pass only: the gateway's code is the same, and Chromium
    # beside sanitized binaries would slow the whole pass.
    args=(-DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS=$flags" "-DCMAKE_CXX_FLAGS_DEBUG=-O0 -g1"
          "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined" -DZS_CONSOLE_E2E=OFF)
    ;;
  --thread-safety)
    # Clang 16, not Debian's default clang 14: 14 rejects C++20 that g++ 12 accepts (a lambda
    # capturing a structured binding), which would fail this build for reasons unrelated to locking.
    dir=build-tsa
    target=zs_shipped
    args=(-DCMAKE_CXX_COMPILER=clang++-16 -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-O0)
    ;;
  "") ;;
  *) echo "usage: $0 [--sanitize | --thread-safety]" >&2; exit 2 ;;
esac
# A compiler cache, when the machine has one, makes rebuilds of the other configuration cheap.
command -v ccache >/dev/null && args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
if [ ! -f "$dir/CMakeCache.txt" ]; then
  cmake -S . -B "$dir" -G Ninja "${args[@]}"
fi
cmake --build "$dir" -j "$jobs" --target "$target"
