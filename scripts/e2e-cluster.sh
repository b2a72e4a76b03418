#!/usr/bin/env bash
# Multi-node end-to-end test of the suite with the flannel conflist, as root, entirely inside
# network namespaces: a "switch" namespace with the underlay bridge, three "node" namespaces
# (198.18.0.10-12 on the underlay, pod subnets 10.244.0-2.0/24, each with its own subnet.env,
# dataDir and cache under a temp dir), and two pods per node added with `cni-exec add` run on
# the node. One pass per flannel backend, each on fresh nodes set up as flanneld's backend
# leaves them: host-gw (routes via the node IPs, pod MTU 1500), vxlan (flannel.1, VNI 1, port
# 8472, onlink routes, permanent neigh + fdb, MTU 1450), ipip (flannel.ipip, onlink routes,
# DirectRouting with n2 on another L2 segment, MTU 1480) and ipsec (no routes to the other
# subnets, static ESP tunnel-mode SAs and xfrm policies per node pair, MTU 1423); see
# scripts/lib/e2e-cluster-tunnels.sh for the last two.
# Each pass: pods, cni0 and veths at the backend's MTU; every pod pings every other pod (for
# the tunnels: the packets went through the tunnel, and with ipsec none to a pod subnet went
# unencrypted over the underlay); a hostPort (portmap) on node n0 is reached from another node,
# another node's pod, n0 itself, a pod on n0 (hairpin) and n0's localhost; then every pod is
# DELeted (one after its netns is gone) and nothing may be left behind: checked by the suite's
# own `cni-inspect --json` on each node (ready, no pod, no problem, nothing left).
#
# Usage: scripts/e2e-cluster.sh [BACKEND...] (default: host-gw vxlan ipip ipsec).
# A backend whose kernel support (ipip; esp4 + gcm(aes)) the running kernel lacks runs under
# Debian's kernel in a VM (scripts/lib/kernel-vm.sh: qemu-system-x86 from scripts/deps.sh
# --test, the kernel .deb fetched once into /var/cache/swift-cni-plugins, nothing installed;
# emulated, so minutes: E2E_VM=0 skips it), else it is reported skipped (no qemu, or Debian's
# archive unreachable and no kernel cached).
# Plugins: $CNI_PLUGIN_DIR (an installed dir, e.g. after `scripts/install.sh DIR`), else the
# suite binary (see scripts/lib/e2e-plugins.sh). E2E_KEEP=1 keeps the temp dir.
# Closing line: "e2e-cluster: N passed, M failed[, K skipped]" (the VM's checks included);
# exits non-zero on failure, 0 (skip) if not root.
set -uo pipefail
E2E_ROOT="$(cd "$(dirname "$0")/.." && pwd)"
E2E_NAME=e2e-cluster
if [ "$(id -u)" != 0 ]; then
    echo "e2e-cluster: skipped: needs root (creates network namespaces)"
    exit 0
fi
for tool in ip bridge iptables-save python3 jq timeout ss; do
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
# shellcheck source=scripts/lib/e2e-cluster-tunnels.sh
. "$E2E_ROOT/scripts/lib/e2e-cluster-tunnels.sh"
# shellcheck source=scripts/lib/kernel-vm.sh
. "$E2E_ROOT/scripts/lib/kernel-vm.sh"

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
    POD_IP=(); CNI0_MACS=(); E2E_NODE_SEGMENT=()
    E2E_PASS="$backend"
    E2E_HUNG=0
    [ "$(type -t "prepare_${backend//-/}")" = function ] && "prepare_${backend//-/}"
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
    for n in "${E2E_NODES[@]}"; do check_node_state "$n" 2 "$mtu"; done
    for n in "${E2E_NODES[@]}"; do check_inspect_live "$n" 2; done
    check_portmap_rules n0p0

    show_state "$backend"

    echo "-- traffic"
    tunnel_snapshot "$backend"
    ping_matrix
    check_tunnel_crossed "$backend"
    case "$backend" in
        vxlan | ipsec) ping_full_mtu n0p0 n1p0 "$mtu" "$backend" ;;
        ipip) ping_full_mtu n0p0 n2p0 "$mtu" "$backend" ;;
    esac
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

declare -A BACKEND_MTU=([host-gw]=1500 [vxlan]=1450 [ipip]=1480 [ipsec]=1423)
# The kernel modules a backend needs beyond bridge/veth (what a VM kernel must have).
declare -A BACKEND_MODULES=([ipip]="ipip" [ipsec]="esp4 gcm")

