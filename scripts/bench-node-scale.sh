#!/usr/bin/env bash
# Usage: scripts/bench-node-scale.sh [SIZE:SAMPLES ...]   (root; default 0:9 2000:9 10000:9 50000:2)
# portmap and bridge ipMasq ADD/DEL, ours vs Debian's reference plugins (/usr/lib/cni), on a node
# whose nat table holds a generated kube-proxy-like rule set of SIZE rules (loaded with one
# iptables-restore inside a private node netns that is deleted afterwards), portmap also against
# the floor (scripts/bench/floor.c: its rules in one iptables-restore). Prints medians, ratios
# and our growth factor; writes docs/performance-node-scale.{png,json}
# (OUT=prefix to write elsewhere). Figures, not a test.
set -euo pipefail
. "$(dirname "$0")/lib/toolchain.sh"
. "$(dirname "$0")/lib/suite-binary.sh"
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench-node-scale: needs root (creates network namespaces)" >&2; exit 1; }
plan=("$@")
((${#plan[@]})) || plan=(0:9 2000:9 10000:9 50000:2)
out=${OUT:-docs/performance-node-scale}
ours=${OURS_DIR:-}
node="cni-bench-scale-$$"
tmp=$(mktemp -d /tmp/cni-bench-scale-bin.XXXXXX)
trap 'rm -rf "$tmp"; ip netns del "$node" 2>/dev/null || true' EXIT
if [ -z "$ours" ]; then
    suite_install "$(suite_binary "$PWD")" "$tmp" >/dev/null
    ours=$tmp
fi
ref=/usr/lib/cni
# The floor: portmap's rules written with one iptables-restore per ADD and per DEL (scripts/bench/floor.c).
mkdir -p "$tmp/floor"
gcc -O2 -static -o "$tmp/floor/portmap" scripts/bench/floor.c
export FLOOR_PLUGINS="$tmp/floor"
ip netns add "$node"
echo "node-scale: ours $ours, reference containernetworking-plugins $(dpkg-query -W -f='${Version}' containernetworking-plugins 2>/dev/null || echo '?'), $(iptables --version)"
echo "plan (nat rules:samples): ${plan[*]}"
# Debian's interpreter, which python3-matplotlib belongs to (a pyenv python3 first on PATH lacks it).
py=/usr/bin/python3; [ -x "$py" ] || py=python3
ip netns exec "$node" "$py" scripts/lib/bench_node_scale.py "$ours" "$ref" "$node" "$out" "${plan[@]}"
