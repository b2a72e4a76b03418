#!/usr/bin/env bash
# Usage: scripts/bench.sh [PODS]   (default 100; root)
#        BEFORE=/path/to/another/cni-plugins scripts/bench.sh   (adds a column for that build,
#        e.g. an older or dynamically linked one, installed the same way)
# Our suite vs Debian's reference Go plugins (containernetworking-plugins) vs the floor
# (scripts/bench/floor.c: the kernel calls of the chain and nothing else), same chains, one run,
# interleaved pod by pod, inside a private node network namespace: VERSION start-up; ADD/DEL median
# and p90 for bridge+host-local, the flannel chain, flannel + portmap and the k3s chain (flannel +
# portmap + bandwidth; CHAINS="flannel k3s" picks chains), with ours/reference and ours/floor; the
# same as plugin-side time (minus the same client exec'ing a static no-op, so the client's own cost
# does not hide ours), also for bandwidth and portmap on their own; CPU time; churn throughput with
# 1 and 2 workers (CHURN=none skips it); peak RSS; binary sizes; then the node-scale scenario
# (scripts/bench-node-scale.sh: portmap and bridge ipMasq on a node with a kube-proxy-sized nat
# table; NODE_SCALE="0:9 10000:9" chooses sizes and samples, NODE_SCALE=none skips it).
set -euo pipefail
. "$(dirname "$0")/lib/toolchain.sh"
. "$(dirname "$0")/lib/suite-binary.sh"
cd "$(dirname "$0")/.."
pods="${1:-100}"
[ "$(id -u)" = 0 ] || { echo "bench: needs root (creates network namespaces)" >&2; exit 1; }
scripts/deps.sh --test
work=$(mktemp -d /tmp/cni-bench-bin.XXXXXX)
node="cni-bench-node-$$"
trap 'rm -rf "$work"; ip netns del "$node" 2>/dev/null || true' EXIT
ip netns add "$node"
bin=$(suite_binary "$PWD")
suite_install "$bin" "$work/ours" >/dev/null
impls=("reference=/usr/lib/cni" "ours=$work/ours")
if [ -n "${BEFORE:-}" ]; then
    mkdir -p "$work/before"
    for p in "${SUITE_PLUGIN_NAMES[@]}"; do cp "$BEFORE" "$work/before/$p"; done
    impls+=("before=$work/before")
fi
# The client floor: a static no-op "plugin" (reads its config, prints an empty result).
mkdir -p "$work/noop"
cat >"$work/noop.c" <<'C'
#include <unistd.h>
int main(void) {
    char buf[65536];
    while (read(0, buf, sizeof buf) > 0) {}
    static const char out[] = "{\"cniVersion\":\"1.0.0\"}\n";
    return write(1, out, sizeof out - 1) == sizeof out - 1 ? 0 : 1;
}
C
gcc -O2 -static -o "$work/noop/bridge" "$work/noop.c"
# The floor: the chain's kernel calls, installed under the plugin names it plays.
mkdir -p "$work/floor"
gcc -O2 -static -o "$work/floor/bridge" scripts/bench/floor.c
for p in flannel portmap bandwidth; do cp "$work/floor/bridge" "$work/floor/$p"; done
ref=/usr/lib/cni
echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r)"
echo "reference: containernetworking-plugins $(dpkg-query -W -f='${Version}' containernetworking-plugins)"
echo "ours: $bin ($(file -b "$bin" | cut -d, -f1,5 | sed 's/  */ /g'))"
[ -z "${BEFORE:-}" ] || echo "before: $BEFORE ($(file -b "$BEFORE" | cut -d, -f1,4,5 | sed 's/  */ /g'))"
echo "pods per scenario: $pods"
ip netns exec "$node" python3 scripts/lib/bench.py "$node" "$pods" "$work/noop" "$work/floor" "${impls[@]}"
echo
echo "binary size (stripped, bytes): ours $(stat -c %s "$bin") per file, installed dir $(du -sb "$work/ours" | cut -f1) (six copies)"
for p in bridge host-local portmap loopback; do
    printf '  reference %-11s %s\n' "$p" "$(stat -c %s $ref/$p)"
done
echo "  reference total (bridge host-local portmap loopback): $(du -cb $ref/{bridge,host-local,portmap,loopback} | tail -1 | cut -f1)"

if [ "${NODE_SCALE:-}" != none ]; then
    echo
    # shellcheck disable=SC2086 # a list of SIZE:SAMPLES words
    OURS_DIR="$work/ours" scripts/bench-node-scale.sh ${NODE_SCALE:-}
fi
