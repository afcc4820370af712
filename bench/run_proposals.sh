#!/usr/bin/env bash
# Benchmark: the proposals write path — CreateProposal (a proposer) -> ReviewProposal REGISTER ->
# AssignProposal (the proposal office), each a durable SQLite commit with audit and outbox rows —
# against a bare gRPC echo baseline, in alternating rounds: echo, proposals, echo, proposals, ...
# Every round has the same concurrency and client machinery (--client, default callback: a few
# gRPC threads keeping `concurrency` calls outstanding, not a thread per client). Each proposals
# round's ratio is its write calls/s over the echo calls/s of the round just before it.
#   bash bench/run_proposals.sh [concurrency=32] [echo-calls-per-client=8000]
#                               [chains-per-client=200] [pairs=3] [assign=sole|lead]
#                               [client=callback|threads]
set -euo pipefail
cd "$(dirname "$0")/.."
concurrency="${1:-32}"
echo_calls="${2:-8000}"
chains="${3:-200}"
pairs="${4:-3}"
assign="${5:-sole}"
client="${6:-callback}"
case "$client" in callback | threads) ;; *) echo "client: callback or threads" >&2; exit 2 ;; esac
# Only what the benchmark runs; a fresh tree is configured (and built whole) by scripts/build.sh.
if [ -f build/CMakeCache.txt ]; then
  cmake --build build -j "${ZS_JOBS:-2}" --target proposals zs-load >/dev/null
else
  bash scripts/build.sh >/dev/null
fi

. bench/lib.sh
bench_start
bench_redis

ZS_GRPC_LISTEN=127.0.0.1:0 ZS_GRPC_PORT_FILE="$work/proposals.port" ZS_DATA_DIR="$work/proposals" \
ZS_REDIS_ADDRESS="127.0.0.1:$redis_port" ZS_LOG_LEVEL=warn \
  build/services/proposals/proposals --config=deploy/local/proposals.yaml 2>"$work/proposals.log" &
pids+=($!)
build/bench/zs-load echo-server --port-file="$work/echo.port" &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/proposals.port" ] && [ -s "$work/echo.port" ] && break; sleep 0.1; done
if ! [ -s "$work/proposals.port" ] || ! [ -s "$work/echo.port" ]; then
  echo "a server did not start:" >&2
  cat "$work/proposals.log" >&2
  exit 1
fi

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
echo "disk under $work: $(df -h "$work" | awk 'NR==2 {print $1, $2}') ($(findmnt -no FSTYPE -T "$work" 2>/dev/null || echo '?'))"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "concurrency=$concurrency echo-calls/client=$echo_calls chains/client=$chains pairs=$pairs assign=$assign client=$client"

# The figure of a summary line ("... N chains/s  M calls/s ...") or of a step's line.
calls_per_s() { grep 'chains/s' "$1" | sed -n 's/.*  \([0-9]*\) calls\/s .*/\1/p'; }
lat() { grep "^$2 " "$1" | sed -n 's/.*p50=\([0-9.]*\) ms  p99=\([0-9.]*\) ms.*/\1 \/ \2/p'; }
chains_per_s() { grep 'chains/s' "$1" | sed -n 's|.*  \([0-9]*\) chains/s .*|\1|p'; }
cpu() { grep 'chains/s' "$1" | sed -n 's|.*client_cpu=\([0-9.]*\) cores.*|\1|p'; }
errors() { grep -v 'chains/s' "$1" | sed -n 's/.*errors=\([0-9]*\).*/\1/p' | awk '{s += $1} END {print s + 0}'; }

echo_addr="127.0.0.1:$(cat "$work/echo.port")"
prop_addr="127.0.0.1:$(cat "$work/proposals.port")"
rows=()
ratios=()
for round in $(seq "$pairs"); do
  load_avg=$(cut -d' ' -f1 /proc/loadavg)
  build/bench/zs-load echo --addr="$echo_addr" --client="$client" --concurrency="$concurrency" \
    --calls="$echo_calls" | tee "$work/echo.$round"
  build/bench/zs-load proposals --addr="$prop_addr" --client="$client" --assign="$assign" \
    --concurrency="$concurrency" --calls="$chains" | tee "$work/proposals.$round"
  e=$(calls_per_s "$work/echo.$round")
  p=$(calls_per_s "$work/proposals.$round")
  ratio=$(awk -v p="$p" -v e="$e" 'BEGIN { printf "%.3f", p / e }')
  ratios+=("$ratio")
  errs=$(( $(errors "$work/echo.$round") + $(errors "$work/proposals.$round") ))
  echo "round $round: ratio proposal write calls/s / echo calls/s = $p / $e = $ratio (errors: $errs)"
  rows+=("| $round | $load_avg | $e | $(lat "$work/echo.$round" Echo) | $(cpu "$work/echo.$round") | $(chains_per_s "$work/proposals.$round") | $p | $(lat "$work/proposals.$round" CreateProposal) | $(lat "$work/proposals.$round" ReviewProposal) | $(lat "$work/proposals.$round" AssignProposal) | $(cpu "$work/proposals.$round") | $ratio |")
done
echo
echo "| round | load avg (1 min) before | echo calls/s | echo p50 / p99 ms | echo client CPU (cores) | proposal chains/s | proposal write calls/s | Create p50 / p99 ms | Review p50 / p99 ms | Assign p50 / p99 ms | proposals client CPU (cores) | ratio |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
median=$(printf '%s\n' "${ratios[@]}" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
echo
echo "median ratio (proposal write calls/s / echo calls/s): $median"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg); proposals database: $(du -sh "$work/proposals" | cut -f1)"
