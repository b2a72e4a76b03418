# shellcheck shell=bash
# Sourced by scripts/e2e-cluster.sh: pods through the flannel conflist (cni-exec, run inside
# the node's namespace as kubelet/containerd would on the node), their state, and leak checks.
# Needs E2E_ROOT, E2E_TMP, E2E_PREFIX, E2E_CNI_PATH, E2E_RUNNER and the topology helpers.

# shellcheck disable=SC2034  # used by e2e-cluster.sh and the traffic checks
E2E_PODS=(n0p0 n0p1 n1p0 n1p1 n2p0 n2p1)
declare -A POD_IP=()

pod_ns() { echo "${E2E_PREFIX}$1"; }
pod_node() { echo "${1%p*}"; }
# A 64-hex container ID, like containerd's.
pod_id() { printf '%s' "$E2E_PREFIX$1" | sha256sum | cut -c1-64; }
conflist_of() { echo "$(node_dir "$1")/net.d/10-flannel.conflist"; }
ipam_dir() { echo "$(node_dir "$1")/lib/cni/networks"; }
flannel_dir() { echo "$(node_dir "$1")/lib/cni/flannel"; }
cache_dir() { echo "$(node_dir "$1")/lib/cni/cache"; }

# Writes node $1's conflist: conflists/10-flannel.conflist when the repo has one, else the one
# kube-flannel ships; subnetFile, dataDir and ipam.dataDir point into the node's temp dir.
write_conflist() {
    local n="$1" src="$E2E_ROOT/conflists/10-flannel.conflist" out
    out="$(conflist_of "$n")"
    mkdir -p "$(dirname "$out")" "$(flannel_dir "$n")" "$(ipam_dir "$n")" "$(cache_dir "$n")"
    [ -f "$src" ] || src=""
    python3 - "$src" "$out" "$(node_dir "$n")/run/flannel/subnet.env" "$(flannel_dir "$n")" "$(ipam_dir "$n")" <<'PY'
import json, sys
src, out, subnet_file, data_dir, ipam_dir = sys.argv[1:]
if src:
    conf = json.load(open(src))
else:  # kube-flannel's cni-conf.json
    conf = {"name": "cbr0", "cniVersion": "0.3.1", "plugins": [
        {"type": "flannel", "delegate": {"hairpinMode": True, "isDefaultGateway": True}},
        {"type": "portmap", "capabilities": {"portMappings": True}}]}
for p in conf["plugins"]:
    if p.get("type") == "flannel":
        p["subnetFile"] = subnet_file
        p["dataDir"] = data_dir
        p.setdefault("ipam", {})["dataDir"] = ipam_dir
json.dump(conf, open(out, "w"), indent=2)
PY
}

# cni-exec VERB POD [CAP_ARGS]: runs the conflist for POD inside its node's namespace.
# Output (result or error JSON, then stderr) in $CNI_OUT; returns cni-exec's status. A call
# that hangs is killed after $E2E_CNI_TIMEOUT s; after two hangs the pass stops calling.
E2E_CNI_TIMEOUT="${E2E_CNI_TIMEOUT:-20}"
E2E_HUNG=0
cni_exec() {
    local verb="$1" pod="$2" cap="${3:-}" n rc
    n="$(pod_node "$pod")"
    if ((E2E_HUNG >= 2)); then
        CNI_OUT="not run: cni-exec already hung twice in this pass"
        return 1
    fi
    CNI_OUT="$(in_ns "$(node_ns "$n")" env CNI_PATH="$E2E_CNI_PATH" CNI_CACHE_DIR="$(cache_dir "$n")" \
        CAP_ARGS="$cap" CNI_PLUGINS_BIN="$E2E_RUNNER" \
        timeout "$E2E_CNI_TIMEOUT" "$E2E_ROOT/scripts/cni-exec" "$verb" "$(conflist_of "$n")" \
        "/run/netns/$(pod_ns "$pod")" "$(pod_id "$pod")" eth0 2>&1)"
    rc=$?
    if ((rc == 124)); then
        E2E_HUNG=$((E2E_HUNG + 1))
        CNI_OUT+="${CNI_OUT:+$'\n'}cni-exec $verb hung: killed after $E2E_CNI_TIMEOUT s"
    fi
    return $rc
}

