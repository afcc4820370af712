#!/usr/bin/env bash
# Benchmark: the loop "instruction issued in reporting -> item visible in supervision".
# Run 1 searches the maximum sustainable steady rate (steps of 100/s, 5 s each, until the loop no
# longer keeps up); run 2, on fresh services and data, holds half of that rate for the given
# seconds and prints p50/p99. A steady rate as third argument skips the search.
#   bash bench/run_loop.sh [seconds] [concurrency] [steady-rate]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
concurrency="${2:-16}"
rate="${3:-}"
bash scripts/build.sh >/dev/null

. bench/lib.sh
trap bench_stop EXIT

# Starts redis, reporting and supervision on fresh data; sets $work and $redis_port.
start_all() {
  work=$(mktemp -d)
  bench_redis
  for svc in reporting supervision; do
    ZS_GRPC_LISTEN=127.0.0.1:0 ZS_GRPC_PORT_FILE="$work/$svc.port" ZS_DATA_DIR="$work/$svc" \
    ZS_REDIS_ADDRESS="127.0.0.1:$redis_port" ZS_LOG_LEVEL=warn \
    ZS_UPSTREAM_REPORTING_ADDRESS="127.0.0.1:$(cat "$work/reporting.port" 2>/dev/null || echo 0)" \
      "build/services/$svc/$svc" --config="deploy/local/$svc.yaml" 2>"$work/$svc.log" &
    pids+=($!)
    for _ in $(seq 100); do [ -s "$work/$svc.port" ] && break; sleep 0.1; done
  done
}
load() {
  build/bench/zs-load loop --addr="127.0.0.1:$(cat "$work/reporting.port")" \
    --redis="127.0.0.1:$redis_port" --concurrency="$concurrency" "$@"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
if [ -z "$rate" ]; then
  start_all
  max=$(load --search-only | tee /dev/stderr | sed -n 's/^maximum sustainable rate: \([0-9]*\).*/\1/p')
  bench_stop
  rate=$((max / 2))
  echo "half of the maximum sustainable rate: $rate instructions/s"
fi
start_all
load --rate="$rate" --seconds="$seconds" --reports=$((rate * seconds + 1000))
echo "WAL files at the end: $(du -ch "$work"/*/*.db-wal | tail -1 | cut -f1)"
