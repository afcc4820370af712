#!/usr/bin/env bash
# Benchmark: what the gateway adds to a call. GetReport straight to the reporting service over gRPC
# ("direct") against the same GetReport through the gateway as HTTP/1.1 + JSON ("gateway"), with
# the same client machinery (zs-load get-direct / get-http: one thread per client, each a
# synchronous loop over its own connection). For each concurrency, rounds alternate direct,
# gateway, direct, gateway, ... (`pairs` of each), on one reporting service and one gateway.
#   bash bench/run_gateway.sh [concurrencies="1 8 32"] [calls-per-client=2000] [pairs=3]
# GATEWAY_THREADS=N sets the gateway's http.threads (default: deploy/local/gateway.yaml's 64).
# HTTP_QUICKACK=1 makes the HTTP client acknowledge at once (zs-load get-http --quickack). Before
# the fix in http.cc the gateway wrote each answer in two segments with Nagle's algorithm on, and a
# client's delayed ACK held every answer ~40 ms (see bench/README.md).
# GATEWAY_BIN=path runs another gateway binary (default build/services/gateway/gateway).
set -euo pipefail
cd "$(dirname "$0")/.."
concurrencies="${1:-1 8 32}"
calls="${2:-2000}"
pairs="${3:-3}"
gateway_threads="${GATEWAY_THREADS:-}"
gateway_bin="${GATEWAY_BIN:-build/services/gateway/gateway}"
quickack=""
[ "${HTTP_QUICKACK:-0}" = 1 ] && quickack="--quickack"
if [ -f build/CMakeCache.txt ]; then
  cmake --build build -j "${ZS_JOBS:-2}" --target reporting gateway zs-load >/dev/null
else
  bash scripts/build.sh >/dev/null
fi

. bench/lib.sh
bench_start
bench_redis
redis_pid=${pids[0]}

# Both servers bare: no per-call log lines, no /metrics, warnings only.
ZS_GRPC_LISTEN=127.0.0.1:0 ZS_GRPC_PORT_FILE="$work/reporting.port" ZS_DATA_DIR="$work/reporting" \
ZS_REDIS_ADDRESS="127.0.0.1:$redis_port" ZS_LOG_LEVEL=warn ZS_LOG_REQUESTS=false ZS_METRICS_LISTEN='' \
  build/services/reporting/reporting --config=deploy/local/reporting.yaml 2>"$work/reporting.log" &
reporting_pid=$!
pids+=("$reporting_pid")
for _ in $(seq 100); do [ -s "$work/reporting.port" ] && break; sleep 0.1; done
reporting_addr="127.0.0.1:$(cat "$work/reporting.port")"

env ${gateway_threads:+ZS_HTTP_THREADS=$gateway_threads} ZS_HTTP_LISTEN=127.0.0.1:0 \
  ZS_HTTP_PORT_FILE="$work/gateway.port" ZS_UPSTREAM_REPORTING_ADDRESS="$reporting_addr" \
  ZS_METRICS_LISTEN='' ZS_CONSOLE_DEV_SIGN_IN=false ZS_LOG_REQUESTS=false ZS_LOG_LEVEL=warn \
  "$gateway_bin" --config=deploy/local/gateway.yaml 2>"$work/gateway.log" &
gateway_pid=$!
pids+=("$gateway_pid")
for _ in $(seq 100); do [ -s "$work/gateway.port" ] && break; sleep 0.1; done
gateway_addr="127.0.0.1:$(cat "$work/gateway.port")"

# Reports to read: created and submitted by wang.xinxi, who reads them back (not timed).
build/bench/zs-load seed-reports --addr="$reporting_addr" --count=16 --out="$work/ids"

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); concurrencies=\"$concurrencies\" calls/client=$calls pairs=$pairs gateway http.threads=${gateway_threads:-16 (config)}"
echo "gateway: $gateway_bin; HTTP client: ${quickack:-plain (delayed ACKs)}"
echo "uptime before: $(uptime)"

