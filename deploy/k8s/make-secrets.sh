#!/usr/bin/env bash
# Makes the Secrets a deployment needs and prints them as YAML for `kubectl apply -f -`:
#   zs-auth            hs256-secret: the token key the services verify (and mint service tokens with)
#   zs-redis           password + users.acl: the Redis ACL user `zhongshu`, the default user off
#   zs-tls-<service>   tls.crt, tls.key, ca.crt for reporting, supervision, proposals, coordination
#                      (server and client certificate: mutual TLS between the services)
#   zs-tls-ops         a client certificate for zsctl, jobs and the console's gateway
# The certificates come from a private CA made here (kept in DIR/ca.key, to sign more later);
# use your own CA or cert-manager instead by creating Secrets of the same names and keys.
#   make-secrets.sh NAMESPACE [DIR]   DIR keeps the files (default: a temporary folder, removed)
# Re-running makes new keys: that is a rotation (README, Operations).
set -euo pipefail
ns="${1:?usage: make-secrets.sh NAMESPACE [DIR]}"
dir="${2:-}"
if [ -z "$dir" ]; then
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
fi
mkdir -p "$dir"
cd "$dir"
umask 077

openssl rand -base64 48 | tr -d '\n' > hs256-secret
openssl rand -hex 24 | tr -d '\n' > redis-password
printf 'user default off\nuser zhongshu on >%s ~zs:* &* +@all -@admin\n' \
  "$(cat redis-password)" > users.acl

if [ ! -f ca.key ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=zhongshu-ca-$ns" \
    -keyout ca.key -out ca.crt 2>/dev/null
fi
cert() {  # name, subjectAltName
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$1.key" -out "$1.csr" 2>/dev/null
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n' \
    "$2" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 \
    -extfile "$1.ext" -out "$1.crt" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
for s in reporting supervision proposals coordination; do
  cert "$s" "DNS:$s,DNS:$s.$ns,DNS:$s.$ns.svc,DNS:$s.$ns.svc.cluster.local,DNS:localhost,IP:127.0.0.1"
done
cert ops "DNS:zhongshu-ops"

b64() { base64 -w0 < "$1"; }
secret() {  # name, type, key=file...
  local name="$1" type="$2"
  shift 2
  printf -- '---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n  namespace: %s\n' "$name" "$ns"
  printf '  labels:\n    app.kubernetes.io/part-of: zhongshu\ntype: %s\ndata:\n' "$type"
  for kv in "$@"; do printf '  %s: %s\n' "${kv%%=*}" "$(b64 "${kv#*=}")"; done
}
secret zs-auth Opaque hs256-secret=hs256-secret
secret zs-redis Opaque password=redis-password users.acl=users.acl
for s in reporting supervision proposals coordination ops; do
  secret "zs-tls-$s" kubernetes.io/tls tls.crt="$s.crt" tls.key="$s.key" ca.crt=ca.crt
done
