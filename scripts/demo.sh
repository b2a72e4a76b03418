#!/usr/bin/env bash
# A first run for a newcomer, as root, without Kubernetes: builds a throwaway flannel node in
# private network namespaces, with the lease flanneld would have written embedded below
# (10.244.1.0/24 of 10.244.0.0/16, MTU 1450), runs two pods through conflists/10-flannel.conflist
# with cni-exec (the first with a hostPort 8080 -> 80), shows that they ping each other and
# that the hostPort answers, prints cni-inspect for the node, DELs the pods and removes
# everything. Nothing is created in the machine's root netns; the node's files live in a temp
# dir (the conflist's subnetFile/dataDir point there), removed at the end.
#
# Plugins: $CNI_PLUGIN_DIR (an installed dir), else the suite binary ($CNI_PLUGINS_BIN, else an
# up-to-date dist/ or .build/ binary, else a debug build). DEMO_KEEP=1 keeps the temp dir.
# Exit status 0 when every step worked (scripts/e2e-demo.sh runs it as a test).
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/lib/toolchain.sh
. "$ROOT/scripts/lib/toolchain.sh"
if [ "$(id -u)" != 0 ]; then
    echo "demo: needs root (it creates network namespaces); try: sudo $0" >&2
    exit 2
fi
for tool in ip python3 ping; do
    command -v "$tool" >/dev/null || { echo "demo: missing $tool (run scripts/deps.sh)" >&2; exit 2; }
done

P="cnidemo$$-"
NODE="${P}node"
E2E_TMP="$(mktemp -d /tmp/cni-demo.XXXXXX)"
DIR="$E2E_TMP/node"
SERVER_PID=""
FAILED=0
cleanup() {
    local ns
    [ -z "$SERVER_PID" ] || { kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; }
    for ns in "${P}pod1" "${P}pod2" "$NODE"; do ip netns del "$ns" 2>/dev/null; done
    if [ "${DEMO_KEEP:-0}" = 1 ]; then echo "kept $E2E_TMP"; else rm -rf "$E2E_TMP"; fi
}
trap cleanup EXIT
trap 'echo "demo: interrupted"; exit 130' INT TERM

