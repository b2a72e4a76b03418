#!/usr/bin/env bash
# Real-runtime end-to-end test, as root: Debian's podman 4.3 (CNI network backend) and
# containerd's `ctr run --cni` drive the plugin suite for real.
#
# Everything runs in a private node (scripts/lib/runtime-sandbox.sh): new PID, mount and
# network namespaces; tmpfs /run, /var/lib/cni, /var/lib/containers, /var/lib/containerd,
# /dev/shm; overlays on /etc, /opt and /var/lib. The machine's root netns, /etc, /opt, /run and
# /var/lib/cni are never touched. The plugins come from /opt/cni/bin inside the sandbox, the
# network is /etc/cni/net.d/10-flannel.conflist with /run/flannel/subnet.env
# (10.244.0.0/16, 10.244.1.1/24, MTU 1450, IPMASQ true). Containers use a busybox rootfs
# (scripts/make-rootfs.sh; no image pull).
#
# podman: run -d (ADD, -p 8080:80 -> portmap), address/routes/MTU/hairpin port, ping to the
# gateway and to another container, the hostPort from the node (node IP, gateway, localhost)
# and from pods (hairpin), stop (DEL), start (ADD again), rm -f (DEL), run --rm (DEL),
# run -d --rm exiting on its own (DEL by podman's cleanup process). ctr run --cni: ADD,
# traffic both ways, DEL with an empty CNI_NETNS on exit. After each DEL: the
# host-local reservation, flannel's saved config, libcni's cache entry and every iptables rule
# naming the container are gone.
#
# Plugins: E2E_PLUGIN_DIR=/usr/lib/cni runs Debian's reference plugins (no flannel there: the
# equivalent bridge+host-local+portmap conflist is used); else $CNI_PLUGINS_BIN (symlinked
# under each plugin name); else dist/cni-plugins installed with `scripts/install.sh DIR
# --no-build` (see scripts/lib/suite-binary.sh: built when missing or older than the sources).
# E2E_CONFLIST=FILE overrides the conflist.
# Closing line: "e2e-runtime: N passed, M failed"; exit 1 on any failure. Skips (exit 0,
# "e2e-runtime: 0 passed, 0 failed, 1 skipped") when not root or when podman cannot run a
# container on this machine, with the reason.
set -uo pipefail
E2E_ROOT="$(cd "$(dirname "$0")/.." && pwd)"
NAME=e2e-runtime
. "$E2E_ROOT/scripts/lib/runtime-sandbox.sh"
. "$E2E_ROOT/scripts/lib/runtime-node.sh"
. "$E2E_ROOT/scripts/lib/runtime-checks.sh"
. "$E2E_ROOT/scripts/lib/runtime-scenarios.sh"
. "$E2E_ROOT/scripts/lib/runtime-ctr.sh"
. "$E2E_ROOT/scripts/lib/suite-binary.sh"

E2E_SKIP_REASON=""
# skip_all REASON: nothing was tested, for a reason outside the suite's control; exit 0. The
# two lines are printed last (by cleanup once the trap is installed).
skip_all() {
    E2E_SKIP_REASON=$*
    if [ -z "${E2E_TRAP_SET:-}" ]; then print_skip; fi
    exit 0
}
print_skip() {
    echo "$NAME: skipped: $E2E_SKIP_REASON"
    echo "$NAME: 0 passed, 0 failed, 1 skipped"
}

[ "$(id -u)" = 0 ] || skip_all "needs root (creates namespaces and runs podman as root)"
for tool in podman runc conmon containerd ctr unshare nsenter setpriv ip bridge iptables-save python3 timeout busybox; do
    command -v "$tool" >/dev/null || skip_all "$tool is not installed (scripts/deps.sh installs it)"
done

# ---- which plugins -------------------------------------------------------------------------
conflist=${E2E_CONFLIST:-}
if [ -n "${E2E_PLUGIN_DIR:-}" ]; then
    plugin_mode=dir plugin_src=$E2E_PLUGIN_DIR
    plugin_desc="$E2E_PLUGIN_DIR (E2E_PLUGIN_DIR)"
