# shellcheck shell=bash
# Sourced by scripts/e2e-cluster.sh: the simulated cluster's nodes and underlay, and what
# flanneld would write on each node for the host-gw and vxlan backends (ipip and ipsec:
# scripts/lib/e2e-cluster-tunnels.sh).
#
# Namespaces (all named "$E2E_PREFIX..."): "sw" holds the underlay bridge br0 (the switch, with
# the segment's gateway address 198.18.0.1), "n0".."n2" are the nodes (eth0 = 198.18.0.1N/24 on
# the underlay, veth to port nN of br0), pods are "nNpK". Node N owns 10.244.N.0/24. A pass may
# put a node on a second L2 segment (E2E_NODE_SEGMENT[nN]=1: 198.18.1.1N/24 on br1), which "sw"
# then routes to. Nothing is created in the root netns.

E2E_NODES=(n0 n1 n2)
E2E_UNDERLAY_PREFIX=198.18
E2E_FLANNEL_NETWORK=10.244.0.0/16
declare -A E2E_NODE_SEGMENT=()

node_index() { echo "${1#n}"; }
node_ns() { echo "${E2E_PREFIX}$1"; }
node_segment() { echo "${E2E_NODE_SEGMENT[$1]:-0}"; }
node_ip() { echo "$E2E_UNDERLAY_PREFIX.$(node_segment "$1").$((10 + $(node_index "$1")))"; }
# The underlay gateway of segment $1 (an address of "sw").
segment_gateway() { echo "$E2E_UNDERLAY_PREFIX.$1.1"; }
node_subnet() { echo "10.244.$(node_index "$1").0/24"; }
node_gateway() { echo "10.244.$(node_index "$1").1"; }
node_dir() { echo "$E2E_TMP/${E2E_PASS:-pass}/$1"; }

# Runs a command inside a namespace of ours: in NS CMD...
in_ns() { local ns="$1"; shift; ip netns exec "$ns" "$@"; }

# Creates the switch namespace and the nodes with their underlay links; ip_forward on in the
# nodes (and in "sw" only when it routes between two segments).
topology_create() {
    local sw="${E2E_PREFIX}sw" n ns seg segs
    segs="$(for n in "${E2E_NODES[@]}"; do node_segment "$n"; done | sort -u)"
    ip netns add "$sw" || return
    ip -n "$sw" link set lo up || return
    for seg in $segs; do
        ip -n "$sw" link add "br$seg" type bridge || return
        ip -n "$sw" addr add "$(segment_gateway "$seg")/24" dev "br$seg" || return
        ip -n "$sw" link set "br$seg" up || return
    done
    [ "$(wc -w <<<"$segs")" = 1 ] || in_ns "$sw" sysctl -qw net.ipv4.ip_forward=1 || return
    for n in "${E2E_NODES[@]}"; do
        ns="$(node_ns "$n")"; seg="$(node_segment "$n")"
        ip netns add "$ns" || return
        ip -n "$ns" link set lo up || return
        ip -n "$sw" link add "$n" type veth peer name eth0 netns "$ns" || return
        ip -n "$sw" link set "$n" master "br$seg" up || return
        ip -n "$ns" addr add "$(node_ip "$n")/24" dev eth0 || return
        ip -n "$ns" link set eth0 up || return
        local other
        for other in $segs; do
            [ "$other" = "$seg" ] && continue
            ip -n "$ns" route add "$E2E_UNDERLAY_PREFIX.$other.0/24" via "$(segment_gateway "$seg")" dev eth0 || return
        done
        in_ns "$ns" sysctl -qw net.ipv4.ip_forward=1 || return
        mkdir -p "$(node_dir "$n")/run/flannel" || return
    done
}

# Deletes every namespace whose name starts with our prefix (pods, nodes, switch).
topology_destroy() {
    local ns pid
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -F -- "$E2E_PREFIX" || true); do
        [[ "$ns" == "$E2E_PREFIX"* ]] || continue
        # Processes we started inside (the pods' servers), by pid.
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
    done
}

# Writes /run/flannel/subnet.env of node $1 (into its own dir) as flanneld does.
write_subnet_env() {
    local n="$1" mtu="$2"
    cat > "$(node_dir "$n")/run/flannel/subnet.env" <<EOF
FLANNEL_NETWORK=$E2E_FLANNEL_NETWORK
FLANNEL_SUBNET=$(node_gateway "$n")/24
FLANNEL_MTU=$mtu
FLANNEL_IPMASQ=true
EOF
}

# host-gw: on every node, a route to every other node's subnet via that node's underlay IP.
backend_hostgw() {
    local n m
    for n in "${E2E_NODES[@]}"; do
        write_subnet_env "$n" 1500 || return
        for m in "${E2E_NODES[@]}"; do
            [ "$n" = "$m" ] && continue
            ip -n "$(node_ns "$n")" route add "$(node_subnet "$m")" via "$(node_ip "$m")" dev eth0 || return
        done
    done
}

# vxlan: flannel.1 (VNI 1, port 8472, nolearning, MTU 1450, 10.244.N.0/32) on every node, then
# for every remote node: onlink route via its 10.244.M.0, permanent neighbour entry with its
# flannel.1 MAC, and an fdb entry sending that MAC to its underlay IP.
backend_vxlan() {
    local n m ns
    declare -gA VTEP_MAC=()
    for n in "${E2E_NODES[@]}"; do
        ns="$(node_ns "$n")"
        write_subnet_env "$n" 1450 || return
        ip -n "$ns" link add flannel.1 type vxlan id 1 local "$(node_ip "$n")" dev eth0 \
            dstport 8472 nolearning || return
        ip -n "$ns" link set flannel.1 mtu 1450 || return
        ip -n "$ns" addr add "10.244.$(node_index "$n").0/32" dev flannel.1 || return
        ip -n "$ns" link set flannel.1 up || return
        VTEP_MAC[$n]="$(ip -n "$ns" -o link show flannel.1 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')"
        [ -n "${VTEP_MAC[$n]}" ] || { echo "no MAC for flannel.1 on $n" >&2; return 1; }
    done
    for n in "${E2E_NODES[@]}"; do
        ns="$(node_ns "$n")"
        for m in "${E2E_NODES[@]}"; do
            [ "$n" = "$m" ] && continue
            local vtep
            vtep="10.244.$(node_index "$m").0"
            ip -n "$ns" route add "$(node_subnet "$m")" via "$vtep" dev flannel.1 onlink || return
            ip -n "$ns" neigh add "$vtep" lladdr "${VTEP_MAC[$m]}" dev flannel.1 nud permanent || return
            bridge -n "$ns" fdb append "${VTEP_MAC[$m]}" dev flannel.1 dst "$(node_ip "$m")" self permanent || return
        done
    done
}
