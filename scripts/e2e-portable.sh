#!/usr/bin/env bash
# The static binary on nodes unlike the build machine, as root:
# - a chroot of a Debian 11 root filesystem (glibc 2.31, as Ubuntu 20.04 and older kind node
#   images; `debootstrap --variant=minbase bullseye` + Debian 11's iptables, cached outside the
#   repo, see scripts/lib/debian-rootfs.sh; skipped with the reason when Debian's archive is
#   unreachable and nothing is cached);
# - an empty root filesystem holding nothing but the suite binary (the six plugin files and a
#   copy named cni-exec) and a mounted /proc: no libc, no shell, no iptables.
# In each: every plugin's VERSION; the flannel chain ADD, CHECK, DEL run by `cni-exec` (the
# suite's libcni-style runner) inside the root, the plugins inside the private node netns
# (subnet.env 10.244.1.1/24): the pod's eth0 address, the node's cni0, the host-local
# reservation and flannel's saved config after ADD, all gone after DEL. Debian 11 runs the
# conflist shipped in conflists/ at cniVersion 1.0.0 (flannel + portmap, one hostPort through its own iptables); the
# empty root runs flannel alone (FLANNEL_IPMASQ=true: flanneld masquerades, so the bridge adds no
# iptables rule; there is no iptables there).
# Each root is an overlay (or copy) in a temp dir and every mount lives in a private mount
# namespace: the cache and the machine's filesystems are never written.
# Closing line: "e2e-portable: N passed, M failed".
set -uo pipefail
E2E_ROOT="$(cd "$(dirname "$0")/.." && pwd)"
. "$E2E_ROOT/scripts/lib/toolchain.sh"
. "$E2E_ROOT/scripts/lib/e2e-assert.sh"
. "$E2E_ROOT/scripts/lib/suite-binary.sh"
. "$E2E_ROOT/scripts/lib/debian-rootfs.sh"
E2E_NAME=e2e-portable

skip() { echo "$E2E_NAME: skipped: $*"; echo "$E2E_NAME: 0 passed, 0 failed, 1 skipped"; exit 0; }
[ "$(id -u)" = 0 ] || skip "needs root (chroot, mounts, network namespaces)"
for tool in unshare chroot ip python3 curl; do command -v "$tool" >/dev/null || skip "$tool is not installed"; done

bin=$(suite_binary "$E2E_ROOT") || { fail "find or build the suite binary"; finish; }
if readelf -lW "$bin" | grep -q INTERP; then
    fail "$bin is dynamically linked (scripts/build.sh makes the static one)"; finish
fi
echo "binary: $bin ($(file -b "$bin" | cut -d, -f1,5))"

