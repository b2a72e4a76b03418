#!/usr/bin/env bash
# Usage: scripts/bench-ab.sh OLD_BINARY [NEW_BINARY] [PODS]   (root; NEW defaults to this tree's
#        suite binary, PODS to 40)
# Two builds of the suite side by side, alternating pod by pod (scripts/lib/bench_ab.py): the
# flannel chain's ADD and DEL medians of each and their ratio. Fairer than bench.sh's BEFORE
# column for small differences: there the sides run one after the other, and on a shared machine
# load and ordering move a side's median by more than a small change does.
set -euo pipefail
. "$(dirname "$0")/lib/toolchain.sh"
. "$(dirname "$0")/lib/suite-binary.sh"
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench-ab: needs root (creates network namespaces)" >&2; exit 1; }
if [ $# -lt 1 ] || [ ! -x "$1" ]; then
    echo "usage: scripts/bench-ab.sh OLD_BINARY [NEW_BINARY] [PODS]" >&2; exit 2
fi
old="$1"
new="${2:-$(suite_binary "$PWD")}"
pods="${3:-40}"
work=$(mktemp -d /tmp/cni-bench-ab-bin.XXXXXX)
node="cni-bench-ab-node-$$"
trap 'rm -rf "$work"; ip netns del "$node" 2>/dev/null || true' EXIT
ip netns add "$node"
mkdir -p "$work/old" "$work/new"
for p in "${SUITE_PLUGIN_NAMES[@]}"; do
    cp "$old" "$work/old/$p"
    cp "$new" "$work/new/$p"
done
echo "old: $old"
echo "new: $new"
ip netns exec "$node" python3 scripts/lib/bench_ab.py "$node" "$pods" "old=$work/old" "new=$work/new"
