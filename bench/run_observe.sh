#!/usr/bin/env bash
# Benchmark: what observation costs on SubmitReport. Two reporting processes on one Redis:
# "observed" with /metrics served and one JSON log line per call at info, "bare" with metrics off
# and no call lines (log level warn). Rounds alternate echo, observed, bare, all with the same
# client (the order of the two alternates); each SubmitReport figure is divided by the echo of its
# own round, and the median of "observed vs bare" is printed.
#   bash bench/run_observe.sh [concurrency=32] [calls-per-client=1000] [rounds=3]
set -euo pipefail
cd "$(dirname "$0")/.."
concurrency="${1:-32}"
calls="${2:-1000}"
rounds="${3:-3}"
if [ -f build/CMakeCache.txt ]; then
  cmake --build build -j "${ZS_JOBS:-2}" --target reporting zs-load >/dev/null
else
  bash scripts/build.sh >/dev/null
fi

. bench/lib.sh
bench_start
bench_redis

start_reporting() {  # name, then environment assignments
  local name="$1"
  shift
  env ZS_GRPC_LISTEN=127.0.0.1:0 ZS_GRPC_PORT_FILE="$work/$name.port" ZS_DATA_DIR="$work/$name" \
    ZS_REDIS_ADDRESS="127.0.0.1:$redis_port" ZS_EVENTS_STREAM="zs:events:bench-$name" "$@" \
    build/services/reporting/reporting --config=deploy/local/reporting.yaml 2>"$work/$name.log" &
  pids+=($!)
}
start_reporting observed ZS_METRICS_LISTEN=127.0.0.1:0 ZS_LOG_REQUESTS=true ZS_LOG_LEVEL=info \
  ZS_LOG_FORMAT=json
start_reporting bare ZS_METRICS_LISTEN= ZS_LOG_REQUESTS=false ZS_LOG_LEVEL=warn
build/bench/zs-load echo-server --port-file="$work/echo.port" &
pids+=($!)
for _ in $(seq 100); do
  [ -s "$work/observed.port" ] && [ -s "$work/bare.port" ] && [ -s "$work/echo.port" ] && break
  sleep 0.1
done

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); concurrency=$concurrency calls/client=$calls rounds=$rounds"
rate() { grep "$2" "$1" | sed -n 's/.* \([0-9]*\) calls\/s.*/\1/p' | head -1; }
rows=()
for round in $(seq "$rounds"); do
  build/bench/zs-load echo --addr="127.0.0.1:$(cat "$work/echo.port")" --concurrency="$concurrency" \
    --calls="$calls" >"$work/echo.$round"
  # The order alternates between rounds, so neither side always meets the larger database.
  order="observed bare"
  [ $((round % 2)) -eq 0 ] && order="bare observed"
  for name in $order; do
    build/bench/zs-load submit --addr="127.0.0.1:$(cat "$work/$name.port")" \
      --concurrency="$concurrency" --calls="$calls" >"$work/$name.$round"
  done
  e=$(rate "$work/echo.$round" echo)
  o=$(rate "$work/observed.$round" SubmitReport)
  b=$(rate "$work/bare.$round" SubmitReport)
  rows+=("| $round | $e | $o | $(awk -v a="$o" -v e="$e" 'BEGIN { printf "%.3f", a / e }') | $b | $(awk -v a="$b" -v e="$e" 'BEGIN { printf "%.3f", a / e }') | $(awk -v a="$o" -v b="$b" 'BEGIN { printf "%+.1f %%", (a / b - 1) * 100 }') |")
done
echo
echo "| round | echo calls/s | observed SubmitReport calls/s | ratio | bare SubmitReport calls/s | ratio | observed vs bare |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
printf '%s\n' "${rows[@]}" | awk -F'|' '{ gsub(/[ %+]/, "", $8); print $8 }' | sort -g |
  awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "median observed vs bare: %+.1f %%\n", m }'
lines=$(grep -c '"msg":"rpc"' "$work/observed.log" || true)
echo
echo "observed: $lines call lines, $(( $(stat -c %s "$work/observed.log") / (lines > 0 ? lines : 1) )) bytes of log per call"