elif [ -n "${CNI_PLUGINS_BIN:-}" ]; then
    plugin_mode=bin plugin_src=$(realpath "$CNI_PLUGINS_BIN") plugin_desc="$CNI_PLUGINS_BIN (CNI_PLUGINS_BIN)"
    [ -x "$plugin_src" ] || { echo "$NAME: CNI_PLUGINS_BIN=$CNI_PLUGINS_BIN is not executable"; exit 1; }
else
    plugin_mode=install plugin_src="" plugin_desc="dist/cni-plugins via scripts/install.sh --no-build"
    # dist/cni-plugins, rebuilt by scripts/build.sh when missing or older than the sources
    suite_binary "$E2E_ROOT" >/dev/null || { echo "$NAME: scripts/build.sh failed"; echo "$NAME: 0 passed, 1 failed"; exit 1; }
fi
if [ -z "$conflist" ] && { [ "$plugin_mode" != dir ] || [ -x "$plugin_src/flannel" ]; }; then
    conflist="$E2E_ROOT/conflists/10-flannel.conflist"
    [ -f "$conflist" ] || { echo "$NAME: $conflist is missing"; echo "$NAME: 0 passed, 1 failed"; exit 1; }
fi

# ---- sandbox and cleanup -------------------------------------------------------------------
WORK=$(mktemp -d /tmp/e2e-runtime.XXXXXX)
CGROUP_PARENT="e2e-runtime-${WORK##*.}"   # relative: created under this shell's own cgroups
ROOTFS="$WORK/rootfs"

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    if sandbox_alive; then
        # graceful first (runc removes its cgroups), then the kernel kills the rest with pid 1
        sandbox_run timeout 30 podman rm -af -t 0 >/dev/null 2>&1
    fi
    sandbox_stop
    sandbox_remove_cgroups "$CGROUP_PARENT"
    [ ! -d "$WORK" ] || rmdir "$WORK" 2>/dev/null
    if [ -n "$E2E_SKIP_REASON" ] && ((E2E_PASSED + E2E_FAILED == 0)); then
        print_skip
        exit 0
    fi
    ((rc == 0)) || ((E2E_FAILED > 0)) || fail "aborted (exit status $rc)"
    summary
    exit $((E2E_FAILED > 0 ? 1 : 0))
}
trap cleanup EXIT
trap 'exit 130' INT TERM
E2E_TRAP_SET=1

E2E_START_MS=$(now_ms)
sandbox_remove_cgroups 'e2e-runtime-*'   # empty leftovers of a killed earlier run
E2E_HOST_BEFORE=$(host_snapshot)
echo "plugins: $plugin_desc; conflist: ${conflist:-bridge+host-local+portmap equivalent of the flannel delegate}"
if ! sandbox_start "$WORK" 2>"$WORK.err"; then
    setup_err=$(tail -n 3 "$WORK.err" | tr '\n' ' ')
    rm -f "$WORK.err"
    skip_all "cannot create private pid/mount/net namespaces with tmpfs and overlay mounts: $setup_err"
fi
rm -f "$WORK.err"
sandbox_run "$E2E_ROOT/scripts/make-rootfs.sh" "$ROOTFS" >/dev/null || { fail "make-rootfs"; exit 1; }
node_install_plugins "$plugin_mode" "$plugin_src" "$E2E_ROOT" || { fail "install plugins into $NODE_PLUGIN_DIR"; exit 1; }
node_configure "$conflist" || { fail "node configuration"; exit 1; }
echo "node: netns with $NODE_IP on node0, network $NODE_NETWORK, subnet $NODE_SUBNET$( ((NODE_USES_FLANNEL)) && echo ' via flannel')"

# podman must be able to run a container at all (no CNI involved): if not, say why and skip
probe=$(sandbox_run timeout 60 podman run --rm --network none --cgroup-parent "$CGROUP_PARENT" --rootfs "$ROOTFS" /bin/true 2>&1) ||
    skip_all "podman cannot run a container on this machine (with --network none, so not a plugin problem): $(echo "$probe" | tail -n 3 | tr '\n' ' ')"

run_podman_scenarios
run_ctr_scenarios
finish_podman_scenarios
run_final_checks
