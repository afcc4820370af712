# Shared by the bench/run*.sh scripts: a scratch folder, the processes to stop at exit, and a
# private redis-server (AOF on) on the first free port from 6470.
#   . bench/lib.sh; bench_start    sets $work; bench_redis sets $redis_port; pids+=($!) to stop
pids=()
work=""
bench_stop() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
  [ -n "$work" ] && rm -rf "$work"
  work=""
}
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
bench_start() {
  work=$(mktemp -d)
  trap bench_stop EXIT
}
bench_redis() {
  redis_port=6470
  while ! port_free "$redis_port"; do redis_port=$((redis_port + 1)); done
  redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$work" --appendonly yes --save "" \
    --daemonize no --logfile "$work/redis.log" &
  pids+=($!)
  for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
}