step() { printf '\n== %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@" >/dev/null; }
ok() { echo "   ok: $*"; }
bad() { echo "   FAILED: $*"; FAILED=1; }

# shellcheck source=scripts/lib/e2e-plugins.sh
. "$ROOT/scripts/lib/e2e-plugins.sh"
resolve_plugins "$ROOT" || { echo "demo: no plugin binaries" >&2; exit 1; }

step "a node: netns $NODE, a node address 198.18.0.10 on eth0, flanneld's lease"
ip netns add "$NODE" && ip -n "$NODE" link set lo up \
    && ip -n "$NODE" link add eth0 type veth peer name uplink && ip -n "$NODE" addr add 198.18.0.10/24 dev eth0 \
    && ip -n "$NODE" link set uplink up && ip -n "$NODE" link set eth0 up \
    && ip netns exec "$NODE" sysctl -qw net.ipv4.ip_forward=1 \
    || { echo "demo: cannot create the node netns" >&2; exit 1; }
mkdir -p "$DIR/run/flannel" "$DIR/net.d" "$DIR/lib/cni/flannel" "$DIR/lib/cni/networks" "$DIR/lib/cni/cache"
cat > "$DIR/run/flannel/subnet.env" <<'ENV'
FLANNEL_NETWORK=10.244.0.0/16
FLANNEL_SUBNET=10.244.1.1/24
FLANNEL_MTU=1450
FLANNEL_IPMASQ=true
ENV
echo "subnet.env ($DIR/run/flannel/subnet.env):"; sed 's/^/  /' "$DIR/run/flannel/subnet.env"
CONFLIST="$DIR/net.d/10-flannel.conflist"
python3 - "$ROOT/conflists/10-flannel.conflist" "$CONFLIST" "$DIR" <<'PY'
import json, sys
src, out, d = sys.argv[1:]
conf = json.load(open(src))
for p in conf["plugins"]:
    if p.get("type") == "flannel":
        p["subnetFile"] = d + "/run/flannel/subnet.env"
        p["dataDir"] = d + "/lib/cni/flannel"
        p.setdefault("ipam", {})["dataDir"] = d + "/lib/cni/networks"
json.dump(conf, open(out, "w"), indent=2)
PY
echo "conflist: conflists/10-flannel.conflist, its state paths moved into $DIR"

# cni VERB POD [CAP_ARGS]: cni-exec on the node, as containerd runs the conflist.
cni() {
    ip netns exec "$NODE" env CNI_PATH="$E2E_CNI_PATH" CNI_CACHE_DIR="$DIR/lib/cni/cache" CAP_ARGS="${3:-}" \
        CNI_PLUGINS_BIN="$E2E_RUNNER" timeout 30 "$ROOT/scripts/cni-exec" "$1" "$CONFLIST" "/run/netns/${P}$2" "demo-$2" eth0
}
inspect() {
    (exec -a cni-inspect "$E2E_RUNNER" --netns "$NODE" --netconf-dir "$DIR/net.d" --cni-path "$E2E_CNI_PATH" \
        --subnet-file "$DIR/run/flannel/subnet.env" --ipam-dir "$DIR/lib/cni/networks" \
        --flannel-dir "$DIR/lib/cni/flannel" --cache-dir "$DIR/lib/cni/cache" "$@")
}
pod_ip() { ip -n "${P}$1" -4 -o addr show dev eth0 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -1; }

step "cni-inspect before any pod: is the node ready?"
inspect | head -1

CAP='{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}'
for pod in pod1 pod2; do
    step "ADD $pod (flannel -> bridge -> host-local, then portmap)$([ "$pod" = pod1 ] && echo ", hostPort 8080 -> 80")"
    ip netns add "${P}$pod" && ip -n "${P}$pod" link set lo up
    if [ "$pod" = pod1 ]; then out="$(cni add "$pod" "$CAP" 2>&1)"; else out="$(cni add "$pod" 2>&1)"; fi
    if [ $? = 0 ]; then ok "$pod got $(pod_ip "$pod")/24"; else bad "ADD $pod"; echo "$out"; fi
done
IP1="$(pod_ip pod1)"; IP2="$(pod_ip pod2)"

step "the pods ping each other across cni0"
show ip netns exec "${P}pod1" ping -c 2 -W 2 "${IP2:-0.0.0.0}" && ok "pod1 -> pod2 ($IP2)" || bad "ping pod1 -> pod2"
show ip netns exec "${P}pod2" ping -c 2 -W 2 "${IP1:-0.0.0.0}" && ok "pod2 -> pod1 ($IP1)" || bad "ping pod2 -> pod1"

step "hostPort 8080 -> pod1:80"
mkdir -p "$E2E_TMP/www" && echo "hello from pod1" > "$E2E_TMP/www/index.html"
ip netns exec "${P}pod1" python3 -m http.server 80 --bind 0.0.0.0 --directory "$E2E_TMP/www" >/dev/null 2>&1 &
SERVER_PID=$!
for _ in $(seq 50); do
    ip netns exec "${P}pod1" python3 -c 'import socket; socket.create_connection(("127.0.0.1", 80), 1)' 2>/dev/null && break
    sleep 0.1
done
get() {
    ip netns exec "$1" python3 -c 'import sys,urllib.request;sys.stdout.write(urllib.request.urlopen(sys.argv[1],timeout=3).read().decode())' "$2" 2>&1
}
for from in "$NODE" "${P}pod2"; do
    answer="$(get "$from" http://198.18.0.10:8080/)"
    if [ "$answer" = "hello from pod1" ]; then ok "from ${from#"$P"}: http://198.18.0.10:8080/ answered \"$answer\""
    else bad "hostPort from ${from#"$P"}: $answer"; fi
done

step "cni-inspect for this node"
inspect
rc=$?
[ "$rc" = 0 ] && ok "cni-inspect: exit 0" || bad "cni-inspect exit $rc"

step "DEL both pods, then the node is clean"
kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=""
for pod in pod1 pod2; do
    if [ "$pod" = pod1 ]; then out="$(cni del "$pod" "$CAP" 2>&1)"; else out="$(cni del "$pod" 2>&1)"; fi
    if [ $? = 0 ]; then ok "DEL $pod"; else bad "DEL $pod"; echo "$out"; fi
done
inspect --json >"$E2E_TMP/after.json"
rc=$?
left="$(jq '[.pods, .problems, .ipam.allocations, .hostPorts, .installation.cachedResults] | map(length) | add' \
    "$E2E_TMP/after.json" 2>&1)"
if [ "$rc" = 0 ] && [ "$left" = 0 ]; then ok "cni-inspect: no pods, no reservations, no hostPorts, no problems"
else bad "after DEL: cni-inspect exit $rc, $left things left"; fi

step "removing the namespaces and $E2E_TMP"
if ((FAILED)); then echo "demo: some steps FAILED"; exit 1; fi
echo "demo: done"
