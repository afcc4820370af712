#!/usr/bin/env bash
# Benchmark: SubmitReport (durable: SQLite commit with outbox and audit rows, group-committed)
# against a bare gRPC echo baseline measured in the same run, at the same concurrency.
#   bash bench/run.sh [concurrency] [calls-per-client]
set -euo pipefail
cd "$(dirname "$0")/.."
concurrency="${1:-32}"
calls="${2:-1000}"
bash scripts/build.sh >/dev/null

. bench/lib.sh
bench_start
bench_redis

ZS_GRPC_LISTEN=127.0.0.1:0 ZS_GRPC_PORT_FILE="$work/reporting.port" ZS_DATA_DIR="$work/reporting" \
ZS_REDIS_ADDRESS="127.0.0.1:$redis_port" ZS_LOG_LEVEL=warn \
  build/services/reporting/reporting --config=deploy/local/reporting.yaml 2>"$work/reporting.log" &
pids+=($!)
build/bench/zs-load echo-server --port-file="$work/echo.port" &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/reporting.port" ] && [ -s "$work/echo.port" ] && break; sleep 0.1; done

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
echo "disk under $work: $(df -h "$work" | awk 'NR==2 {print $1}')"
build/bench/zs-load echo --addr="127.0.0.1:$(cat "$work/echo.port")" --concurrency="$concurrency" --calls="$calls" | tee "$work/echo.out"
build/bench/zs-load submit --addr="127.0.0.1:$(cat "$work/reporting.port")" --concurrency="$concurrency" --calls="$calls" | tee "$work/submit.out"
echo_rate=$(sed -n 's/.* \([0-9]*\) calls\/s.*/\1/p' "$work/echo.out")
submit_rate=$(grep SubmitReport "$work/submit.out" | sed -n 's/.* \([0-9]*\) calls\/s.*/\1/p')
awk -v s="$submit_rate" -v e="$echo_rate" 'BEGIN { printf "ratio SubmitReport/echo = %.2f\n", s / e }'