# Adds POD (creating its netns); records its IPv4 address in POD_IP.
pod_add() {
    local pod="$1" cap="${2:-}" ns
    ns="$(pod_ns "$pod")"
    if ! { ip netns add "$ns" && ip -n "$ns" link set lo up; }; then fail "ADD $pod: netns"; return 1; fi
    if cni_exec add "$pod" "$cap"; then
        POD_IP[$pod]="$(ip -n "$ns" -4 -o addr show dev eth0 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -1)"
        pass "ADD $pod on $(pod_node "$pod") -> ${POD_IP[$pod]:-no IPv4 on eth0}"
    else
        POD_IP[$pod]=""
        fail "ADD $pod on $(pod_node "$pod")" "$CNI_OUT"
        return 1
    fi
}

pod_del() {
    local pod="$1" cap="${2:-}" what="${3:-DEL}"
    if cni_exec del "$pod" "$cap"; then pass "$what $pod"; else fail "$what $pod" "$CNI_OUT"; fi
}

# The kernel and on-disk state one pod should have after ADD (MTU $2).
check_pod_state() {
    local pod="$1" mtu="$2" n ns node gw ip link routes
    n="$(pod_node "$pod")"; ns="$(pod_ns "$pod")"; node="$(node_ns "$n")"; gw="$(node_gateway "$n")"
    ip="${POD_IP[$pod]:-}"
    [ -n "$ip" ] || { fail "$pod state: pod has no IPv4 address"; return; }
    link="$(ip -n "$ns" -o link show eth0 2>&1)"
    routes="$(ip -n "$ns" -4 route show 2>&1 | sed 's/ *$//')"
    if [[ "$ip" == "10.244.$(node_index "$n")."* ]] && [[ "$link" == *" mtu $mtu "* ]] \
        && grep -qx "default via $gw dev eth0" <<<"$routes" \
        && grep -qx "$E2E_FLANNEL_NETWORK via $gw dev eth0" <<<"$routes"; then
        pass "$pod eth0 $ip/24 in $(node_subnet "$n"), mtu $mtu, default + $E2E_FLANNEL_NETWORK via $gw"
    else
        fail "$pod eth0/routes" "want $(node_subnet "$n"), mtu $mtu, default and $E2E_FLANNEL_NETWORK via $gw"$'\n'"$link"$'\n'"$routes"
    fi
    local file id
    file="$(ipam_dir "$n")/cbr0/$ip"
    id="$(pod_id "$pod")"
    if [ -f "$file" ] && [ "$(cat "$file")" == "$id"$'\r\n'"eth0" ]; then
        pass "$pod IPAM file cbr0/$ip = <id>\\r\\neth0"
    else
        fail "$pod IPAM file $file" "$(ls -la "$(dirname "$file")" 2>&1; cat -A "$file" 2>&1)"
    fi
    local saved
    saved="$(cat "$(flannel_dir "$n")/$id" 2>&1)"
    local want
    for want in '"type":"bridge"' '"name":"cbr0"' "\"mtu\":$mtu" '"ipMasq":false' '"isGateway":true' \
        '"hairpinMode":true' '"isDefaultGateway":true' "\"subnet\":\"$(node_subnet "$n")\"" \
        "\"routes\":[{\"dst\":\"$E2E_FLANNEL_NETWORK\"}]" "\"dataDir\":\"$(ipam_dir "$n")\""; do
        [[ "$saved" == *"$want"* ]] || { fail "$pod flannel saved config has $want" "$saved"; return; }
    done
    pass "$pod flannel saved delegate config (bridge, mtu $mtu, ipMasq false, ranges $(node_subnet "$n"))"
}

# cni0's MAC after each ADD on node $1: the bridge plugin pins it, so a second port with a
# lower MAC must not change it (pods would keep a stale ARP entry for their gateway).
declare -A CNI0_MACS=()
record_cni0_mac() {
    local mac
    mac="$(ip -n "$(node_ns "$1")" -o link show cni0 2>/dev/null | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')"
    CNI0_MACS[$1]+="${mac:-none} "
}

