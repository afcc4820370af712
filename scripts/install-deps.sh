#!/usr/bin/env bash
# Installs the Debian 12 packages Zhongshu needs to build, test and run, if any are missing.
# Needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto
  libabsl-dev libhiredis-dev libspdlog-dev libyaml-cpp-dev nlohmann-json3-dev libjwt-dev
  libsqlite3-dev libssl-dev libcli11-dev libgtest-dev libgmock-dev prometheus-cpp-dev
  redis-server sqlite3 clang-format openssl
  clang-16  # the thread-safety build (scripts/build.sh --thread-safety)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
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
