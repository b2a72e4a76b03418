# shellcheck shell=bash
# containerd with its CRI plugin inside the private node of scripts/e2e-cri.sh (the sandbox of
# runtime-sandbox.sh, configured by runtime-node.sh): its own root, state and socket under
# $CRI_DIR (a tmpfs of the sandbox), the CRI plugin's CNI bin_dir = the tracing wrappers of
# cri-trace.sh, conf_dir = $CRI_DIR/net.d with one conflist (written by scripts/cri/e2e_cri.py,
# which also starts and stops containerd). Plus a "client" netns attached to the node by a veth
# pair, the way another host of the node's LAN reaches it.

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
# shellcheck disable=SC2034  # read by e2e-cri.sh
CRI_PYTHON=/usr/bin/python3              # Debian's, which python3-grpcio/-protobuf belong to
CRI_CLIENT_NET=198.51.100                # TEST-NET-2: node .1 on cri-cl0, client .2
CRI_CLIENT_NODE_IP=$CRI_CLIENT_NET.1
CRI_CLIENT_IP=$CRI_CLIENT_NET.2
CRI_CLIENT_NETNS=cri-client              # under the sandbox's own /run/netns

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
