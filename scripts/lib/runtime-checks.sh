# shellcheck shell=bash
# Counted checks and node/pod probes for scripts/e2e-runtime.sh. Every probe that could hang
# (podman keeps a hostPort open itself, so a missing DNAT hangs instead of refusing) runs
# under `timeout`.

# The counted checks (pass, fail, check, expect_eq, expect_contains) are the ones every e2e uses.
# shellcheck source=scripts/lib/e2e-assert.sh
. "$(dirname "${BASH_SOURCE[0]}")/e2e-assert.sh"
E2E_MEASURES=()

measure() { E2E_MEASURES+=("$1: $2 ms"); }

summary() {
    [ -z "${E2E_START_MS:-}" ] || measure "whole test, setup and cleanup included" $(($(now_ms) - E2E_START_MS))
    if ((${#E2E_MEASURES[@]})); then
        echo "measured:"
        printf '  %s\n' "${E2E_MEASURES[@]}"
    fi
    if ((E2E_FAILED)); then
        echo "failed checks:"
        printf '  - %s\n' "${E2E_FAILURES[@]}"
    fi
    echo "$NAME: $E2E_PASSED passed, $E2E_FAILED failed"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# ---- probes (all inside the sandbox) -------------------------------------------------------
pm() { sandbox_run timeout 90 podman "$@"; }
on_node() { sandbox_run "$@"; }

# pod_exec NAME CMD...: a command in a running podman container (10 s limit inside).
pod_exec() {
    local name=$1
    shift
    pm exec "$name" timeout 10 "$@"
}

# http_get_node URL / http_get_pod NAME URL: GET from the node netns / a container, 5 s limit
# (`timeout`, not wget -T: Debian's busybox 1.35 wget segfaults with -T).
# A probe that timed out prints "<no answer within 5 s>".
http_get_node() { on_node timeout 5 busybox wget -q -O - "$1" 2>&1 || no_answer $?; }
http_get_pod() { pm exec "$1" timeout 5 wget -q -O - "$2" 2>&1 || no_answer $?; }
no_answer() { if [ "$1" = 124 ] || [ "$1" = 143 ]; then echo "<no answer within 5 s>"; fi; return "$1"; }

pod_ip() { pm inspect -f "{{(index .NetworkSettings.Networks \"$NODE_NETWORK\").IPAddress}}" "$1" 2>/dev/null; }
pod_id() { pm inspect -f '{{.Id}}' "$1" 2>/dev/null; }

store_dir() { echo "/var/lib/cni/networks/$NODE_NETWORK"; }

# store_owner IP: the container ID line of host-local's reservation file, empty if none.
store_owner() { on_node sh -c 'f="$1/$2"; [ -f "$f" ] && head -n 1 "$f" | tr -d "\r"' x "$(store_dir)" "$1"; }

# store_ips: every reserved IP of the network, one per line.
store_ips() { on_node sh -c 'ls "$1" 2>/dev/null | grep -E "^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$" | sort' x "$(store_dir)"; }

nat_rules() { on_node iptables-save -t nat 2>&1; }
all_rules() { on_node sh -c 'iptables-save 2>&1; ip6tables-save 2>&1'; }

# check_pod_network LABEL NAME IP ID: what the ADD must have produced for this container.
check_pod_network() {
    local label=$1 name=$2 ip=$3 id=$4 out idx
    case $ip in 10.244.1.*) pass "$label: runtime got IP $ip from the CNI result" ;;
        *) fail "$label: runtime got IP '$ip' (expected one in $NODE_SUBNET)" ;; esac
    out=$(pod_exec "$name" ip -4 -o addr show dev eth0 2>&1)
    expect_contains "$label: eth0 has $ip/24" "inet $ip/24" "$out"
    out=$(pod_exec "$name" ip -o link show dev eth0 2>&1)
    expect_contains "$label: eth0 MTU $NODE_MTU (FLANNEL_MTU)" "mtu $NODE_MTU " "$out"
    out=$(pod_exec "$name" ip -4 route 2>&1)
    if [[ "$out" == *"default via $NODE_GATEWAY dev eth0"* && "$out" == *"$NODE_CLUSTER_NET via $NODE_GATEWAY dev eth0"* ]]; then
        pass "$label: routes default and $NODE_CLUSTER_NET via $NODE_GATEWAY"
    else
        fail "$label: routes default and $NODE_CLUSTER_NET via $NODE_GATEWAY" "$out"
    fi
    expect_eq "$label: host-local reservation $ip belongs to the container" "$id" "$(store_owner "$ip")"
    idx=$(pod_exec "$name" cat /sys/class/net/eth0/iflink 2>/dev/null | tr -dc 0-9)
    out=$(on_node bridge -d link show 2>&1 | grep -A3 "^${idx:-x}:" || true)
    if [[ "$out" == *"master cni0"* && "$out" == *"hairpin on"* ]]; then
        pass "$label: host veth (ifindex $idx) is a cni0 port with hairpin on"
    else
        fail "$label: host veth (ifindex ${idx:-?}) is a cni0 port with hairpin on" "$out"
    fi
    if ((NODE_USES_FLANNEL)); then
        check "$label: flannel saved the delegate config" on_node test -s "/var/lib/cni/flannel/$id"
    fi
    check "$label: ping the gateway $NODE_GATEWAY" pod_exec "$name" ping -c 1 -W 2 "$NODE_GATEWAY"
}

# check_released LABEL IP ID: nothing of container ID is left on the node after DEL.
check_released() {
    local label=$1 ip=$2 id=$3 left=""
    [ -z "$ip" ] || [ -z "$(store_owner "$ip")" ] || left+="host-local reservation $(store_dir)/$ip; "
    if [ -n "$(on_node sh -c 'ls /var/lib/cni/results 2>/dev/null | grep -F -- "$1"' x "$id")" ]; then
        left+="libcni cache entry (the DEL failed); "
    fi
    if ((NODE_USES_FLANNEL)) && on_node test -e "/var/lib/cni/flannel/$id"; then
        left+="/var/lib/cni/flannel/$id; "
    fi
    local rules chains
    chains=$(printf '%s' "$NODE_NETWORK$id" | sha512sum | cut -c1-24)
    rules=$(all_rules | grep -F -e "$id" -e "CNI-${chains}" -e "CNI-DN-${chains:0:21}" || true)
    [ -z "$rules" ] || left+="iptables rules: $rules; "
    if [ -z "$left" ]; then pass "$label: IP $ip, cache, saved config and rules released"; else fail "$label: released after DEL" "$left"; fi
}

# check_cni_inspect LABEL: the `cni-inspect --json` we ship ($NODE_INSPECT: the suite binary
# under that name) in the node netns exits 0: node ready, no problem found.
check_cni_inspect() {
    local out rc
    out=$(on_node "$NODE_INSPECT" --json 2>&1)
    rc=$?
    if ((rc == 0)); then pass "$1: cni-inspect --json: no problems"; else fail "$1: cni-inspect --json: no problems (exit $rc)" "$out"; fi
}

# ---- the machine itself --------------------------------------------------------------------
# host_snapshot: what the test must not change outside its namespaces: root netns links,
# routes and iptables rules, and the paths the runtimes would use on the machine.
host_snapshot() {
    ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E '^(cni0|node0|veth|cni-podman)' | sort
    ip route show | grep -E '10\.244\.|192\.0\.2\.' || true
    iptables-save 2>/dev/null | grep -E 'CNI-|10\.244\.1\.' | grep -v '^#' | sed 's/\[[0-9:]*\]//' | sort
    local p
    for p in /run/flannel/subnet.env /var/lib/cni /var/lib/containers /var/lib/containerd /run/containers \
        /run/containerd /etc/cni/net.d/10-flannel.conflist /opt/cni/bin /dev/shm/libpod_lock; do
        [ -e "$p" ] && echo "exists $p"
    done
    return 0
}

# run_final_checks: nothing left on the node, nothing changed on the machine.
run_final_checks() {
    local out
    echo "== final state"
    expect_eq "node: no host-local reservations left" "" "$(store_ips)"
    expect_eq "node: libcni cache empty" "" "$(on_node sh -c 'ls /var/lib/cni/results 2>/dev/null')"
    if ((NODE_USES_FLANNEL)); then
        expect_eq "node: flannel dataDir empty" "" "$(on_node sh -c 'ls /var/lib/cni/flannel 2>/dev/null')"
    fi
    expect_eq "node: no CNI-DN-* chains left" "" "$(nat_rules | grep -E '^:CNI-DN-|-j CNI-DN-' || true)"
    expect_eq "node: no veth left on cni0" "" "$(on_node sh -c 'ip link show cni0 >/dev/null 2>&1 || exit 0; ip -o link show master cni0 2>&1')"
    out=$(pm ps -a --format '{{.Names}}' 2>&1)
    expect_eq "podman: no containers left" "" "$out"
    # our plugins on the node: the inspector we ship must agree (the reference suite has none)
    [ -z "${NODE_INSPECT:-}" ] || check_cni_inspect "node"
    expect_eq "machine: root netns and host paths unchanged" "$E2E_HOST_BEFORE" "$(host_snapshot)"
}
