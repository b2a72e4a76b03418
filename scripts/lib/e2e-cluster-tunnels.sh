# shellcheck shell=bash
# Sourced by scripts/e2e-cluster.sh: the node state flanneld's ipip and ipsec backends leave,
# set up by hand, and the checks that pod traffic really crosses the tunnel.
#
# ipip (net-conf.json "Type": "ipip", "DirectRouting": true): subnet.env MTU 1480 (underlay
# 1500 - 20); on every node flannel.ipip (type ipip, local <node IP>, remote any, ttl inherit,
# nopmtudisc, MTU 1480, 10.244.N.0/32, up); for each other node a route to its subnet via its
# node IP, onlink: through flannel.ipip, or through eth0 when DirectRouting finds the node on
# the same L2 segment. The pass puts n2 on a second segment, so n0 <-> n1 route directly (as
# host-gw) and every path to or from n2 is tunnelled.
#
# ipsec ("Type": "ipsec", "PSK": ...): subnet.env MTU 1423 (underlay 1500 - 77); no route to
# another node's subnet, only the underlay's default route; per node pair one ESP SA pair in
# tunnel mode between the node IPs, aead rfc4106(gcm(aes)) with a 128-bit ICV (what charon
# negotiates for flanneld; here static, with keys and SPIs drawn from /dev/urandom per run), and
# xfrm policies: out for <own subnet> -> <their subnet>, in and fwd for the way back; and
# flanneld's --ip-masq rules (see flanneld_masquerade).

E2E_IPSEC_REQID=11
E2E_WIRE_TABLE=e2e_wire

# ipip with DirectRouting: n2 on segment 1 (behind "sw"), n0 and n1 on segment 0.
# shellcheck disable=SC2034  # read by the topology helpers
prepare_ipip() { E2E_NODE_SEGMENT=([n2]=1); }

backend_ipip() {
    local n m ns
    for n in "${E2E_NODES[@]}"; do
        ns="$(node_ns "$n")"
        write_subnet_env "$n" 1480 || return
        ip -n "$ns" link add flannel.ipip type ipip local "$(node_ip "$n")" ttl inherit nopmtudisc || return
        ip -n "$ns" link set flannel.ipip mtu 1480 || return
        ip -n "$ns" addr add "10.244.$(node_index "$n").0/32" dev flannel.ipip || return
        ip -n "$ns" link set flannel.ipip up || return
    done
    for n in "${E2E_NODES[@]}"; do
        for m in "${E2E_NODES[@]}"; do
            [ "$n" = "$m" ] && continue
            ip -n "$(node_ns "$n")" route add "$(node_subnet "$m")" via "$(node_ip "$m")" \
                dev "$(ipip_route_dev "$n" "$m")" onlink || return
        done
    done
    wire_counters_add
}

# DirectRouting: eth0 when nodes $1 and $2 share an L2 segment, else flannel.ipip.
ipip_route_dev() {
    if [ "$(node_segment "$1")" = "$(node_segment "$2")" ]; then echo eth0; else echo flannel.ipip; fi
}

random_hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }
# An SPI like charon's (0xc0000000 and up).
random_spi() { printf '0x%08x' $((0x$(random_hex 4) | 0xc0000000)); }

