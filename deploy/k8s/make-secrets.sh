#!/usr/bin/env bash
# Makes the Secrets a deployment needs and prints them as YAML for `kubectl apply -f -`:
#   zs-auth            hs256-secret: the token key the services verify (and mint service tokens with)
#   zs-redis           password + users.acl: the Redis ACL user `zhongshu`, the default user off
#   zs-tls-<service>   tls.crt, tls.key, ca.crt for reporting, supervision, proposals, coordination
#                      (server and client certificate: mutual TLS between the services)
#   zs-tls-gateway     a client certificate for the gateway's calls to the four services
#   zs-tls-ops         a client certificate for zsctl and jobs
#
#   make-secrets.sh [--only auth|redis|tls] NAMESPACE DIR
#
# DIR keeps the files: the token key, the Redis password and the CA are made once and reused on
# every later run, so running it again changes only what you ask for. The certificates are signed
# again on every run (a TLS rotation: the services re-read them without a restart). To rotate the
# token key or the Redis password, delete DIR/hs256-secret or DIR/redis-password and run with
# --only auth or --only redis (both are read at start: restart as the README says). Keep DIR like
# any key store. Use your own CA or cert-manager instead by making Secrets of the same names and keys.
set -euo pipefail
only=all
if [ "${1:-}" = --only ]; then
  only="${2:?--only needs auth, redis or tls}"
  shift 2
fi
case "$only" in all | auth | redis | tls) ;; *) echo "error: --only auth|redis|tls" >&2; exit 2 ;; esac
[ $# -eq 2 ] || { echo "usage: make-secrets.sh [--only auth|redis|tls] NAMESPACE DIR" >&2; exit 2; }
ns="$1"
dir="$2"
command -v openssl >/dev/null || { echo "error: needs openssl" >&2; exit 1; }
umask 077
mkdir -p "$dir"
cd "$dir"
# openssl's progress goes to a log, shown if a step fails.
trap 'echo "error: making the secrets failed; openssl said:" >&2; cat openssl.log >&2 2>/dev/null' ERR
: > openssl.log

[ -s hs256-secret ] || openssl rand -base64 48 | tr -d '\n' > hs256-secret
[ -s redis-password ] || openssl rand -hex 24 | tr -d '\n' > redis-password
# Keys zs:* only, and nothing of @dangerous (FLUSHALL, KEYS, CONFIG, ...): the services use
# streams, EVAL, EXISTS and PING.
printf 'user default off\nuser zhongshu on >%s ~zs:* &* +@all -@dangerous\n' \
  "$(cat redis-password)" > users.acl

if [ ! -s ca.key ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=zhongshu-ca-$ns" \
    -keyout ca.key -out ca.crt 2>>openssl.log
fi
cert() {  # name, subjectAltName
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$1.key" -out "$1.csr" 2>>openssl.log
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n' \
    "$2" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 \
    -extfile "$1.ext" -out "$1.crt" 2>>openssl.log
  rm -f "$1.csr" "$1.ext"
}
if [ "$only" = all ] || [ "$only" = tls ]; then
  for s in reporting supervision proposals coordination; do
    cert "$s" "DNS:$s,DNS:$s.$ns,DNS:$s.$ns.svc,DNS:$s.$ns.svc.cluster.local,DNS:localhost,IP:127.0.0.1"
  done
  cert gateway "DNS:zhongshu-gateway"
  cert ops "DNS:zhongshu-ops"
fi

b64() { openssl base64 -A < "$1"; }
secret() {  # name, type, key=file...
  local name="$1" type="$2"
  shift 2
  printf -- '---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n  namespace: %s\n' "$name" "$ns"
  printf '  labels:\n    app.kubernetes.io/part-of: zhongshu\ntype: %s\ndata:\n' "$type"
  for kv in "$@"; do printf '  %s: %s\n' "${kv%%=*}" "$(b64 "${kv#*=}")"; done
}
case "$only" in all | auth) secret zs-auth Opaque hs256-secret=hs256-secret ;; esac
case "$only" in all | redis) secret zs-redis Opaque password=redis-password users.acl=users.acl ;; esac
if [ "$only" = all ] || [ "$only" = tls ]; then
  for s in reporting supervision proposals coordination gateway ops; do
    secret "zs-tls-$s" kubernetes.io/tls tls.crt="$s.crt" tls.key="$s.key" ca.crt=ca.crt
  done
fi
