# shellcheck shell=bash
# Sourced by scripts/e2e-cluster.sh: underlay sanity, pod-to-pod pings, hostPort traffic.
# Traffic only between our own namespaces' addresses.

# The underlay and the backend as flanneld would leave them (independent of the plugins).
check_underlay() {
    local backend="$1"
    check "underlay: n0 reaches n1 ($(node_ip n1)) and n2 ($(node_ip n2)) over the switch" \
        ping_both "$(node_ns n0)" "$(node_ip n1)" "$(node_ip n2)"
    case "$backend" in
        host-gw) check_backend_hostgw ;;
        vxlan) check_backend_vxlan ;;
        ipip) check_backend_ipip ;;
        ipsec) check_backend_ipsec ;;
    esac
}

check_backend_hostgw() {
    local n0
    n0="$(node_ns n0)"
    expect_eq "host-gw: n0 routes to the other nodes' subnets" \
        "$(node_subnet n1) via $(node_ip n1) dev eth0"$'\n'"$(node_subnet n2) via $(node_ip n2) dev eth0" \
        "$(ip -n "$n0" route show | grep -E '^10\.244\.' | sed 's/ *$//')"
}

check_backend_vxlan() {
    local n0 link want ok=1
    n0="$(node_ns n0)"
    link="$(ip -n "$n0" -d link show flannel.1)"
    for want in "mtu 1450" "vxlan id 1 " "dstport 8472" "nolearning" "local $(node_ip n0) dev eth0"; do
        [[ "$link" == *"$want"* ]] || ok=0
    done
    if ((ok)); then pass "vxlan: flannel.1 VNI 1, dstport 8472, nolearning, mtu 1450"; else fail "vxlan: flannel.1" "$link"; fi
    expect_eq "vxlan: n0 onlink routes via the remote VTEPs" \
        "10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink"$'\n'"10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink" \
        "$(ip -n "$n0" route show | grep -E '^10\.244\.' | sed 's/ *$//')"
    expect_contains "vxlan: permanent neigh 10.244.1.0 -> n1's flannel.1 MAC" \
        "10.244.1.0 lladdr ${VTEP_MAC[n1]} PERMANENT" "$(ip -n "$n0" neigh show dev flannel.1)"
    expect_contains "vxlan: fdb n1's MAC -> n1's underlay IP" \
        "${VTEP_MAC[n1]} dst $(node_ip n1) self permanent" "$(bridge -n "$n0" fdb show dev flannel.1)"
    check "vxlan: n0's flannel.1 pings n1's (10.244.0.0 -> 10.244.1.0)" ping1 "$n0" 10.244.1.0
}

ping_both() { ping1 "$1" "$2" && ping1 "$1" "$3"; }

# Every pod pings every other pod (same node and across nodes); one check per source pod.
ping_matrix() {
    local src dst row bad
    for src in "${E2E_PODS[@]}"; do
        [ -n "${POD_IP[$src]:-}" ] || { fail "ping from $src: pod has no address"; continue; }
        row=""; bad=""
        for dst in "${E2E_PODS[@]}"; do
            [ "$src" = "$dst" ] && continue
            if [ -n "${POD_IP[$dst]:-}" ] && ping1 "$(pod_ns "$src")" "${POD_IP[$dst]}" >/dev/null 2>&1; then
                row+=" $dst:ok"
            else
                row+=" $dst:FAIL"; bad+=" $dst(${POD_IP[$dst]:-none})"
            fi
        done
        if [ -z "$bad" ]; then pass "ping $src (${POD_IP[$src]}) ->$row"; else fail "ping $src (${POD_IP[$src]}) ->$row" "unreachable:$bad"; fi
    done
}

# ping1 NS IP: one echo request, 2 s timeout; iputils ping, else busybox's.
ping1() {
    if command -v ping >/dev/null; then in_ns "$1" ping -c1 -W2 -q "$2"; else in_ns "$1" busybox ping -c1 -W2 -q "$2"; fi
}

# df_ping NS IP SIZE: one ICMP echo with SIZE payload bytes and DF set (IP_PMTUDISC_DO),
# in python3 so it needs neither iputils nor anything beyond the test's deps.
df_ping() {
    in_ns "$1" python3 - "$2" "$3" <<'PY'
import os, select, socket, struct, sys, time
dst, size = sys.argv[1], int(sys.argv[2])
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b)); s = (s >> 16) + (s & 0xFFFF); s += s >> 16
    return ~s & 0xFFFF
sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
sock.setsockopt(socket.IPPROTO_IP, 10, 2)  # IP_MTU_DISCOVER = IP_PMTUDISC_DO: never fragment
ident, payload = os.getpid() & 0xFFFF, bytes(size)
head = struct.pack("!BBHHH", 8, 0, 0, ident, 1)
sock.sendto(struct.pack("!BBHHH", 8, 0, csum(head + payload), ident, 1) + payload, (dst, 0))
deadline = time.time() + 2
while time.time() < deadline:
    if not select.select([sock], [], [], max(0, deadline - time.time()))[0]:
        break
    data, addr = sock.recvfrom(65535)
    ihl = (data[0] & 15) * 4
    kind, _, _, rid, _ = struct.unpack("!BBHHH", data[ihl:ihl + 8])
    if kind == 0 and rid == ident and addr[0] == dst:
        print("%d-byte IP packet echoed by %s (DF set)" % (len(data), dst)); sys.exit(0)