WORK=$(mktemp -d /tmp/e2e-portable.XXXXXX)
NODE="e2e-portable-node-$$"
PODS=()
cleanup() {
    local p
    for p in "${PODS[@]}"; do ip netns del "$p" 2>/dev/null; done
    ip netns del "$NODE" 2>/dev/null
    # mounts were made in private mount namespaces only; what is left here is plain files
    rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT
ip netns add "$NODE" || { fail "ip netns add $NODE"; finish; }
ip -n "$NODE" link set lo up
ip netns exec "$NODE" sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'

# in_root ROOT CMD...: runs CMD (a path inside ROOT) chrooted in ROOT, in the node netns, with
# /proc and /run/netns mounted in a private mount namespace, and a clean environment
# (variables given as VAR=value words before CMD). With ROOT_LOWER set, ROOT is first mounted
# (in that namespace) as an overlay of ROOT_LOWER (read-only) and ROOT_UPPER.
in_root() {
    local root=$1 vars=(); shift
    while (($#)) && [[ "$1" == *=* ]] && [[ "$1" != /* ]]; do vars+=("$1"); shift; done
    set -- "${vars[@]}" chroot "$root" "$@"
    unshare --mount --propagation private sh -c '
        root=$1; shift
        if [ -n "$ROOT_LOWER" ]; then
            mount -t overlay e2e-portable -o "lowerdir=$ROOT_LOWER,upperdir=$ROOT_UPPER,workdir=$ROOT_UPPER.work" "$root" || exit 125
        fi
        mount -t proc proc "$root/proc" && mount --rbind /run/netns "$root/run/netns" || exit 125
        exec ip netns exec "$NODE" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
    ' in_root "$root" "$@"
}
export NODE ROOT_LOWER="" ROOT_UPPER=""

# prepare_root FILES: the plugin files, cni-exec, subnet.env and the directories the
# chain writes, in FILES (the root itself, or the upper dir of its overlay).
prepare_root() {
    local root=$1
    mkdir -p "$root/proc" "$root/run/netns" "$root/run/flannel" "$root/var/lib/cni" "$root/etc/cni/net.d" "$root/tmp" || return
    suite_install "$bin" "$root/opt/cni/bin" >/dev/null || return
    cp "$bin" "$root/cni-exec" && chmod 0755 "$root/cni-exec" || return
    printf 'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n' \
        >"$root/run/flannel/subnet.env"
}

# chain_test LABEL ROOT FILES CONFLIST WITH_PORTMAP: VERSION of each plugin, then ADD/CHECK/DEL.
# FILES: where the root's written files are seen from outside (ROOT, or its overlay's upper dir).
chain_test() {
    local label=$1 root=$2 files=$3 conflist=$4 portmap=$5 p out pod="e2e-portable-pod-$$-${#PODS[@]}" id="portable-$$-${#PODS[@]}"
    echo "== $label"
    for p in "${SUITE_PLUGIN_NAMES[@]}"; do
        out=$(in_root "$root" CNI_COMMAND=VERSION "/opt/cni/bin/$p" </dev/null 2>&1)
        expect_contains "$label: $p VERSION runs" '"1.1.0"' "$out"
    done
    cp "$conflist" "$files/etc/cni/net.d/10-flannel.conflist"
    ip netns add "$pod" || { fail "$label: ip netns add $pod"; return; }
    PODS+=("$pod")
    local caps=""
    ((portmap)) && caps='{"portMappings":[{"hostPort":18080,"containerPort":80,"protocol":"tcp"}]}'
    out=$(in_root "$root" CNI_PATH=/opt/cni/bin CAP_ARGS="$caps" /cni-exec add /etc/cni/net.d/10-flannel.conflist "/run/netns/$pod" "$id" eth0 2>&1)
    if [[ "$out" != *'"10.244.1.'* ]]; then fail "$label: flannel chain ADD" "$out"; return; fi
    pass "$label: flannel chain ADD returns a pod address in 10.244.1.0/24"
    local ip
    ip=$(printf '%s' "$out" | jq -r '.ips[0].address | split("/")[0]' 2>/dev/null)
    expect_contains "$label: pod eth0 has $ip/24" "inet $ip/24" "$(ip -n "$pod" -4 addr show dev eth0 2>&1)"
    expect_contains "$label: node cni0 is the gateway 10.244.1.1/24" "inet 10.244.1.1/24" "$(ip -n "$NODE" -4 addr show dev cni0 2>&1)"
    check "$label: host-local reservation $ip is the container's" grep -q "^$id" "$files/var/lib/cni/networks/cbr0/$ip"
    check "$label: flannel saved the delegate config" test -s "$files/var/lib/cni/flannel/$id"
    if ((portmap)); then
        expect_contains "$label: portmap DNAT rule (Debian 11's iptables)" "--dport 18080" \
            "$(in_root "$root" /usr/sbin/iptables-save -t nat 2>&1)"
    fi
    out=$(in_root "$root" CNI_PATH=/opt/cni/bin CAP_ARGS="$caps" /cni-exec check /etc/cni/net.d/10-flannel.conflist "/run/netns/$pod" "$id" eth0 2>&1) \
        && pass "$label: CHECK" || fail "$label: CHECK" "$out"
    out=$(in_root "$root" CNI_PATH=/opt/cni/bin CAP_ARGS="$caps" /cni-exec del /etc/cni/net.d/10-flannel.conflist "/run/netns/$pod" "$id" eth0 2>&1) \
        && pass "$label: DEL" || fail "$label: DEL" "$out"
    check "$label: reservation released" test ! -e "$files/var/lib/cni/networks/cbr0/$ip"
    check "$label: saved config removed" test ! -e "$files/var/lib/cni/flannel/$id"
    expect_not_contains "$label: pod eth0 gone" "eth0" "$(ip -n "$pod" link show 2>&1)"
    if ((portmap)); then
        expect_not_contains "$label: portmap rules gone" "18080" "$(in_root "$root" /usr/sbin/iptables-save -t nat 2>&1)"
    fi
}

# The shipped conflist at cniVersion 1.0.0 (0.3.1 has no CHECK), whole and flannel alone.
python3 - "$E2E_ROOT/conflists/10-flannel.conflist" "$WORK" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["cniVersion"] = "1.0.0"
json.dump(c, open(sys.argv[2] + "/flannel-portmap.conflist", "w"))
c["plugins"] = [p for p in c["plugins"] if p["type"] == "flannel"]
json.dump(c, open(sys.argv[2] + "/flannel-only.conflist", "w"))
PY

# ---- the empty root --------------------------------------------------------------------------
empty="$WORK/empty"
mkdir -p "$empty"
if prepare_root "$empty"; then
    echo "empty root: $(cd "$empty" && find . -type f | sort | tr '\n' ' ')"
    chain_test "empty rootfs (binary + /proc only)" "$empty" "$empty" "$WORK/flannel-only.conflist" 0
else
    fail "prepare the empty root"
fi
ip -n "$NODE" link del cni0 2>/dev/null

# ---- Debian 11 -------------------------------------------------------------------------------
deb=$(debian_rootfs 2>"$WORK/rootfs.err"); rc=$?
if ((rc == 3)); then
    echo "  skip  Debian 11 chroot: $(cat "$WORK/rootfs.err" | tail -n 1) and no cached rootfs"
elif ((rc != 0)); then
    fail "make the Debian 11 rootfs" "$(cat "$WORK/rootfs.err")"
else
    echo "Debian 11 rootfs: $deb (glibc $(chroot "$deb" /usr/bin/ldd --version 2>/dev/null | head -n 1 | awk '{print $NF}'))"
    d11="$WORK/debian11"
    # The cached root stays read-only: each command mounts an overlay (upper dir in the temp dir).
    ROOT_LOWER=$deb ROOT_UPPER="$WORK/d11.upper"
    mkdir -p "$d11" "$ROOT_UPPER" "$ROOT_UPPER.work"
    if prepare_root "$ROOT_UPPER"; then
        chain_test "Debian 11 chroot (glibc 2.31, iptables 1.8.7)" "$d11" "$ROOT_UPPER" "$WORK/flannel-portmap.conflist" 1
    else
        fail "prepare the Debian 11 overlay"
    fi
    ROOT_LOWER="" ROOT_UPPER=""
fi
finish
