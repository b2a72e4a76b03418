#!/usr/bin/env bash
# Usage: scripts/bench.sh [PODS]   (default 100; root)
# Our suite vs Debian's reference Go plugins (containernetworking-plugins), same configs, one run,
# inside a private node network namespace: ADD/DEL median and p90 for bridge+host-local,
# +portmap, and the flannel chain; churn throughput with 1 and 2 workers; peak RSS; binary sizes;
# then the node-scale scenario (scripts/bench-node-scale.sh: portmap and bridge ipMasq on a node
# with a kube-proxy-sized nat table; NODE_SCALE="0:9 10000:9" to choose sizes, NODE_SCALE=none to skip).
set -euo pipefail
. "$(dirname "$0")/lib/toolchain.sh"
cd "$(dirname "$0")/.."
pods="${1:-100}"
[ "$(id -u)" = 0 ] || { echo "bench: needs root (creates network namespaces)" >&2; exit 1; }
scripts/deps.sh --test
ours=$(mktemp -d /tmp/cni-bench-bin.XXXXXX)
node="cni-bench-node-$$"
trap 'rm -rf "$ours"; ip netns del "$node" 2>/dev/null || true' EXIT
ip netns add "$node"
scripts/install.sh "$ours" >/dev/null
ref=/usr/lib/cni
echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r)"
echo "reference: containernetworking-plugins $(dpkg-query -W -f='${Version}' containernetworking-plugins)"
echo "pods per scenario: $pods"
ip netns exec "$node" python3 scripts/lib/bench.py "$ours" "$ref" "$pods" "$node"
echo
echo "binary size (stripped, bytes): ours (one multicall file for all five): $(stat -c %s "$ours/bridge")"
for p in bridge host-local portmap loopback; do
    printf '  reference %-11s %s\n' "$p" "$(stat -c %s $ref/$p)"
done
echo "  reference total (bridge host-local portmap loopback): $(du -cb $ref/{bridge,host-local,portmap,loopback} | tail -1 | cut -f1)"
echo "  ours installed dir: $(du -sb "$ours" | cut -f1) bytes (hard links counted once)"

if [ "${NODE_SCALE:-}" != none ]; then
    echo
    # shellcheck disable=SC2086 # a list of SIZE:SAMPLES words
    OURS_DIR="$ours" scripts/bench-node-scale.sh ${NODE_SCALE:-}
fi
