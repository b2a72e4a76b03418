#!/usr/bin/env bash
# Kubelet's path end to end, as root: Debian's containerd (1.6, CRI plugin built in) driven
# over its CRI socket by scripts/cri/cri-client.py exactly as kubelet drives it, calling the
# plugin suite through kube-flannel's conflist.
#
# Everything runs in the private node of scripts/lib/runtime-sandbox.sh (new PID, mount and
# network namespaces, tmpfs /run and /var/lib/cni, overlays on /etc /opt /var/lib), set up as
# in scripts/e2e-runtime.sh by scripts/lib/runtime-node.sh: node0 = 192.0.2.10/24,
# /run/flannel/subnet.env = 10.244.0.0/16, 10.244.1.1/24, MTU 1450. containerd has its own
# root, state and socket under /run/e2e-cri (scripts/lib/cri-node.sh); its CRI `bin_dir` is a
# dir of tracing wrappers (scripts/lib/cri-trace.sh) in front of the suite, its `conf_dir`
# holds one 10-flannel.conflist. The pause and web images are built here (static C pause,
# busybox-static) and imported with `ctr -n k8s.io images import` (scripts/lib/cri-images.sh):
# no registry is contacted.
#
# For each conflist (kube-flannel's cniVersion 0.3.1 file, the 1.0.0 one, then k3s's flannel +
# portmap + bandwidth with the pod's bandwidth annotations, scripts/lib/cri-bandwidth.sh): one pod
# through RunPodSandbox (hostPort 8080 -> 80/TCP), PodSandboxStatus, Create/StartContainer,
# traffic from the node, from a client netns attached to the node and hairpin from the pod,
# StopPodSandbox twice, RemovePodSandbox, then nothing may be left (scripts/lib/cri-pod.sh).
# At the end, every plugin call containerd made is printed (scripts/cri/trace-print.py).
#
# The suite binary: `suite_binary ROOT --dev` ($CNI_PLUGINS_BIN, else an up-to-date dist/, .build/release,
# .build/debug, else a fresh debug build; scripts/lib/suite-binary.sh).
# Closing line: "e2e-cri: N passed, M failed"; exit 1 on any failure. Skips (exit 0) when not
# root, when a tool is missing, or when containerd cannot start on this machine, with the reason.
set -uo pipefail
E2E_ROOT="$(cd "$(dirname "$0")/.." && pwd)"
NAME=e2e-cri
. "$E2E_ROOT/scripts/lib/toolchain.sh"
. "$E2E_ROOT/scripts/lib/runtime-sandbox.sh"
. "$E2E_ROOT/scripts/lib/runtime-node.sh"
. "$E2E_ROOT/scripts/lib/runtime-checks.sh"
. "$E2E_ROOT/scripts/lib/runtime-e2e.sh"       # skip_all, e2e_begin, e2e_finish
. "$E2E_ROOT/scripts/lib/runtime-scenarios.sh"   # HOST_PORT, wait_http, check_hostport
. "$E2E_ROOT/scripts/lib/e2e-plugins.sh"         # suite_binary (scripts/lib/suite-binary.sh), E2E_PLUGIN_NAMES
. "$E2E_ROOT/scripts/lib/cri-node.sh"
. "$E2E_ROOT/scripts/lib/cri-rpc.sh"
. "$E2E_ROOT/scripts/lib/cri-images.sh"
. "$E2E_ROOT/scripts/lib/cri-trace.sh"
. "$E2E_ROOT/scripts/lib/cri-pod.sh"
. "$E2E_ROOT/scripts/lib/cri-bandwidth.sh"

# label and conflist file of each run
CRI_RUNS=("0.3.1:10-flannel.conflist" "1.0.0:10-flannel-v1.1.conflist" "k3s:10-flannel-k3s.conflist")


[ "$(id -u)" = 0 ] || skip_all "needs root (creates namespaces and runs containerd)"
for tool in containerd containerd-shim-runc-v2 ctr runc gcc protoc unshare nsenter setpriv ip iptables-save timeout busybox tar sha256sum; do
    command -v "$tool" >/dev/null || skip_all "$tool is not installed (scripts/deps.sh --test installs it)"
done
"$CRI_PYTHON" -c 'import grpc, google.protobuf' 2>/dev/null ||
    skip_all "$CRI_PYTHON cannot import grpc and google.protobuf (python3-grpcio, python3-protobuf: scripts/deps.sh --test)"
for run in "${CRI_RUNS[@]}"; do
    [ -f "$E2E_ROOT/conflists/${run#*:}" ] || { echo "$NAME: conflists/${run#*:} is missing"; echo "$NAME: 0 passed, 1 failed"; exit 1; }
done
suite_bin=$(suite_binary "$E2E_ROOT" --dev) && [ -x "$suite_bin" ] ||
    { echo "$NAME: no suite binary (swift build failed?)"; echo "$NAME: 0 passed, 1 failed"; exit 1; }
suite_bin=$(realpath "$suite_bin")

# ---- sandbox and cleanup -------------------------------------------------------------------
WORK=$(mktemp -d /tmp/e2e-cri.XXXXXX)
CGROUP_PARENT="e2e-cri-${WORK##*.}"   # relative: runc creates it under its own cgroups