backend_ipsec() {
    local n m i j
    for n in "${E2E_NODES[@]}"; do
        write_subnet_env "$n" 1423 || return
        # The underlay's default route, as a node has it; "sw" holds the gateway and forwards
        # nothing, so a packet the xfrm policies miss ends there (and is counted on the wire).
        ip -n "$(node_ns "$n")" route add default via "$(segment_gateway "$(node_segment "$n")")" dev eth0 || return
        flanneld_masquerade "$n" || return
    done
    for ((i = 0; i < ${#E2E_NODES[@]}; i++)); do
        for ((j = i + 1; j < ${#E2E_NODES[@]}; j++)); do
            n="${E2E_NODES[$i]}"; m="${E2E_NODES[$j]}"
            ipsec_sa "$n" "$m" || return
            ipsec_sa "$m" "$n" || return
            ipsec_policies "$n" "$m" || return
            ipsec_policies "$m" "$n" || return
        done
    done
    wire_counters_add
}

# flanneld --ip-masq (kube-flannel's default; FLANNEL_IPMASQ=true): traffic between pods is
# left alone, a pod's traffic to anywhere else leaves as the node's. With ipsec this matters for
# a pod reaching another node's IP (a hostPort): the reply, to the pod's subnet but from a node
# IP, matches no policy and has no route, so it must go to the node's own IP instead.
flanneld_masquerade() {
    in_ns "$(node_ns "$1")" iptables-restore --noflush <<EOF
*nat
:FLANNEL-POSTRTG - [0:0]
-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG
-A FLANNEL-POSTRTG -s $E2E_FLANNEL_NETWORK -d $E2E_FLANNEL_NETWORK -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s $E2E_FLANNEL_NETWORK ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
COMMIT
EOF
}

# One ESP SA from node $1 to node $2 with a fresh key (16-byte AES key + 4-byte salt), on both.
ipsec_sa() {
    local from="$1" to="$2" spi key n window
    spi="$(random_spi)"; key="0x$(random_hex 20)"
    for n in "$from" "$to"; do
        window=0; [ "$n" = "$to" ] && window=32
        ip -n "$(node_ns "$n")" xfrm state add src "$(node_ip "$from")" dst "$(node_ip "$to")" \
            proto esp spi "$spi" reqid "$E2E_IPSEC_REQID" mode tunnel replay-window "$window" \
            aead 'rfc4106(gcm(aes))' "$key" 128 || return
    done
}

# Node $1's policies for its traffic with node $2.
ipsec_policies() {
    local n="$1" m="$2" ns dir
    ns="$(node_ns "$n")"
    ip -n "$ns" xfrm policy add src "$(node_subnet "$n")" dst "$(node_subnet "$m")" dir out \
        tmpl src "$(node_ip "$n")" dst "$(node_ip "$m")" proto esp reqid "$E2E_IPSEC_REQID" mode tunnel || return
    for dir in in fwd; do
        ip -n "$ns" xfrm policy add src "$(node_subnet "$m")" dst "$(node_subnet "$n")" dir "$dir" \
            tmpl src "$(node_ip "$m")" dst "$(node_ip "$n")" proto esp reqid "$E2E_IPSEC_REQID" mode tunnel || return
    done
}

# Counters on the wire: every packet a node sends into the underlay switch (netdev ingress on
# the node's port in "sw"), by kind: IPv4 to a pod subnet in the clear, ESP, IP-in-IP.
wire_counters_add() {
    local n chains=""
    for n in "${E2E_NODES[@]}"; do
        chains+="
    chain from_$n {
        type filter hook ingress device \"$n\" priority 0; policy accept;
        ip daddr $E2E_FLANNEL_NETWORK counter name plain_to_pods
        ip protocol 50 counter name esp_packets
        ip protocol 4 counter name ipip_packets
    }"
    done
    in_ns "${E2E_PREFIX}sw" nft -f - <<EOF
table netdev $E2E_WIRE_TABLE {
    counter plain_to_pods {}
    counter esp_packets {}
    counter ipip_packets {}$chains
}
EOF
}

# wire_count NAME: packets counted so far ("none" when the counter cannot be read).
wire_count() {
    local n
    n="$(in_ns "${E2E_PREFIX}sw" nft list counter netdev "$E2E_WIRE_TABLE" "$1" 2>/dev/null \
        | sed -n 's/^[[:space:]]*packets \([0-9][0-9]*\) bytes .*/\1/p')"
    echo "${n:-none}"
}

# wire_delta NAME: packets counted since tunnel_snapshot (-1 when a reading failed).
wire_delta() {
    local now before="${TUNNEL_BEFORE[$1]:-none}"
    now="$(wire_count "$1")"
    if [[ "$now" =~ ^[0-9]+$ && "$before" =~ ^[0-9]+$ ]]; then echo $((now - before)); else echo -1; fi
}

# link_packets NODE DEV: "rx tx" packet counts of DEV on NODE.
link_packets() {
    ip -n "$(node_ns "$1")" -s -j link show "$2" 2>/dev/null | jq -r '.[0].stats64 | "\(.rx.packets) \(.tx.packets)"'
}

# The node state as flanneld's backend leaves it, checked on n0 (and n2 for ipip).
check_backend_ipip() {
    local n link want ok routes
    for n in n0 n2; do
        link="$(ip -n "$(node_ns "$n")" -d link show flannel.ipip 2>&1)"
        ok=1
        for want in "mtu 1480 " "link/ipip $(node_ip "$n") " "remote any local $(node_ip "$n") ttl inherit nopmtudisc"; do
            [[ "$link" == *"$want"* ]] || ok=0
        done
        if ((ok)); then pass "ipip: $n flannel.ipip remote any local $(node_ip "$n"), ttl inherit, nopmtudisc, mtu 1480"
        else fail "ipip: $n flannel.ipip" "$link"; fi
        expect_contains "ipip: $n flannel.ipip has 10.244.$(node_index "$n").0/32" \
            "inet 10.244.$(node_index "$n").0/32 " "$(ip -n "$(node_ns "$n")" -4 -o addr show dev flannel.ipip)"
    done
    routes="$(ip -n "$(node_ns n0)" route show | grep -E '^10\.244\.' | sed 's/ *$//')"
    expect_eq "ipip DirectRouting: n0 routes to n1 (same segment) via eth0, to n2 (other segment) via flannel.ipip" \
        "10.244.1.0/24 via $(node_ip n1) dev eth0 onlink"$'\n'"10.244.2.0/24 via $(node_ip n2) dev flannel.ipip onlink" "$routes"
    routes="$(ip -n "$(node_ns n2)" route show | grep -E '^10\.244\.' | sed 's/ *$//')"
    expect_eq "ipip: n2 routes to n0 and n1 via flannel.ipip onlink" \
        "10.244.0.0/24 via $(node_ip n0) dev flannel.ipip onlink"$'\n'"10.244.1.0/24 via $(node_ip n1) dev flannel.ipip onlink" "$routes"
    check "ipip: n0's flannel.ipip pings n2's (10.244.0.0 -> 10.244.2.0, across the router)" ping1 "$(node_ns n0)" 10.244.2.0
}

check_backend_ipsec() {
    local n0 states policies count
    n0="$(node_ns n0)"
    expect_eq "ipsec: n0 has no route to another node's pod subnet (default via $(segment_gateway 0) only)" \
        "default via $(segment_gateway 0) dev eth0" "$(ip -n "$n0" route show | grep -E '^(10\.244\.|default)' | sed 's/ *$//')"
    states="$(ip -n "$n0" xfrm state 2>&1)"
    count="$(grep -c 'proto esp spi 0x[0-9a-f]* reqid [0-9]* mode tunnel' <<<"$states")"
    if [ "$count" = 4 ] && [ "$(grep -c "aead rfc4106(gcm(aes)) 0x[0-9a-f]\{40\} 128" <<<"$states")" = 4 ]; then
        pass "ipsec: n0 has 4 ESP SAs (a pair per other node), mode tunnel, aead rfc4106(gcm(aes)) 128"
    else
        fail "ipsec: n0's xfrm states" "$states"
    fi
    local m want
    for m in n1 n2; do
        expect_contains "ipsec: n0 SA $(node_ip n0) -> $(node_ip "$m")" "src $(node_ip n0) dst $(node_ip "$m")" "$states"
        expect_contains "ipsec: n0 SA $(node_ip "$m") -> $(node_ip n0)" "src $(node_ip "$m") dst $(node_ip n0)" "$states"
    done
    policies="$(ip -n "$n0" xfrm policy 2>&1 | sed 's/[[:space:]]*$//')"
    for m in n1 n2; do
        want="src 10.244.0.0/24 dst $(node_subnet "$m")"$'\n\t'"dir out priority 0"
        expect_contains "ipsec: n0 policy out 10.244.0.0/24 -> $(node_subnet "$m") via ESP to $(node_ip "$m")" \
            "$want" "$(ipsec_policy_with_tmpl "$policies" "$(node_ip n0)" "$(node_ip "$m")")"
        for dir in in fwd; do
            want="src $(node_subnet "$m") dst 10.244.0.0/24"$'\n\t'"dir $dir priority 0"
            expect_contains "ipsec: n0 policy $dir $(node_subnet "$m") -> 10.244.0.0/24 via ESP from $(node_ip "$m")" \
                "$want" "$(ipsec_policy_with_tmpl "$policies" "$(node_ip "$m")" "$(node_ip n0)")"
        done
    done
}

# The policies (from `ip xfrm policy`) whose template is ESP tunnel mode from $2 to $3.
ipsec_policy_with_tmpl() {
    awk -v tmpl="tmpl src $2 dst $3" -v esp="proto esp reqid $E2E_IPSEC_REQID mode tunnel" '
        /^src / { if (block != "" && hit && mode) print block; block = $0; hit = 0; mode = 0; next }
        { block = block "\n" $0 }
        index($0, tmpl) { hit = 1 }
        index($0, esp) { mode = 1 }
        END { if (block != "" && hit && mode) print block }' <<<"$1"
}

# Snapshot of the tunnel counters before the ping matrix (TUNNEL_BEFORE).
declare -A TUNNEL_BEFORE=()
tunnel_snapshot() {
    local backend="$1" n
    local name
    TUNNEL_BEFORE=()
    [ "$backend" = ipip ] || [ "$backend" = ipsec ] || return 0
    for name in plain_to_pods esp_packets ipip_packets; do TUNNEL_BEFORE[$name]="$(wire_count "$name")"; done
    if [ "$backend" = ipip ]; then
        for n in "${E2E_NODES[@]}"; do TUNNEL_BEFORE[$n]="$(link_packets "$n" flannel.ipip)"; done
    fi
}

# After the ping matrix: the cross-node pings went through the tunnel.
check_tunnel_crossed() {
    local backend="$1" cross=24  # 6 pods, each pinging the 4 pods on the other nodes
    case "$backend" in
        ipip) check_ipip_crossed ;;
        ipsec) check_ipsec_crossed "$cross" ;;
    esac
}

check_ipip_crossed() {
    local n before after
    for n in "${E2E_NODES[@]}"; do
        read -r -a before <<<"${TUNNEL_BEFORE[$n]:-0 0}"
        read -r -a after <<<"$(link_packets "$n" flannel.ipip)"
        if ((${after[0]:-0} > ${before[0]:-0} && ${after[1]:-0} > ${before[1]:-0})); then
            pass "ipip: $n flannel.ipip rx ${before[0]} -> ${after[0]}, tx ${before[1]} -> ${after[1]} packets (pings to or from n2's pods)"
        else
            fail "ipip: $n flannel.ipip counters did not grow during the pings" "before rx/tx: ${before[*]}, after: ${after[*]:-}"
        fi
    done
    local ipip plain
    ipip="$(wire_delta ipip_packets)"
    plain="$(wire_delta plain_to_pods)"
    if ((ipip >= 32)); then pass "ipip: $ipip IP-in-IP packets on the underlay (>= 32: 16 pings between n2 and the others, request + reply)"
    else fail "ipip: IP-in-IP packets on the underlay" "counted $ipip, want >= 32"; fi
    if ((plain >= 16)); then pass "ipip DirectRouting: $plain plain packets to pod subnets on the underlay (>= 16: the 8 pings between n0's and n1's pods)"
    else fail "ipip DirectRouting: plain packets between n0's and n1's pods on the underlay" "counted $plain, want >= 16"; fi
    # The direct pair: n0p0 -> n1p0 goes over eth0 unencapsulated, flannel.ipip on n0 and n1 stays idle.
    local b0 b1
    b0="$(link_packets n0 flannel.ipip)"; b1="$(link_packets n1 flannel.ipip)"
    check "ipip DirectRouting: n0p0 -> n1p0 ping (same segment)" ping1 "$(pod_ns n0p0)" "${POD_IP[n1p0]:-0.0.0.0}"
    expect_eq "ipip DirectRouting: that ping left flannel.ipip on n0 and n1 untouched" "$b0 / $b1" \
        "$(link_packets n0 flannel.ipip) / $(link_packets n1 flannel.ipip)"
}

check_ipsec_crossed() {
    local cross="$1" plain esp n0 line ok=1
    plain="$(wire_delta plain_to_pods)"
    esp="$(wire_delta esp_packets)"
    expect_eq "ipsec: no unencrypted packet to a pod subnet on the underlay during the pings" 0 "$plain"
    if ((esp >= 2 * cross)); then pass "ipsec: $esp ESP packets on the underlay (>= $((2 * cross)): $cross cross-node pings, request + reply)"
    else fail "ipsec: ESP packets on the underlay" "counted $esp, want >= $((2 * cross))"; fi
    n0="$(node_ns n0)"
    # `ip -s xfrm state`: "lifetime current:" then "N(bytes), M(packets)"; every SA of n0 carried some.
    local counts
    counts="$(ip -n "$n0" -s xfrm state | awk '/lifetime current:/ { getline; print }' | sed 's/^[[:space:]]*//')"
    [ "$(wc -l <<<"$counts")" = 4 ] || ok=0
    while read -r line; do
        [[ "$line" =~ ^([0-9]+)\(bytes\),\ ([0-9]+)\(packets\) ]] || { ok=0; continue; }
        ((BASH_REMATCH[1] > 0 && BASH_REMATCH[2] > 0)) || ok=0
    done <<<"$counts"
    if ((ok)); then pass "ipsec: every SA on n0 counted bytes and packets ($(tr '\n' ';' <<<"$counts"))"
    else fail "ipsec: SA byte/packet counters on n0" "$(ip -n "$n0" -s xfrm state 2>&1)"; fi
}
