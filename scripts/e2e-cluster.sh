#!/usr/bin/env bash
# Multi-node end-to-end test of the suite with the flannel conflist, as root, entirely inside
# network namespaces: a "switch" namespace with the underlay bridge, three "node" namespaces
# (198.18.0.10-12 on the underlay, pod subnets 10.244.0-2.0/24, each with its own subnet.env,
# dataDir and cache under a temp dir), and two pods per node added with `cni-exec add` run on
# the node. Pass 1: the routes flanneld's host-gw backend writes. Pass 2: flanneld's vxlan
# backend (flannel.1, VNI 1, port 8472, MTU 1450, onlink routes, permanent neigh + fdb).
# Each pass: every pod pings every other pod, a hostPort (portmap) on node n0 is reached from
# another node, another node's pod, n0 itself, a pod on n0 (hairpin) and n0's localhost; then
# every pod is DELeted (one after its netns is gone) and nothing may be left behind: checked by
# the suite's own `cni-inspect --json` on each node (ready, no pod, no problem, nothing left).
#
# Plugins: $CNI_PLUGIN_DIR (an installed dir, e.g. after `scripts/install.sh DIR`), else the
# suite binary (see scripts/lib/e2e-plugins.sh). E2E_KEEP=1 keeps the temp dir.
# Closing line: "e2e-cluster: N passed, M failed"; exits non-zero on failure, 0 (skip) if not root.
set -uo pipefail
E2E_ROOT="$(cd "$(dirname "$0")/.." && pwd)"
E2E_NAME=e2e-cluster
if [ "$(id -u)" != 0 ]; then
    echo "e2e-cluster: skipped: needs root (creates network namespaces)"
    exit 0
fi
for tool in ip bridge iptables-save python3 timeout ss; do
    command -v "$tool" >/dev/null || { echo "e2e-cluster: missing $tool (run scripts/deps.sh)"; exit 1; }
done
command -v ping >/dev/null || command -v busybox >/dev/null || { echo "e2e-cluster: missing ping/busybox"; exit 1; }
# shellcheck source=scripts/lib/e2e-assert.sh
. "$E2E_ROOT/scripts/lib/e2e-assert.sh"
# shellcheck source=scripts/lib/e2e-cluster-topology.sh
. "$E2E_ROOT/scripts/lib/e2e-cluster-topology.sh"
# shellcheck source=scripts/lib/e2e-cluster-pods.sh
. "$E2E_ROOT/scripts/lib/e2e-cluster-pods.sh"
# shellcheck source=scripts/lib/e2e-plugins.sh
. "$E2E_ROOT/scripts/lib/e2e-plugins.sh"
# shellcheck source=scripts/lib/e2e-cluster-traffic.sh
. "$E2E_ROOT/scripts/lib/e2e-cluster-traffic.sh"
# shellcheck source=scripts/lib/e2e-cluster-show.sh
. "$E2E_ROOT/scripts/lib/e2e-cluster-show.sh"

E2E_PREFIX="e2ec$$-"
E2E_TMP="$(mktemp -d /tmp/e2e-cluster.XXXXXX)"
SERVER_PIDS=()
# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
    local pid
    for pid in "${SERVER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    topology_destroy
    if [ "${E2E_KEEP:-0}" = 1 ]; then echo "kept $E2E_TMP"; else rm -rf "$E2E_TMP"; fi
}
trap cleanup EXIT
trap 'echo "e2e-cluster: interrupted"; exit 130' INT TERM

resolve_plugins "$E2E_ROOT" || { fail "plugin binaries"; finish; }
root_links_before="$(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | sort)"
HOSTPORT=8080
CAP='{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}'

# One pass on fresh nodes (a backend change means rebooted nodes, as the flannel docs say);
# the namespaces go away whatever happened.
run_pass() {
    local backend="$1"
    echo
    echo "=================== pass: $backend backend (pod MTU $2) ==================="
    POD_IP=(); CNI0_MACS=()
    E2E_PASS="$backend"
    E2E_HUNG=0
    pass_body "$@"
    stop_servers
    topology_destroy
    expect_eq "$backend: all namespaces of the pass deleted" "" \
        "$(ip netns list | awk '{print $1}' | grep -F -- "$E2E_PREFIX" || true)"
}

pass_body() {
    local backend="$1" mtu="$2" n pod
    if ! topology_create; then fail "$backend: create nodes and underlay"; return; fi
    if ! "backend_${backend//-/}"; then fail "$backend: backend setup as flanneld does it"; return; fi
    for n in "${E2E_NODES[@]}"; do write_conflist "$n" || { fail "$n conflist"; return; }; done
    check_underlay "$backend"

    echo "-- ADD: 2 pods per node (pod n0p0 with hostPort $HOSTPORT -> 80)"
    for pod in "${E2E_PODS[@]}"; do
        if [ "$pod" = n0p0 ]; then pod_add "$pod" "$CAP"; else pod_add "$pod"; fi
        record_cni0_mac "$(pod_node "$pod")"
    done
    for pod in "${E2E_PODS[@]}"; do [ -n "${POD_IP[$pod]:-}" ] && check_pod_state "$pod" "$mtu"; done
    for n in "${E2E_NODES[@]}"; do check_node_state "$n" 2; done
    for n in "${E2E_NODES[@]}"; do check_inspect_live "$n" 2; done
    check_portmap_rules n0p0

    show_state "$backend"

    echo "-- traffic"
    ping_matrix
    [ "$backend" = vxlan ] && ping_full_mtu n0p0 n1p0 "$mtu"
    hostport_checks n0p0

    echo "-- DEL"
    stop_servers
    for pod in "${E2E_PODS[@]}"; do
        [ "$pod" = n2p1 ] && continue
        if [ "$pod" = n0p0 ]; then pod_del "$pod" "$CAP"; else pod_del "$pod"; fi
    done
    expect_refused "hostPort $HOSTPORT refused after n0p0's DEL (no DNAT left)" \
        "$(http_get "$(node_ns n1)" "http://$(node_ip n0):$HOSTPORT/id.txt" 2>&1)"
    ip netns del "$(pod_ns n2p1)"
    pod_del n2p1 "" "DEL after its netns is gone:"
    for pod in "${E2E_PODS[@]}"; do
        [ "$pod" = n2p1 ] && continue
        expect_eq "$pod: eth0 gone from the pod" "" "$(ip -n "$(pod_ns "$pod")" -o link show eth0 2>/dev/null)"
    done
    for n in "${E2E_NODES[@]}"; do check_no_leaks "$n"; done
    pod_del n0p0 "$CAP" "DEL again (kubelet retry)"
    pod_del n1p0 "" "DEL again (kubelet retry)"
    show_after_del
}

run_pass host-gw 1500
run_pass vxlan 1450

root_links_after="$(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | sort)"
expect_eq "root netns: no cni0/flannel.1/veth/br0 of ours appeared" "" \
    "$(comm -13 <(echo "$root_links_before") <(echo "$root_links_after") | grep -E '^(cni0|flannel\.1|br0|veth|eth0|n[0-9])' || true)"
finish
