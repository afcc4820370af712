#!/usr/bin/env bash
# The test command: installs what is missing, checks the formatting, checks the locking
# annotations with a clang build (build-tsa/), builds, and runs every test with ctest (unit tests,
# the layering check, the black-box tests and the Kubernetes manifests' check); builds the
# container images from that build and runs the county overlay under `podman kube play`
# (tests/k8s/play.sh); then builds the suite again with AddressSanitizer and
# UndefinedBehaviorSanitizer and runs every test once more (leaks included). The console is built
# first (scripts/build-console.sh); ctest's console_e2e drives it in Debian's Chromium.
# ZS_THREAD_SAFETY=0 skips the clang build, ZS_IMAGES=0 the images, ZS_SANITIZE=0 the second pass.
# Integration tests start their own redis-server and service binaries on free loopback ports and
# stop them; nothing needs to be running beforehand.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/check-format.sh
(cd deploy/k8s/tools && npm ci --no-audit --no-fund --loglevel=error)
if [ "${ZS_THREAD_SAFETY:-1}" != 0 ]; then
  bash scripts/build.sh --thread-safety
fi
bash scripts/build.sh
bash scripts/build-console.sh
(cd build && ctest --output-on-failure -j "${ZS_JOBS:-2}" --timeout 600)
if [ "${ZS_IMAGES:-1}" != 0 ]; then
  bash tests/k8s/play.sh build
fi
if [ "${ZS_SANITIZE:-1}" != 0 ]; then
  bash scripts/build.sh --sanitize
  supp="$(pwd)/tests/lsan.supp"  # the font libraries' lifetime caches (see the file)
  (cd build-asan &&
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
      LSAN_OPTIONS="suppressions=$supp:print_suppressions=0" \
      ctest --output-on-failure -j "${ZS_JOBS:-2}" --timeout 900)
fi
