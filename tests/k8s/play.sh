#!/usr/bin/env bash
# Runs the county overlay's Deployments with `podman kube play` on this machine and checks them:
#   - the images (scripts/build-images.sh --from-build build) start from the rendered manifests,
#     with the overlay's ConfigMaps, the Secrets deploy/k8s/make-secrets.sh makes, and volumes;
#   - each service answers SERVING on its plaintext health port (what the gRPC probes ask) and on
#     its gRPC port over mutual TLS; a client without a certificate is refused;
#   - every container runs as uid 10001 on a read-only root filesystem;
#   - the demo story runs through zsctl (mutual TLS, tokens from the deployment's key): the
#     instruction is answered across reporting -> supervision -> reporting over Redis (ACL user),
#     the emergency opens an incident in coordination; /metrics shows the calls;
#   - the gateway, from outside (tests/k8s/gateway.mjs): /healthz, /readyz with the four services
#     SERVING, the console's files, the API with a token, the demo's 通报 and 期刊 as PDFs in the
#     image's Noto Serif CJK, an .xlsx export (its temporary file on the /tmp volume, removed
#     after), the public replies, its /metrics; only the gateway image has fonts;
#   - the zsctl image runs;
# then everything is torn down. What podman 4.3 cannot run is listed in tests/k8s/podman.mjs
# (Services, NetworkPolicies, PDBs, the Ingress, gRPC and HTTP probes): those are checked against
# the schemas only.
#   bash tests/k8s/play.sh [BUILD_DIR]   (root; BUILD_DIR has zsctl and the binaries, default build)
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${1:-build}"
zsctl="$PWD/$build/tools/zsctl/zsctl"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$PWD/deploy/images/containers.conf}"
podman=(podman --runtime /usr/sbin/runc)
services=(reporting supervision proposals coordination)
fail() { echo "FAIL: $*" >&2; exit 1; }

bash scripts/build-images.sh --from-build "$build"

work=$(mktemp -d)
# Everything this test makes is named zs-play-*; a run killed half-way leaves it behind, so it is
# removed before and after.
cleanup() {
  for s in "${services[@]}" gateway redis; do
    "${podman[@]}" pod rm -f "zs-play-$s-pod-0" >/dev/null 2>&1 || true
  done
  for v in $("${podman[@]}" volume ls -q 2>/dev/null | grep '^zs-play-' || true); do
    "${podman[@]}" volume rm -f "$v" >/dev/null 2>&1 || true
  done
}
trap 'cleanup; rm -rf "$work"' EXIT
cleanup

bash deploy/k8s/make-secrets.sh zs-430204 "$work/secrets" > "$work/secrets.yaml"
node tests/k8s/podman.mjs deploy/k8s/overlays/county "$work/secrets.yaml" "$work"
# shellcheck disable=SC1091
. "$work/ports.env"
"${podman[@]}" kube play "$work/play.yaml" > "$work/play.log" 2>&1 ||
  { grep -v systemd "$work/play.log" >&2; fail "podman kube play"; }
echo "kube play: $(grep -c '^kind: Deployment' "$work/play.yaml") Deployments started"

port_of() { local v="${1^^}_$2"; echo "${!v}"; }
# Health through the probes' port, as the kubelet would ask it.
deadline=$((SECONDS + 90))
for s in "${services[@]}"; do
  until "$zsctl" --timeout 2 health --plaintext --address "127.0.0.1:$(port_of "$s" HEALTH_PORT)" \
    > "$work/health" 2>&1; do
    [ $SECONDS -lt $deadline ] || {
      cat "$work/health" >&2
      "${podman[@]}" logs "zs-play-$s-pod-0-$s" 2>&1 | tail -20 >&2
      fail "$s is not SERVING on its health port"
    }
    sleep 1
  done
  echo "$s: health port $(cat "$work/health")"
done
gateway_url="http://127.0.0.1:$GATEWAY_PORT"
until node -e 'fetch(process.argv[1]).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))' \
  "$gateway_url/healthz"; do
  [ $SECONDS -lt $deadline ] || {
    "${podman[@]}" logs zs-play-gateway-pod-0-gateway 2>&1 | tail -20 >&2
    fail "the gateway does not answer /healthz"
  }
  sleep 1
done
echo "gateway: /healthz answers on $gateway_url"

export ZS_REPORTING_ADDR="127.0.0.1:$REPORTING_PORT" ZS_SUPERVISION_ADDR="127.0.0.1:$SUPERVISION_PORT"
export ZS_PROPOSALS_ADDR="127.0.0.1:$PROPOSALS_PORT" ZS_COORDINATION_ADDR="127.0.0.1:$COORDINATION_PORT"
export ZS_TLS_CA="$work/secrets/ca.crt"
# Without a client certificate every gRPC port refuses (mutual TLS).
if ZS_TLS_CERT="" ZS_TLS_KEY="" "$zsctl" --timeout 3 health > "$work/nocert" 2>&1; then
  cat "$work/nocert" >&2
  fail "a client without a certificate was served"
fi
grep -q SERVING "$work/nocert" && fail "a client without a certificate got an answer: $(cat "$work/nocert")"
echo "mutual TLS: a client without a certificate is refused by all four"
export ZS_TLS_CERT="$work/secrets/ops.crt" ZS_TLS_KEY="$work/secrets/ops.key"
"$zsctl" --timeout 5 health || fail "the services do not answer over mutual TLS"

