#!/usr/bin/env bash
# Builds the container images without a daemon (buildah), as root:
#   zhongshu/runtime, zhongshu/build, zhongshu/{reporting,supervision,proposals,coordination},
#   zhongshu/gateway, zhongshu/zsctl and zhongshu/redis, each tagged TAG (default dev).
# The gateway image takes the console as built in this checkout (console/dist: run
# scripts/build-console.sh first, which needs Node.js 20.19 or later).
#   bash scripts/build-images.sh                  compile inside the build stage (reproducible from
#                                                 the repository alone; 9 min on 2 cores)
#   bash scripts/build-images.sh --from-build DIR take the binaries of a build/ made on this Debian
#                                                 12 machine (scripts/build.sh) instead of compiling
#                                                 again; the test command does this
#   --tag TAG                                     the images' tag
# The base is debian:bookworm-slim when podman has it (`podman pull debian:bookworm-slim` first,
# and again for security updates); without it, or with no registry reachable, a minimal Debian 12
# is made from Debian's mirror (mmdebstrap) as localhost/zhongshu/debian-base:bookworm. ZS_BASE_IMAGE
# names another. Push with `podman push zhongshu/reporting:TAG REGISTRY/zhongshu/reporting:TAG`.
set -euo pipefail
caller="$PWD"
cd "$(dirname "$0")/.."
tag=dev
from_build=""
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) tag="$2"; shift 2 ;;
    --from-build) from_build="$(cd "$caller" && realpath "$2")"; shift 2 ;;
    *) echo "usage: $0 [--from-build DIR] [--tag TAG]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "error: building images needs root (rootful buildah)" >&2; exit 1; }
[ -f console/dist/index.html ] ||
  { echo "error: the console is not built (console/dist): run bash scripts/build-console.sh" >&2; exit 1; }
stale=$(find console/src console/index.html console/vite.config.* console/package-lock.json \
  -newer console/dist/index.html -print -quit 2>/dev/null || true)
[ -z "$stale" ] ||
  echo "warning: $stale is newer than console/dist: the image gets the console as last built" >&2
bash scripts/install-deps.sh --only images
export CONTAINERS_CONF="${CONTAINERS_CONF:-$PWD/deploy/images/containers.conf}"
# crun refuses machines that mix cgroup v1 and v2; runc runs on both.
runtime=(--runtime /usr/sbin/runc)
bud() { buildah bud --pull=never --network host --layers "${runtime[@]}" --quiet "$@"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
base="${ZS_BASE_IMAGE:-}"
if [ -z "$base" ] && podman image exists docker.io/library/debian:bookworm-slim; then
  base=docker.io/library/debian:bookworm-slim
elif [ -z "$base" ]; then
  base=localhost/zhongshu/debian-base:bookworm
  if ! podman image exists "$base"; then
    echo "making $base from Debian's mirror (mmdebstrap)"
    mmdebstrap --quiet --variant=minbase bookworm "$work/rootfs.tar"
    podman import --quiet "$work/rootfs.tar" "$base" >/dev/null
  fi
fi
echo "base image: $base"

t0=$(date +%s)
bud -f deploy/images/runtime.Containerfile --build-arg "BASE_IMAGE=$base" -t "zhongshu/runtime:$tag" . >/dev/null
if [ -n "$from_build" ]; then
  grep -q 'VERSION_CODENAME=bookworm' /etc/os-release ||
    { echo "error: --from-build needs binaries built on Debian 12 (bookworm)" >&2; exit 1; }
  stage="$work/stage"
  mkdir -p "$stage/bin"
  for b in services/reporting/reporting services/supervision/supervision \
    services/proposals/proposals services/coordination/coordination services/gateway/gateway \
    tools/zsctl/zsctl tools/zsadmin/zsadmin; do
    [ -x "$from_build/$b" ] || { echo "error: $from_build/$b is not built" >&2; exit 1; }
    objcopy --strip-debug "$from_build/$b" "$stage/bin/$(basename "$b")"
  done
  bud -f deploy/images/prebuilt.Containerfile -t "zhongshu/build:$tag" "$stage" >/dev/null
else
  bud -f deploy/images/build.Containerfile --build-arg "JOBS=${ZS_JOBS:-2}" --build-arg "BASE_IMAGE=$base" \
    -t "zhongshu/build:$tag" . >/dev/null
fi
args=(--build-arg "BUILD_IMAGE=localhost/zhongshu/build:$tag"
  --build-arg "RUNTIME_IMAGE=localhost/zhongshu/runtime:$tag")
for name in reporting supervision proposals coordination gateway zsctl; do
  bud -f "deploy/images/$name.Containerfile" "${args[@]}" -t "zhongshu/$name:$tag" . >/dev/null
done
bud -f deploy/images/redis.Containerfile --build-arg "BASE_IMAGE=$base" -t "zhongshu/redis:$tag" deploy/images >/dev/null
echo "images built in $(($(date +%s) - t0)) s:"
podman images --filter "reference=zhongshu/*:$tag" --format '  {{.Repository}}:{{.Tag}}  {{.Size}}'
