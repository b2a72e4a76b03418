# shellcheck shell=bash
# containerd with its CRI plugin inside the private node of scripts/e2e-cri.sh (the sandbox of
# runtime-sandbox.sh, configured by runtime-node.sh): its own root, state and socket under
# $CRI_DIR (a tmpfs of the sandbox), the CRI plugin's CNI bin_dir = the tracing wrappers of
# cri-trace.sh, conf_dir = $CRI_DIR/net.d with one conflist. Plus a "client" netns attached
# to the node by a veth pair, the way another host of the node's LAN reaches it.

CRI_DIR=/run/e2e-cri                     # inside the sandbox (its /run is a tmpfs)
CRI_SOCKET=$CRI_DIR/containerd.sock
CRI_CONF_DIR=$CRI_DIR/net.d
CRI_BIN_DIR=$CRI_DIR/bin                 # the tracing wrappers
# shellcheck disable=SC2034  # read by e2e-cri.sh
CRI_TRACE_DIR=$CRI_DIR/trace             # one subdir per conflist run
CRI_INSPECT=$CRI_DIR/cni-inspect         # the suite binary under its cni-inspect name
# shellcheck disable=SC2034  # read by runtime-checks.sh
NODE_INSPECT=$CRI_INSPECT                 # what check_cni_inspect runs
CRI_SNAPSHOTTER=native                   # plain copies: no overlayfs-on-tmpfs requirement
# shellcheck disable=SC2034  # read by e2e-cri.sh and cri-rpc.sh
CRI_PYTHON=/usr/bin/python3              # Debian's, which python3-grpcio/-protobuf belong to
CRI_CLIENT_NET=198.51.100                # TEST-NET-2: node .1 on cri-cl0, client .2
CRI_CLIENT_NODE_IP=$CRI_CLIENT_NET.1
CRI_CLIENT_IP=$CRI_CLIENT_NET.2
CRI_CLIENT_NETNS=cri-client              # under the sandbox's own /run/netns
CRI_CONTAINERD_PID=""                    # pid inside the sandbox's pid namespace

# cri_write_config: containerd's config.toml. restrict_oom_score_adj: runc may not lower a
# process's oom_score_adj without CAP_SYS_RESOURCE, which this machine kind withholds;
# disable_apparmor: no AppArmor profile loading in the sandbox.
cri_write_config() {
    sandbox_run bash -euc '
        dir=$1
        mkdir -p "$dir/root" "$dir/state" "$dir/net.d" "$dir/pods"
        cat > "$dir/config.toml" <<CONF
version = 2
root = "$dir/root"
state = "$dir/state"
[grpc]
  address = "$2"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$3"
  restrict_oom_score_adj = true
  disable_apparmor = true
  enable_selinux = false
  stream_server_address = "127.0.0.1"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "$4"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$5"
    conf_dir = "$6"
    max_conf_num = 1
CONF
    ' cri-config "$CRI_DIR" "$CRI_SOCKET" "$CRI_PAUSE_IMAGE" "$CRI_SNAPSHOTTER" "$CRI_BIN_DIR" "$CRI_CONF_DIR"
}

# cri_install_conflist FILE: the only file of conf_dir, named as kube-flannel installs it.
cri_install_conflist() {
    sandbox_run sh -c 'rm -f "$1"/*; cat > "$1/10-flannel.conflist"' x "$CRI_CONF_DIR" < "$1"
}

# cri_start_containerd: starts containerd (log: $CRI_DIR/containerd.log), waits up to 20 s for
# its socket. Returns non-zero if it did not come up.
cri_start_containerd() {
    local i
    CRI_CONTAINERD_PID=$(sandbox_run sh -c 'containerd --config "$1/config.toml" >>"$1/containerd.log" 2>&1 & echo $!' x "$CRI_DIR")
    for ((i = 0; i < 200; i++)); do
        if sandbox_run timeout 5 ctr --address "$CRI_SOCKET" version >/dev/null 2>&1; then return 0; fi
        sandbox_run kill -0 "$CRI_CONTAINERD_PID" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# cri_stop_containerd: SIGTERM, up to 15 s to exit, then SIGKILL.
cri_stop_containerd() {
    local i
    [ -n "$CRI_CONTAINERD_PID" ] || return 0
    sandbox_run kill -TERM "$CRI_CONTAINERD_PID" 2>/dev/null
    for ((i = 0; i < 150; i++)); do
        sandbox_run kill -0 "$CRI_CONTAINERD_PID" 2>/dev/null || break
        sleep 0.1
    done
    sandbox_run kill -KILL "$CRI_CONTAINERD_PID" 2>/dev/null
    CRI_CONTAINERD_PID=""
    return 0
}

cri_containerd_log() { sandbox_run tail -n "${1:-20}" "$CRI_DIR/containerd.log" 2>&1; }

# cri_add_client_netns: the client netns with eth0 = $CRI_CLIENT_IP/24, default route via the
# node's end of the pair (cri-cl0, $CRI_CLIENT_NODE_IP).
cri_add_client_netns() {
    sandbox_run bash -euc '
        ns=$1 node_ip=$2 client_ip=$3
        ip netns add "$ns"
        ip link add cri-cl0 type veth peer name eth0 netns "$ns"
        ip addr add "$node_ip/24" dev cri-cl0
        ip link set cri-cl0 up
        ip -n "$ns" link set lo up
        ip -n "$ns" addr add "$client_ip/24" dev eth0
        ip -n "$ns" link set eth0 up
        ip -n "$ns" route add default via "$node_ip"
    ' cri-client-netns "$CRI_CLIENT_NETNS" "$CRI_CLIENT_NODE_IP" "$CRI_CLIENT_IP"
}

# on_client CMD...: CMD in the client netns (inside the sandbox).
on_client() { sandbox_run nsenter --net="/run/netns/$CRI_CLIENT_NETNS" "$@"; }

# http_get_client URL: GET from the client netns, 5 s limit (like http_get_node).
http_get_client() { on_client timeout 5 busybox wget -q -O - "$1" 2>&1 || no_answer $?; }
