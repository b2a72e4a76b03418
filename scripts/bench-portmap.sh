#!/usr/bin/env bash
# Wall time of portmap ADD and DEL (median of N runs), ours vs Debian's reference
# (/usr/lib/cni/portmap, v1.1.1, iptables backend), with 1 and with 10 port mappings.
# Everything runs inside a private network namespace that is deleted afterwards.
# Figures, not a test. Needs root.
#
#   scripts/bench-portmap.sh [runs]        (default 21 runs per figure)
#   CNI_PLUGINS_BIN=/path/to/cni-plugins scripts/bench-portmap.sh
#   BACKGROUND=50 scripts/bench-portmap.sh (pre-install 50 other containers' rules first)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/suite-binary.sh

RUNS=${1:-21}
REFERENCE=${REFERENCE:-/usr/lib/cni/portmap}
BACKGROUND=${BACKGROUND:-0}

if [ "${BENCH_INSIDE:-}" != 1 ]; then
    [ "$(id -u)" = 0 ] || { echo "bench-portmap: needs root (creates a network namespace)" >&2; exit 1; }
    BIN=$(suite_binary "$PWD") || { echo "bench-portmap: no suite binary (scripts/build.sh) or set CNI_PLUGINS_BIN" >&2; exit 1; }
    [ -x "$REFERENCE" ] || { echo "bench-portmap: reference $REFERENCE not found" >&2; exit 1; }
    NS=pmbench-$$
    DIR=$(mktemp -d /tmp/pmbench.XXXXXX)
    cleanup() { ip netns delete "$NS" 2>/dev/null || true; rm -rf "$DIR"; }
    trap cleanup EXIT
    suite_install "$BIN" "$DIR" >/dev/null
    ip netns add "$NS"
    ip -n "$NS" link set lo up
    ip -n "$NS" link add cni0 type bridge
    ip -n "$NS" addr add 10.244.1.1/24 dev cni0
    ip -n "$NS" link set cni0 up
    echo "ours:      $(readlink -f "$BIN") (installed as $DIR/portmap)"
    echo "reference: $REFERENCE"
    echo "runs per figure: $RUNS, other containers present: $BACKGROUND, iptables: $(iptables --version)"
    BENCH_INSIDE=1 OURS="$DIR/portmap" CNI_DIR="$DIR" REFERENCE=$REFERENCE BACKGROUND=$BACKGROUND \
        ip netns exec "$NS" "$0" "$RUNS"
    exit 0
fi

# ---- inside the namespace ----
config() {  # config <mappings> <base port> [extra keys]
    local n=$1 base=$2 extra=${3:-} maps="" i
    for ((i = 0; i < n; i++)); do
        local proto=tcp
        ((i % 2 == 1)) && proto=udp
        maps+="${maps:+,}{\"hostPort\":$((base + i)),\"containerPort\":$((8000 + i)),\"protocol\":\"$proto\"}"
    done
    cat <<JSON
{"cniVersion":"0.4.0","name":"bench","type":"portmap","capabilities":{"portMappings":true},$extra
 "runtimeConfig":{"portMappings":[$maps]},
 "prevResult":{"cniVersion":"0.4.0","interfaces":[{"name":"cni0"},{"name":"veth0"},{"name":"eth0","sandbox":"/run/netns/none"}],
   "ips":[{"version":"4","interface":2,"address":"10.244.1.5/24","gateway":"10.244.1.1"}]}}
JSON
}

invoke() {  # invoke <binary> <command> <container id> <config file>
    CNI_COMMAND=$2 CNI_CONTAINERID=$3 CNI_NETNS=/run/netns/none CNI_IFNAME=eth0 CNI_PATH=$CNI_DIR \
        "$1" <"$4" >/dev/null || { echo "bench-portmap: $2 failed for $1" >&2; exit 1; }
}

now_us() { echo $(( $(date +%s%N) / 1000 )); }

median_ms() {  # stdin: one value per line (microseconds)
    sort -n | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f", m / 1000 }'
}

reset_tables() {
    iptables -t nat -F; iptables -t nat -X
    ip6tables -t nat -F; ip6tables -t nat -X
    nft delete table ip cni_hostport 2>/dev/null || true
    nft delete table ip6 cni_hostport 2>/dev/null || true
}

measure() {  # measure <label> <binary> <mappings> [extra config keys]
    local label=$1 bin=$2 n=$3 extra=${4:-} cfg add_times="" del_times="" i t0 t1 t2
    cfg=$(mktemp /tmp/pmbench-cfg.XXXXXX)
    config "$n" 30000 "$extra" >"$cfg"
    reset_tables
    for ((i = 0; i < BACKGROUND; i++)); do  # other containers' rules, installed by the same binary
        local bg
        bg=$(mktemp /tmp/pmbench-bg.XXXXXX)
        config 2 $((40000 + 2 * i)) "$extra" >"$bg"
        invoke "$bin" ADD "bg$i" "$bg"
        rm -f "$bg"
    done
    invoke "$bin" ADD warmup "$cfg"; invoke "$bin" DEL warmup "$cfg"
    for ((i = 0; i < RUNS; i++)); do
        t0=$(now_us); invoke "$bin" ADD "c$i" "$cfg"
        t1=$(now_us); invoke "$bin" DEL "c$i" "$cfg"
        t2=$(now_us)
        add_times+="$((t1 - t0))"$'\n'
        del_times+="$((t2 - t1))"$'\n'
    done
    rm -f "$cfg"
    printf "%-10s %2d mapping(s)   ADD %7s ms   DEL %7s ms\n" "$label" "$n" \
        "$(printf "%s" "$add_times" | median_ms)" "$(printf "%s" "$del_times" | median_ms)"
}

for n in 1 10; do
    measure ours "$OURS" "$n"
    measure reference "$REFERENCE" "$n"
    if command -v nft >/dev/null; then measure ours-nft "$OURS" "$n" '"backend":"nftables",'; fi
done
reset_tables