print("no echo reply from %s" % dst); sys.exit(1)
PY
}

# A full-size packet with DF set crosses the tunnel: the pod MTU leaves room for the tunnel's
# header (vxlan 50 bytes, ipip 20, ESP in tunnel mode with AES-GCM up to 77).
ping_full_mtu() {
    local src="$1" dst="$2" mtu="$3" backend="$4"
    check "DF ping of $mtu bytes $src -> $dst (full pod MTU through $backend on a 1500 underlay)" \
        df_ping "$(pod_ns "$src")" "${POD_IP[$dst]:-0.0.0.0}" $((mtu - 28))
}

# http_get NS URL: prints the body; curl, else busybox wget, else python3; 3 s timeout.
http_get() {
    local ns="$1" url="$2"
    if command -v curl >/dev/null; then
        in_ns "$ns" curl -sS --max-time 3 "$url"
    elif command -v busybox >/dev/null; then
        in_ns "$ns" timeout 4 busybox wget -q -T 3 -O - "$url"
    else
        in_ns "$ns" python3 -c 'import sys,urllib.request;sys.stdout.write(urllib.request.urlopen(sys.argv[1],timeout=3).read().decode())' "$url"
    fi
}

# expect_refused NAME OUTPUT: the client got a TCP reset (nothing listening, no DNAT), not a
# timeout (a DNAT to a pod that is gone) nor an answer.
expect_refused() {
    if grep -q -E 'Connection refused|curl: \(7\)' <<<"$2"; then pass "$1"; else fail "$1" "want: connection refused"$'\n'"got: $2"; fi
}

# Starts an HTTP server on port 80 in POD serving "hello from POD"; waits until it listens.
start_server() {
    local pod="$1" ns dir _
    ns="$(pod_ns "$pod")"; dir="$E2E_TMP/www-$pod"
    mkdir -p "$dir" && echo "hello from $pod" > "$dir/id.txt"
    # Not through in_ns: a backgrounded function is a subshell, and $! must be the server itself.
    ip netns exec "$ns" python3 -m http.server 80 --bind 0.0.0.0 --directory "$dir" >"$E2E_TMP/server-$pod.log" 2>&1 &
    SERVER_PIDS+=($!)
    for _ in $(seq 50); do
        [ -n "$(in_ns "$ns" ss -Hltn 'sport = :80' 2>/dev/null)" ] && return 0
        sleep 0.1
    done
    fail "HTTP server in $pod did not start" "$(cat "$E2E_TMP/server-$pod.log")"
    return 1
}

stop_servers() {
    local pid
    for pid in "${SERVER_PIDS[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
    SERVER_PIDS=()
}

# portmap's DNAT rules for POD's hostPort on its node.
check_portmap_rules() {
    local pod="$1" n nat
    n="$(pod_node "$pod")"
    nat="$(in_ns "$(node_ns "$n")" iptables-save -t nat 2>&1)"
    if grep -q -- "-j DNAT --to-destination ${POD_IP[$pod]:-none}:80" <<<"$nat" \
        && grep -q -- "-A CNI-HOSTPORT-DNAT -p tcp .*--dports $HOSTPORT -j CNI-DN-" <<<"$nat"; then
        pass "$n nat: CNI-HOSTPORT-DNAT --dports $HOSTPORT -> CNI-DN-… DNAT ${POD_IP[$pod]}:80"
    else
        fail "$n nat: hostPort $HOSTPORT DNAT rules for $pod" "$(grep -E 'CNI|HOSTPORT' <<<"$nat")"
    fi
}

# hostPort 8080 of POD (on n0) from everywhere a user would try it.
hostport_checks() {
    local pod="$1" n want host
    n="$(pod_node "$pod")"; want="hello from $pod"; host="$(node_ip "$n")"
    start_server "$pod" || return
    expect_eq "TCP pod n1p0 -> $pod ${POD_IP[$pod]}:80 across nodes" "$want" \
        "$(http_get "$(pod_ns n1p0)" "http://${POD_IP[$pod]}:80/id.txt" 2>&1)"
    expect_eq "hostPort from node n1 -> $host:$HOSTPORT" "$want" \
        "$(http_get "$(node_ns n1)" "http://$host:$HOSTPORT/id.txt" 2>&1)"
    expect_eq "hostPort from pod n2p0 on node n2 -> $host:$HOSTPORT" "$want" \
        "$(http_get "$(pod_ns n2p0)" "http://$host:$HOSTPORT/id.txt" 2>&1)"
    expect_eq "hostPort from $n itself -> $host:$HOSTPORT" "$want" \
        "$(http_get "$(node_ns "$n")" "http://$host:$HOSTPORT/id.txt" 2>&1)"
    expect_eq "hostPort hairpin: pod n0p1 on the same node -> $host:$HOSTPORT" "$want" \
        "$(http_get "$(pod_ns n0p1)" "http://$host:$HOSTPORT/id.txt" 2>&1)"
    expect_eq "hostPort from $n's localhost -> 127.0.0.1:$HOSTPORT" "$want" \
        "$(http_get "$(node_ns "$n")" "http://127.0.0.1:$HOSTPORT/id.txt" 2>&1)"
    local other
    other="$(http_get "$(node_ns n2)" "http://$(node_ip n1):$HOSTPORT/id.txt" 2>&1)"
    expect_refused "port $HOSTPORT refused on node n1 (no mapping there)" "$other"
}