# The node's side: cni0 with the gateway address, one hairpin port per pod, a stable MAC; cni0
# and every veth at the pod MTU $3.
check_node_state() {
    local n="$1" pods="$2" mtu="$3" node addr ports
    node="$(node_ns "$n")"
    addr="$(ip -n "$node" -4 -o addr show dev cni0 2>&1)"
    if [[ "$addr" == *"inet $(node_gateway "$n")/24 "* ]]; then
        pass "$n cni0 has $(node_gateway "$n")/24"
    else
        fail "$n cni0 address" "$addr"
    fi
    local links
    links="$(ip -n "$node" -o link show cni0 2>&1; ip -n "$node" -o link show master cni0 2>&1)"
    if [ "$(grep -c " mtu $mtu " <<<"$links")" = $((pods + 1)) ]; then
        pass "$n cni0 and its $pods veths at mtu $mtu"
    else
        fail "$n cni0/veth MTU: want $mtu on cni0 and $pods veths" "$links"
    fi
    local macs
    macs="$(tr ' ' '\n' <<<"${CNI0_MACS[$n]:-}" | grep -v '^$' | sort -u)"
    if [ "$(wc -l <<<"$macs")" = 1 ] && [ "$macs" != none ] && [ -n "$macs" ]; then
        pass "$n cni0 MAC stayed $macs across the ADDs"
    else
        fail "$n cni0 MAC changed between ADDs (not pinned)" "after each ADD: ${CNI0_MACS[$n]:-}"
    fi
    ports="$(bridge -n "$node" -d link show 2>&1 | grep -c 'master cni0')"
    local hairpin
    hairpin="$(bridge -n "$node" -d link show 2>&1 | grep -c 'hairpin on')"
    if [ "$ports" = "$pods" ] && [ "$hairpin" = "$pods" ]; then
        pass "$n cni0 has $pods veth ports, hairpin on"
    else
        fail "$n bridge ports: want $pods with hairpin on, got $ports ports, $hairpin hairpin" "$(bridge -n "$node" -d link show 2>&1)"
    fi
}

# cni-inspect ARGS...: the suite's own inspector (the binary under test, run as cni-inspect)
# on node $1 with the node's directories.
inspect_node() {
    local n="$1"; shift
    (exec -a cni-inspect "$E2E_RUNNER" --netns "$(node_ns "$n")" --netconf-dir "$(dirname "$(conflist_of "$n")")" \
        --cni-path "$E2E_CNI_PATH" --subnet-file "$(node_dir "$n")/run/flannel/subnet.env" --ipam-dir "$(ipam_dir "$n")" \
        --flannel-dir "$(flannel_dir "$n")" --cache-dir "$(cache_dir "$n")" "$@")
}

# Prints what a `cni-inspect --json` report (stdin) holds besides a ready, empty node: each
# problem, pod, bridge port, reservation, saved config, hostPort, masquerade rule, libcni cache
# entry and temp file, one per line. Empty output: nothing left.
report_leftovers() {
    jq -r '
(select(.verdict.ready | not) | "verdict: \(.verdict.text)"),
(.problems[] | "problem: \(.kind) \(.subject) - \(.summary)"),
(.pods[] | "pod: \(.netns) \(.ips)"),
((.bridge // {}).ports // [] | .[] | "cni0 port: \(.name)"),
(.ipam.allocations[] | "reservation: \(.file)"),
(.flannel.savedConfigs[] | "saved config: \(.file)"),
(.hostPorts[] | "hostPort: \(.hostPort) -> \(.destination) \(.chain)"),
(.masquerade[] | "masquerade: \(.source) \(.chain)"),
(.installation.cachedResults[] | "cache entry: \(.file)"),
(.installation.tempFiles[] | "temp file: \(.file)")'
}

# Nothing left on node $1 after every pod's DEL, as the inspector we ship sees it.
check_no_leaks() {
    local n="$1" node veths json rc
    node="$(node_ns "$n")"
    # A deleted pod netns takes its veth pair with it asynchronously: allow it a moment.
    local _
    for _ in $(seq 20); do
        veths="$(ip -n "$node" -o link show type veth | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -vx eth0)"
        [ -z "$veths" ] && break
        sleep 0.1
    done
    json="$(inspect_node "$n" --json 2>&1)"
    rc=$?
    expect_eq "$n: cni-inspect --json exits 0 (node ready, no problems)" 0 "$rc"
    expect_eq "$n: cni-inspect finds nothing left (pods, ports, reservations, saved configs, rules, cache, temp files)" "" \
        "$(report_leftovers <<<"$json" 2>&1)"
}

# With its pods up, node $1 is ready and cni-inspect sees its $2 pods and no problem.
check_inspect_live() {
    local n="$1" pods="$2" json rc seen
    json="$(inspect_node "$n" --json 2>&1)"
    rc=$?
    seen="$(jq -r '"\(.verdict.text) \(.pods | length) \(.problems | length)"' <<<"$json" 2>&1)"
    if ((rc == 0)) && [ "$seen" = "node ready for pods $pods 0" ]; then
        pass "$n: cni-inspect: node ready for pods, $pods pods, no problem"
    else
        fail "$n: cni-inspect on the live node (exit $rc)" "$seen"$'\n'"$(inspect_node "$n" 2>&1 | head -60)"
    fi
}
