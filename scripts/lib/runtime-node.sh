# shellcheck shell=bash
# Node configuration for scripts/e2e-runtime.sh, written inside the sandbox of
# runtime-sandbox.sh (so every file lands on its tmpfs/overlays, never on the machine):
# plugin dir /opt/cni/bin, /etc/cni/net.d with exactly one conflist, /run/flannel/subnet.env,
# podman's /etc/containers/{containers,storage}.conf, a containerd config, a node address.

NODE_PLUGIN_DIR=/opt/cni/bin
NODE_NETCONF_DIR=/etc/cni/net.d
NODE_IP=192.0.2.10            # TEST-NET-1 address on node0, a veth kept inside the node netns
NODE_SUBNET=10.244.1.0/24
NODE_GATEWAY=10.244.1.1
NODE_CLUSTER_NET=10.244.0.0/16
NODE_MTU=1450
NODE_USES_FLANNEL=0           # 1 when the conflist's first plugin is flannel

# The conflist used with a plugin dir that has no flannel (Debian's reference suite): exactly
# the delegate config flannel generates from our subnet.env, then portmap.
node_delegate_conflist() {
    cat <<JSON
{
  "name": "cbr0",
  "cniVersion": "0.3.1",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni0",
      "hairpinMode": true,
      "isDefaultGateway": true,
      "isGateway": true,
      "ipMasq": false,
      "mtu": $NODE_MTU,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "$NODE_SUBNET"}]],
        "routes": [{"dst": "$NODE_CLUSTER_NET"}]
      }
    },
    {
      "type": "portmap",
      "capabilities": {"portMappings": true}
    }
  ]
}
JSON
}

# node_install_plugins MODE SRC REPO: fills /opt/cni/bin inside the sandbox.
#   MODE=dir     SRC = a plugin dir (e.g. /usr/lib/cni): symlinks to its plugins;
#   MODE=bin     SRC = the multicall binary: symlinks named after each plugin;
#   MODE=install SRC unused: `scripts/install.sh /opt/cni/bin --no-build` (dist/cni-plugins).
node_install_plugins() {
    local mode=$1 src=$2 repo=$3
    sandbox_run bash -euc '
        mode=$1 src=$2 repo=$3 dir=$4
        rm -rf "$dir"
        mkdir -p "$dir"
        case $mode in
            dir) for p in flannel bridge host-local portmap loopback bandwidth; do
                     if [ -x "$src/$p" ]; then ln -s "$src/$p" "$dir/$p"; fi
                 done ;;
            bin) for p in flannel bridge host-local portmap loopback bandwidth; do ln -s "$src" "$dir/$p"; done ;;
            install) "$repo/scripts/install.sh" "$dir" --no-build >/dev/null ;;
        esac
        for p in bridge host-local portmap loopback; do
            [ -x "$dir/$p" ] || { echo "plugin $p missing in $dir" >&2; exit 1; }
        done
    ' node-plugins "$mode" "$src" "$repo" "$NODE_PLUGIN_DIR"
}

# node_configure CONFLIST_FILE: network config, subnet.env, podman and containerd configs,
# node address; sets NODE_NETWORK and NODE_USES_FLANNEL. CONFLIST_FILE empty = the delegate
# conflist above.
node_configure() {
    local conflist=$1 content
    if [ -n "$conflist" ]; then
        content=$(cat "$conflist") || return 1
    else
        content=$(node_delegate_conflist)
    fi
    NODE_USES_FLANNEL=0
    if printf '%s' "$content" | jq -e '.plugins[0].type == "flannel"' >/dev/null; then
        # shellcheck disable=SC2034  # read by e2e-runtime.sh, runtime-scenarios.sh, runtime-checks.sh
        NODE_USES_FLANNEL=1
    fi
    NODE_NETWORK=$(printf '%s' "$content" | jq -er .name) || return 1
    printf '%s\n' "$content" | sandbox_run bash -euc '
        netconf=$1 plugins=$2 gw=$3 mtu=$4 net=$5 ip=$6 name=$7
        # Debian podman ships 87-podman-bridge.conflist: hide it and anything else there
        rm -rf "$netconf"
        mkdir -p "$netconf" /run/flannel /etc/containers
        cat > "$netconf/10-flannel.conflist"
        printf "FLANNEL_NETWORK=%s\nFLANNEL_SUBNET=%s/24\nFLANNEL_MTU=%s\nFLANNEL_IPMASQ=true\n" \
            "$net" "$gw" "$mtu" > /run/flannel/subnet.env
        # podman (and its cleanup process, which reads only this file) : CNI backend, our
        # plugin dir, cgroupfs with conmon left in its parent cgroup, runc (crun 1.8 refuses
        # hybrid cgroup v1/v2 hosts), no journald.
        cat > /etc/containers/containers.conf <<CONF
[containers]
cgroups = "no-conmon"
log_driver = "k8s-file"
[network]
network_backend = "cni"
cni_plugin_dirs = ["$plugins"]
network_config_dir = "$netconf"
default_network = "$name"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
CONF
        cat > /etc/containers/storage.conf <<CONF
[storage]
driver = "vfs"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
CONF
        rm -f /etc/containers/libpod.conf
        mkdir -p /etc/containerd
        cat > /etc/containerd/config.toml <<CONF
version = 2
root = "/var/lib/containerd"
state = "/run/containerd"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "/run/containerd/containerd.sock"
CONF
        # the node uplink: a veth pair kept inside the node netns (no dummy driver here)
        ip link add node0 type veth peer name node0-peer
        ip link set node0-peer up
        ip addr add "$ip/24" dev node0
        ip link set node0 up
    ' node-config "$NODE_NETCONF_DIR" "$NODE_PLUGIN_DIR" "$NODE_GATEWAY" "$NODE_MTU" "$NODE_CLUSTER_NET" "$NODE_IP" "$NODE_NETWORK"
}
