#!/usr/bin/env bash
# Kubelet's path end to end, as root: Debian's containerd (1.6, CRI plugin built in) driven
# over its CRI socket exactly as kubelet drives it, calling the plugin suite through
# kube-flannel's conflist.
#
# This script sets up the private node of scripts/lib/runtime-sandbox.sh (new PID, mount and
# network namespaces, tmpfs /run and /var/lib/cni, overlays on /etc /opt /var/lib) as in
# scripts/e2e-runtime.sh by scripts/lib/runtime-node.sh: node0 = 192.0.2.10/24,
# /run/flannel/subnet.env = 10.244.0.0/16, 10.244.1.1/24, MTU 1450. containerd gets its own
# root, state and socket under /run/e2e-cri (its config: scripts/lib/cri-node.sh); its CRI
# `bin_dir` is a dir of tracing wrappers (scripts/lib/cri-trace.sh) in front of the suite, its
# `conf_dir` holds one 10-flannel.conflist. The pause and web images are built here (static C
# pause, busybox-static; scripts/lib/cri-images.sh): no registry is contacted.
#
# The scenario itself is one Python program run inside the node, scripts/cri/e2e_cri.py, which
# speaks gRPC to containerd (scripts/cri/cri_client.py): for each conflist (kube-flannel's
# cniVersion 0.3.1 file, the 1.0.0 one, then k3s's flannel + portmap + bandwidth with the pod's
# bandwidth annotations) containerd is started on it, the images are imported, one pod goes
# through RunPodSandbox (hostPort 8080 -> 80/TCP), PodSandboxStatus, Create/StartContainer,
# traffic from the node, from a client netns attached to the node and hairpin from the pod,
# StopPodSandbox twice, RemovePodSandbox, then nothing may be left; at the end every plugin call
# containerd made is printed and checked. Its checks count in this script's closing line.
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
. "$E2E_ROOT/scripts/lib/runtime-scenarios.sh"   # HOST_PORT
. "$E2E_ROOT/scripts/lib/e2e-plugins.sh"         # suite_binary (scripts/lib/suite-binary.sh), E2E_PLUGIN_NAMES
. "$E2E_ROOT/scripts/lib/cri-node.sh"
. "$E2E_ROOT/scripts/lib/cri-images.sh"
. "$E2E_ROOT/scripts/lib/cri-trace.sh"

# label and conflist file of each run
CRI_RUNS=("0.3.1:10-flannel.conflist" "1.0.0:10-flannel-v1.1.conflist" "k3s:10-flannel-k3s.conflist")


[ "$(id -u)" = 0 ] || skip_all "needs root (creates namespaces and runs containerd)"
for tool in containerd containerd-shim-runc-v2 ctr runc gcc protoc unshare nsenter setpriv ip iptables-save timeout busybox tar sha256sum jq; do
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
# outside WORK, which is a tmpfs of its own inside the node: both sides see these files
SETTINGS="$WORK.settings.json"
RESULT="$WORK.result.json"
CGROUP_PARENT="e2e-cri-${WORK##*.}"   # relative: runc creates it under its own cgroups

# The driver removes its pods and stops containerd itself; killing the node kills whatever is left.
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    rm -f "$SETTINGS" "$RESULT"
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

# cri_settings: what the driver needs to know about the node, containerd and the runs (JSON).
cri_settings() {
    jq -n --arg repo "$E2E_ROOT" --arg cri_dir "$CRI_DIR" --arg socket "$CRI_SOCKET" --arg conf_dir "$CRI_CONF_DIR" \
        --arg bin_dir "$CRI_BIN_DIR" --arg trace_dir "$CRI_TRACE_DIR" --arg pb_dir "$CRI_DIR/pb" \
        --arg images_dir "$CRI_DIR/images" --arg snapshotter "$CRI_SNAPSHOTTER" --arg web_image "$CRI_WEB_IMAGE" \
        --arg cgroup_parent "$CGROUP_PARENT" --arg inspect "$CRI_INSPECT" --arg client_netns "$CRI_CLIENT_NETNS" \
        --arg client_node_ip "$CRI_CLIENT_NODE_IP" --arg node_ip "$NODE_IP" --arg node_gateway "$NODE_GATEWAY" \
        --arg node_subnet "$NODE_SUBNET" --argjson node_mtu "$NODE_MTU" --arg node_network "$NODE_NETWORK" \
        --argjson node_uses_flannel "$((NODE_USES_FLANNEL == 1))" --argjson host_port "$HOST_PORT" \
        --args '$ARGS | {repo: $repo, cri_dir: $cri_dir, socket: $socket, conf_dir: $conf_dir, bin_dir: $bin_dir,
            trace_dir: $trace_dir, pb_dir: $pb_dir, images_dir: $images_dir, snapshotter: $snapshotter,
            web_image: $web_image, cgroup_parent: $cgroup_parent, inspect: $inspect, client_netns: $client_netns,
            client_node_ip: $client_node_ip, node_ip: $node_ip, node_gateway: $node_gateway,
            node_subnet: $node_subnet, node_mtu: $node_mtu, node_network: $node_network,
            node_uses_flannel: ($node_uses_flannel == 1), host_port: $host_port,
            runs: [.positional[] | {label: (split(":")[0]), conflist: (split(":")[1:] | join(":"))}]}' \
        "${CRI_RUNS[@]}"
}

# cri_fold_result: the driver's checks and measurements into this script's counters.
cri_fold_result() {
    local line skip
    [ -s "$RESULT" ] || { fail "the CRI driver (scripts/cri/e2e_cri.py) wrote no result (exit status $1)"; return; }
    E2E_PASSED=$((E2E_PASSED + $(jq -r .passed "$RESULT")))
    while IFS= read -r line; do
        [ -z "$line" ] || { E2E_FAILED=$((E2E_FAILED + 1)); E2E_FAILURES+=("$line"); }
    done < <(jq -r '.failures[]' "$RESULT")
    while IFS= read -r line; do [ -z "$line" ] || E2E_MEASURES+=("$line"); done < <(jq -r '.measures[]' "$RESULT")
    skip=$(jq -r .skip "$RESULT")
    [ -z "$skip" ] || skip_all "$skip"
    (($1 == 0)) || fail "the CRI driver (scripts/cri/e2e_cri.py) exited with status $1"
}

cri_settings >"$SETTINGS" || { fail "write the driver's settings"; exit 1; }
sandbox_run "$CRI_PYTHON" "$E2E_ROOT/scripts/cri/e2e_cri.py" "$SETTINGS" "$RESULT"
cri_fold_result $?
expect_eq "machine: root netns and host paths unchanged" "$E2E_HOST_BEFORE" "$(host_snapshot)"