# kernel_supports BACKEND: the running kernel can build that backend's tunnel (tried in a
# namespace of ours that is deleted right after).
kernel_supports() {
    local ns="${E2E_PREFIX}probe" ok=0
    [ -n "${BACKEND_MODULES[$1]:-}" ] || return 0
    ip netns add "$ns" || return 1
    case "$1" in
        ipip) ip -n "$ns" link add probe type ipip local 198.18.0.10 2>/dev/null && ok=1 ;;
        ipsec) ip -n "$ns" xfrm state add src 198.18.0.10 dst 198.18.0.11 proto esp spi 0xc0000001 mode tunnel \
            aead 'rfc4106(gcm(aes))' "0x$(random_hex 20)" 128 2>/dev/null && ok=1 ;;
    esac
    ip netns del "$ns"
    ((ok))
}

# The passes the running kernel cannot do, in a VM with Debian's kernel; its checks are added
# to ours (the VM prints its own, and its closing line).
run_in_vm() {
    local dir="$E2E_TMP/vm" bin log passed failed line rc mods
    mkdir -p "$dir"
    VM_KERNEL_MODULES=()
    for line in "$@"; do read -r -a mods <<<"${BACKEND_MODULES[$line]}"; VM_KERNEL_MODULES+=("${mods[@]}"); done
    bin="${CNI_PLUGINS_BIN:-}"
    [ -n "${CNI_PLUGIN_DIR:-}" ] || bin="$(suite_binary "$E2E_ROOT" --dev)" || { fail "VM passes: suite binary"; return; }
    {
        printf 'export PATH=%q E2E_IN_VM=1\n' "$PATH"
        # Emulated, every call is slower: give cni-exec more time. (The plugins run from the
        # guest's tmpfs: resolve_plugins installs them under its /tmp.)
        printf 'export E2E_CNI_TIMEOUT=%q\n' "${E2E_VM_CNI_TIMEOUT:-120}"
        [ -n "$bin" ] && printf 'export CNI_PLUGINS_BIN=%q\n' "$bin"
        [ -n "${CNI_PLUGIN_DIR:-}" ] && printf 'export CNI_PLUGIN_DIR=%q\n' "$CNI_PLUGIN_DIR"
        printf 'exec bash %q' "$E2E_ROOT/scripts/e2e-cluster.sh"; printf ' %q' "$@"; echo
    } >"$dir/job.sh"
    echo
    echo "=================== passes in a VM: $* (the running kernel $(uname -r) lacks ${VM_KERNEL_MODULES[*]}) ==================="
    vm_run "$dir" "$dir/job.sh"
    rc=$?
    log="$dir/console.log"
    line="$(grep -E '^e2e-cluster: [0-9]+ passed, [0-9]+ failed' "$log" | tail -1)"
    if [ -z "$line" ]; then fail "passes $* in the VM: no closing line (vm_run status $rc)"; return; fi
    passed="$(sed -E 's/^e2e-cluster: ([0-9]+) passed.*/\1/' <<<"$line")"
    failed="$(sed -E 's/^e2e-cluster: [0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")"
    E2E_PASSED=$((E2E_PASSED + passed)); E2E_FAILED=$((E2E_FAILED + failed))
    while IFS= read -r line; do E2E_FAILURES+=("(vm) ${line#  FAIL  }"); done < <(grep -E '^  FAIL  ' "$log")
    ((failed > 0 || rc == 0)) || fail "passes $* in the VM: the guest exited $rc"
}

[ $# -gt 0 ] || set -- host-gw vxlan ipip ipsec
in_vm=()
for backend in "$@"; do
    [ -n "${BACKEND_MTU[$backend]:-}" ] || { fail "unknown backend $backend (host-gw, vxlan, ipip, ipsec)"; continue; }
    if kernel_supports "$backend"; then
        run_pass "$backend" "${BACKEND_MTU[$backend]}"
    elif [ "${E2E_IN_VM:-0}" != 1 ]; then
        in_vm+=("$backend")
    else
        fail "$backend: the VM's kernel lacks ${BACKEND_MODULES[$backend]}"
    fi
done
if ((${#in_vm[@]})); then
    modules=()
    for backend in "${in_vm[@]}"; do read -r -a more <<<"${BACKEND_MODULES[$backend]}"; modules+=("${more[@]}"); done
    if [ "${E2E_VM:-1}" = 0 ]; then
        for backend in "${in_vm[@]}"; do skip "$backend pass: kernel $(uname -r) lacks ${BACKEND_MODULES[$backend]} (E2E_VM=0: no VM)"; done
    elif why="$(vm_prepare "${modules[@]}")"; then
        run_in_vm "${in_vm[@]}"
    else
        for backend in "${in_vm[@]}"; do
            skip "$backend pass: kernel $(uname -r) lacks ${BACKEND_MODULES[$backend]} and there is no VM: $(tr '\n' ' ' <<<"$why")"
        done
    fi
fi

root_links_after="$(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | sort)"
expect_eq "root netns: no cni0/flannel.*/veth/br0 of ours appeared" "" \
    "$(comm -13 <(echo "$root_links_before") <(echo "$root_links_after") | grep -E '^(cni0|flannel\.|br[01]|veth|eth0|n[0-9])' || true)"
finish
