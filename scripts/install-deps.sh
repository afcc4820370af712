#!/usr/bin/env bash
# Installs the Debian 12 packages Zhongshu needs, if any are missing. Needs root (or sudo) only
# when something is missing. One list for every place that installs packages, so the images are
# built with the same packages as the machine that tests them:
#   install-deps.sh                 build + runtime + test tools (the README's commands)
#   install-deps.sh --only build    what compiles the suite (the images' build stage)
#   install-deps.sh --only runtime  the shared libraries the binaries load (the images' runtime)
#   install-deps.sh --only gateway  what the gateway loads besides, and its PDFs' fonts (its image)
#   install-deps.sh --only images   what builds and runs the images without a daemon
#   install-deps.sh --only browser  Chromium and CJK fonts for the console's browser tests
#   install-deps.sh --list GROUP    print a group's packages
set -euo pipefail

build=(
  cmake ninja-build g++ pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto
  libabsl-dev libhiredis-dev libspdlog-dev libyaml-cpp-dev nlohmann-json3-dev libjwt-dev
  libsqlite3-dev libssl-dev libcli11-dev libgtest-dev libgmock-dev prometheus-cpp-dev
  libcivetweb-dev libpango1.0-dev libcairo2-dev libxlsxwriter-dev
)
# What `ldd` names for the four services, zsctl and zsadmin (apt brings their own dependencies).
runtime=(
  libgrpc++1.51 libprotobuf32 libabsl20220623 libhiredis0.14 libspdlog1.10 libyaml-cpp0.7
  libjwt0 libsqlite3-0 libssl3 libprometheus-cpp-core1.0 libprometheus-cpp-pull1.0 libcivetweb1
)
# What the gateway loads besides (Pango and Cairo for the PDFs, libxlsxwriter for the exports)
# and the PDFs' face, Noto Serif CJK, with fontconfig: only the gateway's image carries them.
gateway=(libpangocairo-1.0-0 libcairo2 libxlsxwriter4 fontconfig fonts-noto-cjk)
tools=(
  redis-server sqlite3 clang-format openssl
  poppler-utils  # pdftotext and pdfinfo read back the PDFs the tests render
  clang-16  # the thread-safety build (scripts/build.sh --thread-safety)
)
# Images and `podman kube play` without a daemon (deploy/images, tests/k8s/play.sh); catatonit
# is the pods' pause process.
images=(podman buildah runc mmdebstrap catatonit)
# The console's browser tests (Playwright drives Debian's Chromium; no browser is downloaded) and
# CJK fonts for the pages it renders.
browser=(chromium fonts-noto-cjk)

case "${1:-}" in
  --only | --list)
    case "${2:-}" in
      build) packages=("${build[@]}") ;;
      runtime) packages=("${runtime[@]}") ;;
      gateway) packages=("${gateway[@]}") ;;
      images) packages=("${images[@]}") ;;
      browser) packages=("${browser[@]}") ;;
      *) echo "usage: $0 [--only|--list build|runtime|gateway|images|browser]" >&2; exit 2 ;;
    esac
    if [ "$1" = --list ]; then echo "${packages[*]}"; exit 0; fi
    ;;
  "")
    packages=("${build[@]}" "${runtime[@]}" "${gateway[@]}" "${tools[@]}" "${images[@]}"
      "${browser[@]}")
    ;;
  *) echo "usage: $0 [--only|--list build|runtime|gateway|images|browser]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm build the console and render the Kubernetes manifests; a machine may
# already have them from elsewhere, whose nodejs package conflicts with Debian's npm.
if [ -z "${1:-}" ] && ! command -v npm >/dev/null; then missing+=(nodejs npm); fi
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "error: run as root to install ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
# The packaged redis-server may start a system instance; Zhongshu always runs its own.
