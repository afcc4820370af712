#!/usr/bin/env bash
# The run command: installs what is missing, builds, starts a private redis-server and the
# reporting service on SQLite under data/, loads a demo (on first run), prints what to try,
# and keeps running until Ctrl-C, when it stops everything it started.
#   --no-wait   stop again right after the demo (for a quick check)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
wait_for_ctrl_c=1
[ "${1:-}" = "--no-wait" ] && wait_for_ctrl_c=0

bash scripts/install-deps.sh
bash scripts/build.sh

data="$root/data"
mkdir -p "$data/redis" "$data/reporting"
zsctl="$root/build/tools/zsctl/zsctl"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
redis_port=""
for p in $(seq 6390 6420); do
  if port_free "$p"; then redis_port=$p; break; fi
done
[ -n "$redis_port" ] || { echo "error: no free port for redis in 6390-6420" >&2; exit 1; }
port_free 7101 || { echo "error: port 7101 (reporting) is in use; stop the other instance first" >&2; exit 1; }

pids=()
cleanup() {
  echo
  echo "stopping..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "stopped. Data stays in $data (delete it for a fresh start)."
}
trap cleanup EXIT
trap 'exit 0' INT TERM

redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$data/redis" --appendonly yes \
  --save "" --daemonize no --logfile "$data/redis/redis.log" &
pids+=($!)
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

export ZS_REDIS_ADDRESS="127.0.0.1:$redis_port"
export ZS_DATA_DIR="$data/reporting"
"$root/build/services/reporting/reporting" --config=deploy/local/reporting.yaml \
  2>>"$data/reporting/reporting.log" &
pids+=($!)
for _ in $(seq 100); do port_free 7101 || break; sleep 0.1; done
port_free 7101 && { echo "error: reporting did not start; see $data/reporting/reporting.log" >&2; exit 1; }

export ZS_ORG="$root/deploy/local/org.yaml"
if [ ! -f "$data/.demo-loaded" ]; then
  bash scripts/demo.sh "$zsctl"
  touch "$data/.demo-loaded"
fi

cat <<MSG

Zhongshu is running:
  reporting   127.0.0.1:7101   (log: data/reporting/reporting.log, database: data/reporting/reporting.db)
  redis       127.0.0.1:$redis_port   (stream zs:events:reporting)

Try, from $root:
  build/tools/zsctl/zsctl --as li.bianji report list                 # the editor's view
  build/tools/zsctl/zsctl --as chen.shuili report list               # a unit handler: no negative information
  build/tools/zsctl/zsctl --as wang.xinxi report create --title "..." --kind dynamic
  build/tools/zsctl/zsctl --as zhang.shuji instruction list
  build/tools/zsctl/zsctl --as li.bianji --json report show <id>
  redis-cli -p $redis_port XRANGE zs:events:reporting - +            # the published events
Users are in deploy/local/org.yaml (wang.xinxi clerk, li.bianji editor, zhang.shuji leader, ...).
MSG

if [ "$wait_for_ctrl_c" = 1 ]; then
  echo "Press Ctrl-C to stop."
  wait "${pids[1]}"
fi