cleanup() {
    local rc=$? id
    trap - EXIT INT TERM
    set +e
    if sandbox_alive && [ -n "$CRI_CONTAINERD_PID" ]; then
        for id in "${CRI_LIVE_PODS[@]}"; do cri_remove_pod "$id"; done
        cri_stop_containerd
    fi
    e2e_finish "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
E2E_TRAP_SET=1

echo "plugins: $suite_bin behind tracing wrappers; containerd $(containerd --version | awk '{print $3}')"
e2e_begin
node_install_plugins bin "$suite_bin" "$E2E_ROOT" || { fail "install plugins into $NODE_PLUGIN_DIR"; exit 1; }
node_configure "$E2E_ROOT/conflists/10-flannel.conflist" || { fail "node configuration"; exit 1; }
sandbox_run mkdir -p "$CRI_DIR" && sandbox_run ln -s "$suite_bin" "$CRI_INSPECT" || { fail "install cni-inspect"; exit 1; }
cri_trace_install "$CRI_BIN_DIR" "$NODE_PLUGIN_DIR" "$CRI_TRACE_DIR/current" "${E2E_PLUGIN_NAMES[@]}" ||
    { fail "install the tracing wrappers into $CRI_BIN_DIR"; exit 1; }
cri_write_config || { fail "containerd config"; exit 1; }
cri_add_client_netns || { fail "client netns"; exit 1; }
t0=$(now_ms)
if out=$(sandbox_run bash -c '. "$1"; cri_build_images "$2" "$3"' x "$E2E_ROOT/scripts/lib/cri-images.sh" "$CRI_DIR/images" "$E2E_ROOT" 2>&1); then
    pass "pause image (gcc -static) and web image (busybox-static) packed as OCI archives"
else
    fail "build the pause and web images" "$out"
    exit 1
fi
measure "build both images" $(($(now_ms) - t0))
echo "node: netns with $NODE_IP on node0, client netns $CRI_CLIENT_IP via cri-cl0 ($CRI_CLIENT_NODE_IP), subnet $NODE_SUBNET via flannel"

# run_conflist INDEX LABEL FILE: containerd (re)started on conflists/FILE, one pod through it.
run_conflist() {
    local index=$1 label=$2 file=$3 t0 out log
    echo "== containerd CRI with conflists/$file (cniVersion $label) as $CRI_CONF_DIR/10-flannel.conflist"
    cri_install_conflist "$E2E_ROOT/conflists/$file" || { fail "$label: install the conflist"; return; }
    t0=$(now_ms)
    if ! cri_start_containerd; then
        log=$(cri_containerd_log 10)
        ((index > 1)) || skip_all "containerd (CRI plugin) cannot start on this machine: $log"
        fail "$label: containerd started" "$log"
        return
    fi
    if ((index == 1)); then
        if out=$(sandbox_run bash -c '. "$1"; cri_import_images "$2" "$3" "$4"' x "$E2E_ROOT/scripts/lib/cri-images.sh" \
            "$CRI_DIR/images" "$CRI_SOCKET" "$CRI_SNAPSHOTTER" 2>&1); then
            pass "images imported with ctr -n k8s.io images import"
        else
            fail "images imported with ctr -n k8s.io images import" "$out"
            return
        fi
    fi
    if ! out=$(cri_wait_network_ready 30); then
        fail "$label: CRI Status NetworkReady within 30 s" "$out"$'\n'"$(cri_containerd_log 10)"
        return
    fi
    pass "$label: CRI Status NetworkReady (the CRI plugin loaded the conflist)"
    measure "$label: containerd start until NetworkReady" $(($(now_ms) - t0))
    CRI_POD_BANDWIDTH=""
    [ "$label" = k3s ] && CRI_POD_BANDWIDTH=1
    run_cri_pod "$label" "web-${label//./}"
}

run_index=0
for run in "${CRI_RUNS[@]}"; do
    run_index=$((run_index + 1))
    run_conflist "$run_index" "${run%%:*}" "${run#*:}"
    cri_stop_containerd
    sandbox_run mv "$CRI_TRACE_DIR/current" "$CRI_TRACE_DIR/${run%%:*}"
    sandbox_run mkdir -p "$CRI_TRACE_DIR/current"
done

echo "== plugin calls containerd made (through the tracing wrappers in $CRI_BIN_DIR)"
for run in "${CRI_RUNS[@]}"; do
    label=${run%%:*}
    echo "-- cniVersion $label: conflists/${run#*:}"
    sandbox_run "$CRI_PYTHON" "$E2E_ROOT/scripts/cri/trace-print.py" "$CRI_TRACE_DIR/$label"
    seq=$(sandbox_run "$CRI_PYTHON" "$E2E_ROOT/scripts/cri/trace-print.py" --sequence "$CRI_TRACE_DIR/$label")
    expect_contains "$label: traced ADD flannel on eth0" "ADD flannel eth0 netns=/var/run/netns/cni-" "$seq"
    expect_contains "$label: traced ADD portmap on eth0" "ADD portmap eth0 netns=/var/run/netns/cni-" "$seq"
    expect_contains "$label: traced DEL flannel with the pod netns (StopPodSandbox)" "DEL flannel eth0 netns=/var/run/netns/cni-" "$seq"
    expect_contains "$label: traced DEL flannel with an empty CNI_NETNS (netns gone)" "DEL flannel eth0 netns=empty" "$seq"
    if [ "$label" = k3s ]; then
        expect_contains "$label: traced ADD bandwidth on eth0" "ADD bandwidth eth0 netns=/var/run/netns/cni-" "$seq"
        expect_contains "$label: traced DEL bandwidth" "DEL bandwidth eth0" "$seq"
    fi
    expect_eq "$label: every traced plugin call exited 0" "" \
        "$(sandbox_run "$CRI_PYTHON" "$E2E_ROOT/scripts/cri/trace-print.py" --failed "$CRI_TRACE_DIR/$label")"
done
expect_eq "machine: root netns and host paths unchanged" "$E2E_HOST_BEFORE" "$(host_snapshot)"