for s in "${services[@]}" gateway redis; do
  c="zs-play-$s-pod-0-$s"
  state=$("${podman[@]}" inspect "$c" --format '{{.State.Status}}')
  if [ "$state" != running ]; then
    "${podman[@]}" logs "$c" 2>&1 | tail -20 >&2
    fail "$c is $state"
  fi
  uid=$("${podman[@]}" exec "$c" id -u)
  [ "$uid" = 10001 ] || fail "$c runs as uid $uid"
  ro=$("${podman[@]}" inspect "$c" --format '{{.HostConfig.ReadonlyRootfs}}')
  [ "$ro" = true ] || fail "$c has a writable root filesystem"
  # /var/lib/zhongshu belongs to 10001 in the image and is not a mount: only the read-only root
  # keeps the file out (Redis's image has no such folder; the inspect above covers it).
  if [ "$s" != redis ] && "${podman[@]}" exec "$c" touch /var/lib/zhongshu/probe 2>/dev/null; then
    fail "$c wrote to its root filesystem"
  fi
done
echo "all six containers: uid 10001, read-only root filesystem"
# Fonts (about 53 MB) are in the gateway's image only, and only the serif the PDFs use.
"${podman[@]}" exec zs-play-reporting-pod-0-reporting test -e /usr/share/fonts/opentype/noto &&
  fail "the reporting image carries fonts"
gateway=zs-play-gateway-pod-0-gateway
fonts=$("${podman[@]}" exec "$gateway" ls /usr/share/fonts/opentype/noto | tr '\n' ' ')
[ "$fonts" = "NotoSerifCJK-Bold.ttc NotoSerifCJK-Regular.ttc " ] || fail "the gateway's fonts: $fonts"
echo "fonts: the gateway image has $fonts; the services' images none"

export ZS_ORG="$PWD/deploy/k8s/overlays/county/org.yaml"
ZS_DEV_SECRET="$(cat "$work/secrets/hs256-secret")"
export ZS_DEV_SECRET
if ! bash scripts/demo.sh "$zsctl" > "$work/demo.out" 2>&1; then
  tail -30 "$work/demo.out" >&2
  fail "the demo story failed against the containers"
fi
grep -aq '^state: *ANSWERED' "$work/demo.out" || fail "the instruction was not answered"
grep -aq '危险化学品' "$work/demo.out" || fail "the emergency opened no incident with its plan"
echo "demo story: $(grep -ac '^== ' "$work/demo.out") steps; the instruction answered, the incident opened"

metrics=$(node -e 'fetch(process.argv[1]).then(r => r.text()).then(t => process.stdout.write(t))' \
  "http://127.0.0.1:$REPORTING_METRICS_PORT/metrics")
grep -q 'zs_rpc_requests_total{.*SubmitReport' <<<"$metrics" || fail "no SubmitReport in reporting's /metrics"
grep -q '^zs_outbox_relay_connected 1' <<<"$metrics" || fail "reporting's relay is not connected to Redis"
echo "metrics: reporting counts SubmitReport; its relay is connected"
relay=$("$zsctl" --timeout 3 health --plaintext --address "127.0.0.1:$REPORTING_HEALTH_PORT" \
  --service zhongshu.events.relay) || fail "reporting's health says its relay is not SERVING: $relay"
echo "health: reporting's zhongshu.events.relay $relay"

# The gateway from outside, with tokens of the deployment's key; then what it left on its volume.
ZS_TEST_TOKEN_EDITOR=$("$zsctl" token --user li.bianji --ttl 10m)
ZS_TEST_TOKEN_SUPERVISOR=$("$zsctl" token --user zhao.ducha --ttl 10m)
export ZS_TEST_TOKEN_EDITOR ZS_TEST_TOKEN_SUPERVISOR
node tests/k8s/gateway.mjs "$gateway_url" "http://127.0.0.1:$GATEWAY_METRICS_PORT/metrics" \
  console/dist "$work" || {
  "${podman[@]}" logs "$gateway" 2>&1 | tail -20 >&2
  fail "the gateway"
}
left=$("${podman[@]}" exec "$gateway" find /tmp -type f)
[ -z "$left" ] || fail "the gateway left files in /tmp (temporary files, or a font cache the image lacks): $left"
"${podman[@]}" logs "$gateway" 2>&1 | grep -i fontconfig && fail "fontconfig complained in the gateway"
echo "gateway: nothing left in /tmp, no fontconfig complaint"

mkdir "$work/client" && cp "$work/secrets/"{ca.crt,ops.crt,ops.key} "$work/client/"
chmod 0755 "$work/client" && chmod 0644 "$work/client/"*  # readable by the image's user 10001
"${podman[@]}" run --rm --network host --read-only --user 10001 \
  -v "$work/client:/secrets:ro" -e ZS_TLS_CA=/secrets/ca.crt -e ZS_TLS_CERT=/secrets/ops.crt \
  -e ZS_TLS_KEY=/secrets/ops.key localhost/zhongshu/zsctl:dev \
  --reporting "$ZS_REPORTING_ADDR" --timeout 5 health reporting > "$work/zsctl-image" 2>&1 ||
  { cat "$work/zsctl-image" >&2; fail "the zsctl image"; }
echo "zsctl image: $(cat "$work/zsctl-image")"
echo "PASS: the county overlay runs under podman kube play"