hz=$(getconf CLK_TCK)
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }  # user + system CPU of a process
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }  # the machine's
ours() { echo $(($(ticks "$reporting_pid") + $(ticks "$gateway_pid") + $(ticks "$redis_pid"))); }
field() { sed -n "s/.*$2=\([0-9.]*\).*/\1/p" "$1" | head -1; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit; print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

rows=()
summary=()
for c in $concurrencies; do
  ratios=()
  added50=()
  added99=()
  gwcpu=()
  for pair in $(seq "$pairs"); do
    for side in direct gateway; do
      load=$(cut -d' ' -f1 /proc/loadavg)
      r0=$(ticks "$reporting_pid")
      g0=$(ticks "$gateway_pid")
      o0=$(ours)
      b0=$(busy)
      out="$work/$c.$pair.$side"
      # The client's whole run: wall, user and system seconds (bash's time).
      TIMEFORMAT='%R %U %S'
      if [ "$side" = direct ]; then
        { time build/bench/zs-load get-direct --addr="$reporting_addr" --ids="$work/ids" \
          --concurrency="$c" --calls="$calls" >"$out" 2>"$out.err"; } 2>"$out.time"
      else
        { time build/bench/zs-load get-http --addr="$gateway_addr" --ids="$work/ids" \
          --concurrency="$c" --calls="$calls" $quickack >"$out" 2>"$out.err"; } 2>"$out.time"
      fi
      cat "$out.err" >&2
      b1=$(busy)
      o1=$(ours)
      r1=$(ticks "$reporting_pid")
      g1=$(ticks "$gateway_pid")
      rate=$(sed -n 's/.* \([0-9]*\) calls\/s.*/\1/p' "$out" | head -1)
      p50=$(field "$out" p50)
      p99=$(field "$out" p99)
      max=$(field "$out" max)
      errors=$(field "$out" errors)
      client_us=$(sed -n 's/.* \([0-9.]*\) us\/call.*/\1/p' "$out")
      n=$((c * calls))
      rep_us=$(awk -v t=$((r1 - r0)) -v hz="$hz" -v n="$n" 'BEGIN { printf "%.0f", t / hz / n * 1e6 }')
      gw_us=$(awk -v t=$((g1 - g0)) -v hz="$hz" -v n="$n" 'BEGIN { printf "%.0f", t / hz / n * 1e6 }')
      [ "$side" = direct ] && gw_us="–"
      # Other work on the machine during the round, in cores: all busy CPU but the servers', Redis'
      # and this client's.
      other=$(awk -v b=$((b1 - b0)) -v o=$((o1 - o0)) -v hz="$hz" '{
        v = ((b - o) / hz - $2 - $3) / $1; printf "%.2f", v < 0 ? 0 : v }' "$out.time")
      rows+=("| $c | $pair | $side | $load | $other | $rate | $p50 / $p99 / $max ms | $errors | $client_us | $rep_us | $gw_us |")
      echo "${rows[-1]}"
      if [ "$side" = direct ]; then
        d_rate=$rate d_p50=$p50 d_p99=$p99 d_errors=$errors
      elif [ "$errors" != 0 ] || [ "$d_errors" != 0 ]; then
        echo "pair $pair at $c clients left out of the medians: failed calls" >&2
      else
        ratios+=("$(awk -v g="$rate" -v d="$d_rate" 'BEGIN { printf "%.3f", g / d }')")
        added50+=("$(awk -v g="$p50" -v d="$d_p50" 'BEGIN { printf "%.3f", g - d }')")
        added99+=("$(awk -v g="$p99" -v d="$d_p99" 'BEGIN { printf "%.3f", g - d }')")
        gwcpu+=("$gw_us")
      fi
    done
  done
  summary+=("| $c | $(printf '%s\n' "${ratios[@]}" | median) ($(echo "${ratios[*]}" | tr ' ' ',')) | $(printf '%s\n' "${added50[@]}" | median) ms ($(echo "${added50[*]}" | tr ' ' ',')) | $(printf '%s\n' "${added99[@]}" | median) ms | $(printf '%s\n' "${gwcpu[@]}" | median) |")
  echo "uptime after concurrency $c: $(uptime)"
done

echo
echo "| clients | pair | side | load | other CPU | calls/s | p50 / p99 / max | failed | client CPU µs/call | reporting CPU µs/call | gateway CPU µs/call |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "(a pair with failed calls is left out of the medians)"
echo "| clients | median gateway/direct calls/s (each pair) | median added p50 (each pair) | median added p99 | median gateway CPU µs/call |"
echo "|---|---|---|---|---|"
printf '%s\n' "${summary[@]}"
echo
echo "uptime after: $(uptime)"
if [ -s "$work/gateway.log" ] || [ -s "$work/reporting.log" ]; then
  echo "server warnings:"
  tail -n 5 "$work/reporting.log" "$work/gateway.log"
fi
