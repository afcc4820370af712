#!/usr/bin/env bash
# The run command: installs what is missing, builds, starts a private redis-server and the
# reporting, supervision, proposals and coordination services on SQLite under data/ and the
# gateway (the console and the APIs over HTTP), walks the demo story (on first run), prints what
# to try, and keeps running until Ctrl-C, when it stops everything it started.
#   --no-wait   stop again right after the demo (for a quick check)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
wait_for_ctrl_c=1
[ "${1:-}" = "--no-wait" ] && wait_for_ctrl_c=0

bash scripts/install-deps.sh
bash scripts/build.sh
bash scripts/build-console.sh

data="$root/data"
mkdir -p "$data/redis" "$data/reporting" "$data/supervision" "$data/proposals" "$data/coordination" \
  "$data/gateway"
zsctl="$root/build/tools/zsctl/zsctl"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
redis_port=""
for p in $(seq 6390 6420); do
  if port_free "$p"; then redis_port=$p; break; fi
done
[ -n "$redis_port" ] || { echo "error: no free port for redis in 6390-6420" >&2; exit 1; }
for p in 7101 7102 7103 7104 8080; do
  port_free "$p" || { echo "error: port $p is in use; stop the other instance first" >&2; exit 1; }
done

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
# The demo moves a demo clock forward to show the warning ladder; the file is removed when the
# demo ends, and without it the services tell real time.
export ZS_CLOCK_FILE="$data/demo-clock"
for svc in reporting supervision proposals coordination; do
  ZS_DATA_DIR="$data/$svc" "$root/build/services/$svc/$svc" --config="deploy/local/$svc.yaml" \
    2>>"$data/$svc/$svc.log" &
  pids+=($!)
done
"$root/build/services/gateway/gateway" --config=deploy/local/gateway.yaml \
  2>>"$data/gateway/gateway.log" &
pids+=($!)
for p in 7101 7102 7103 7104 8080; do
  for _ in $(seq 100); do port_free "$p" || break; sleep 0.1; done
  port_free "$p" && { echo "error: a service did not start; see $data/*/*.log" >&2; exit 1; }
done

export ZS_ORG="$root/deploy/local/org.yaml"
if [ ! -f "$data/.demo-loaded" ]; then
  bash scripts/demo.sh "$zsctl" "$ZS_CLOCK_FILE"
  touch "$data/.demo-loaded"
fi

cat <<MSG

Zhongshu is running:
  console      http://127.0.0.1:8080/   (the gateway: sign in as a demo user; APIs under /api,
                                  log: data/gateway/gateway.log)
  reporting    127.0.0.1:7101   (log: data/reporting/reporting.log, database: data/reporting/reporting.db)
  supervision  127.0.0.1:7102   (log: data/supervision/supervision.log, database: data/supervision/supervision.db)
  proposals    127.0.0.1:7103   (log: data/proposals/proposals.log, database: data/proposals/proposals.db)
  coordination 127.0.0.1:7104   (log: data/coordination/coordination.log, database: data/coordination/coordination.db)
  redis        127.0.0.1:$redis_port   (streams zs:events:reporting, zs:events:supervision, zs:events:proposals,
                                 zs:events:coordination)

Try, from $root:
  build/tools/zsctl/zsctl --as li.bianji report list                 # the editor's view
  build/tools/zsctl/zsctl --as chen.shuili report list               # a unit handler: no negative information
  build/tools/zsctl/zsctl --as wang.xinxi report create --title "..." --kind dynamic
  build/tools/zsctl/zsctl --as zhang.shuji instruction list               # answered instructions
  build/tools/zsctl/zsctl --as zhao.ducha item list                      # the supervision office's items
  build/tools/zsctl/zsctl --as chen.shuili task list                     # 水利局's tasks
  build/tools/zsctl/zsctl --as wu.tian proposal list                    # the 政协 proposal office's view
  build/tools/zsctl/zsctl --as zheng.weiyuan proposal get <id>           # a proposal, its handlings and ratings
  build/tools/zsctl/zsctl --as chen.shuili proposal list --unit 430204/slj  # the proposals 水利局 handles
  build/tools/zsctl/zsctl --as lin.weiyuan proposal replies              # public replies
  build/tools/zsctl/zsctl --as wu.tian proposal stats                    # rates per session and unit
  build/tools/zsctl/zsctl --as li.bianji --json report show <id>
  curl -s -X POST localhost:8080/auth/dev-sign-in -d '{"user":"li.bianji"}'   # a token for the API
  curl -s localhost:8080/api                                          # every API method
  redis-cli -p $redis_port XRANGE zs:events:supervision - +          # the published events
Users are in deploy/local/org.yaml (wang.xinxi clerk, li.bianji editor, zhang.shuji leader,
zhao.ducha supervisor, chen.shuili and zhou.huanbao unit handlers, wu.tian (政协) and xu.renda
(人大) proposal offices, zheng.weiyuan, feng.weiyuan, lin.weiyuan members, he.daibiao deputy, ...).
MSG

if [ "$wait_for_ctrl_c" = 1 ]; then
  echo "Press Ctrl-C to stop."
  wait "${pids[1]}"
fi
