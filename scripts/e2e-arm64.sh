#!/usr/bin/env bash
# The arm64 build and its smoke tests under qemu-user, as root:
# - builds dist/cni-plugins-arm64 with `scripts/build.sh --arch arm64` when it is missing or
#   older than the sources (the toolchain root is cached; skipped with the reason when it is
#   not cached yet and Debian's archive is unreachable);
# - checks the file: aarch64, fully static (no PT_INTERP, no DT_NEEDED), a SHA-1 build-id;
# - the x86_64 binary's `install --from` refuses it (wrong architecture), writing nothing;
# - under qemu-aarch64-static (Debian's qemu-user-static, run directly: no binfmt registration):
#   `install` (the binary copies itself), each plugin name's VERSION, loopback ADD,
#   bridge + host-local ADD/CHECK/STATUS/GC/DEL and the flannel chain (flannel delegating to
#   bridge and host-local in-process, as on a node: same build-id) for two pods that ping each
#   other, in private network namespaces: a "node" netns the plugins run in, one per pod.
#   That covers the architecture-dependent code the plugins run (netlink message layout and
#   alignment, the netns check's statfs, the ELF build-id reader of in-process delegation).
#   portmap's iptables backend (the machine's iptables-restore, exec'd natively) ADD/CHECK/DEL;
#   the nftables backend failing with a CNI error JSON and a clean rollback.
# Not here: whatever needs netfilter netlink (the nftables backends, bridge DEL, which removes
# masquerade rules of both backends, conntrack): qemu-user cannot open NETLINK_NETFILTER
# sockets, so they fail under it whatever the binary; those paths run on a real arm64 kernel
# in the VM test (scripts/e2e-vm.sh).
# Closing line: "e2e-arm64: N passed, M failed".
set -uo pipefail
E2E_ROOT="$(cd "$(dirname "$0")/.." && pwd)"
. "$E2E_ROOT/scripts/lib/toolchain.sh"
. "$E2E_ROOT/scripts/lib/e2e-assert.sh"
. "$E2E_ROOT/scripts/lib/suite-binary.sh"
E2E_NAME=e2e-arm64

skip() { echo "$E2E_NAME: skipped: $*"; echo "$E2E_NAME: 0 passed, 0 failed, 1 skipped"; exit 0; }
[ "$(id -u)" = 0 ] || skip "needs root (the toolchain root's chroot, network namespaces)"
for tool in unshare chroot ip python3 readelf; do command -v "$tool" >/dev/null || skip "$tool is not installed"; done
QEMU=$(command -v qemu-aarch64-static) || skip "qemu-aarch64-static is not installed (scripts/deps.sh --test installs qemu-user-static)"

WORK=$(mktemp -d /tmp/e2e-arm64.XXXXXX)
NODE="a64-node-$$"
PODS=()
cleanup() {
    local p
    for p in "${PODS[@]}"; do ip netns del "$p" 2>/dev/null; done
    ip netns del "$NODE" 2>/dev/null
    rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

# ---- the build ------------------------------------------------------------------------------
arm=$E2E_ROOT/dist/cni-plugins-arm64
if suite_binary_is_fresh "$arm" "$E2E_ROOT"; then
    echo "binary: $arm (up to date)"
else
    echo "building $arm (scripts/build.sh --arch arm64)"
    start=$SECONDS
    "$E2E_ROOT/scripts/build.sh" --arch arm64 >"$WORK/build.out" 2>"$WORK/build.err"
    rc=$?
    if ((rc == 3)); then
        skip "$(tail -n 1 "$WORK/build.err") and the arm64 toolchain root is not cached"
    elif ((rc != 0)); then
        fail "scripts/build.sh --arch arm64" "$(tail -n 30 "$WORK/build.err")"; finish
    fi
    pass "scripts/build.sh --arch arm64 ($((SECONDS - start)) s)"
fi
echo "size: $(stat -c %s "$arm") bytes"
expect_contains "aarch64 ELF" "AArch64" "$(readelf -hW "$arm" 2>&1 | grep Machine:)"
expect_not_contains "no program interpreter (PT_INTERP)" "INTERP" "$(readelf -lW "$arm" 2>&1)"
expect_not_contains "no shared libraries (DT_NEEDED)" "NEEDED" "$(readelf -dW "$arm" 2>&1)"
check "SHA-1 build-id note" sh -c "readelf -nW '$arm' | grep -Eq 'Build ID: [0-9a-f]{40}\$'"

# ---- the x86_64 installer refuses it --------------------------------------------------------
if host=$(suite_binary "$E2E_ROOT" 2>"$WORK/host.err"); then
    mkdir -p "$WORK/refused"
    out=$( (exec -a cni-plugins "$host" install --from "$arm" "$WORK/refused") 2>&1); rc=$?
    expect_eq "x86_64 install --from the arm64 binary exits 1" 1 "$rc"
    expect_contains "the refusal names both architectures" "is built for aarch64, this machine runs x86_64" "$out"
    expect_eq "nothing was written" "" "$(ls -A "$WORK/refused")"
    out=$( (exec -a cni-plugins "$host" install --from "$E2E_ROOT/scripts/build.sh" "$WORK/refused") 2>&1)
    expect_contains "install --from a script is refused" "is not an ELF executable" "$out"
    out=$( (exec -a cni-plugins "$host" install --from "$host" "$WORK/accepted") 2>&1)
    expect_contains "install --from an x86_64 build installs it" "installed" "$out"
    check "... each name a copy of it" cmp "$host" "$WORK/accepted/bridge"
else
    fail "find or build the x86_64 binary" "$(cat "$WORK/host.err")"
fi

# ---- under qemu-aarch64-static ---------------------------------------------------------------
# arm RUN... : runs the arm64 plugin DIR/NAME under qemu in the node netns, clean environment
# (VAR=value words first).
BIN="$WORK/bin"
arm() {
    local vars=()
    while (($#)) && [[ "$1" == *=* ]] && [[ "$1" != /* ]]; do vars+=("$1"); shift; done
    ip netns exec "$NODE" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "${vars[@]}" "$QEMU" "$@"
}
ip netns add "$NODE" || { fail "ip netns add $NODE"; finish; }
ip -n "$NODE" link set lo up

cp "$arm" "$WORK/cni-plugins" && chmod 0755 "$WORK/cni-plugins"
out=$(arm "$WORK/cni-plugins" install "$BIN" 2>&1)
expect_contains "install (the binary copies itself, under qemu)" "installed" "$out"
for p in "${SUITE_PLUGIN_NAMES[@]}"; do
    check "$p is a copy of the arm64 binary" cmp "$arm" "$BIN/$p"
    out=$(arm CNI_COMMAND=VERSION "$BIN/$p" </dev/null 2>&1)
    expect_contains "$p VERSION" '"supportedVersions"' "$out"
done
out=$(arm "$BIN/bridge" </dev/null 2>&1)
expect_contains "bridge names itself when run without CNI_COMMAND" "CNI bridge plugin" "$out"

# new_pod: a pod netns, its name in $pod (not a subshell: PODS is what cleanup deletes).
new_pod() {
    pod="a64-pod-$$-${#PODS[@]}"
    ip netns add "$pod" || return 1
    PODS+=("$pod")
}
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)" 2>/dev/null; }
# with_prev CONF RESULT: CONF with prevResult RESULT (what a runtime hands CHECK).
with_prev() {
    python3 -c 'import json,sys; c=json.loads(sys.argv[1]); c["prevResult"]=json.loads(sys.argv[2]); print(json.dumps(c))' "$1" "$2"
}

# loopback
new_pod || { fail "ip netns add"; finish; }
out=$(arm CNI_COMMAND=ADD CNI_CONTAINERID=a64-lo CNI_NETNS="/run/netns/$pod" CNI_IFNAME=lo CNI_PATH="$BIN" "$BIN/loopback" \
    <<<'{"cniVersion":"1.0.0","name":"lo","type":"loopback"}' 2>&1)
expect_contains "loopback ADD" '"interfaces"' "$out"
expect_contains "pod lo is up" "UP" "$(ip -n "$pod" link show lo 2>&1 | head -n 1)"

# bridge + host-local
STORE="$WORK/ipam"
conf=$(printf '{"cniVersion":"1.1.0","name":"a64net","type":"bridge","bridge":"a64br0","isGateway":true,"ipMasq":false,"mtu":1400,"ipam":{"type":"host-local","dataDir":"%s","ranges":[[{"subnet":"10.99.0.0/24"}]],"routes":[{"dst":"0.0.0.0/0"}]}}' "$STORE")
env_for() { echo "CNI_CONTAINERID=$2 CNI_NETNS=/run/netns/$3 CNI_IFNAME=eth0 CNI_PATH=$BIN CNI_COMMAND=$1"; }
new_pod || { fail "ip netns add"; finish; }
# shellcheck disable=SC2046 # the words of env_for
added=$(arm $(env_for ADD a64-c1 "$pod") "$BIN/bridge" <<<"$conf" 2>&1)
ip1=$(printf '%s' "$added" | field 'd["ips"][0]["address"].split("/")[0]')
if [[ "$ip1" == 10.99.0.* ]]; then pass "bridge ADD: $ip1"; else fail "bridge ADD" "$added"; fi
expect_contains "pod eth0 has $ip1/24" "inet $ip1/24" "$(ip -n "$pod" -4 addr show dev eth0 2>&1)"
expect_contains "pod eth0 MTU 1400" "mtu 1400" "$(ip -n "$pod" link show dev eth0 2>&1)"
expect_contains "pod default route via the gateway" "default via 10.99.0.1" "$(ip -n "$pod" route 2>&1)"
expect_contains "node a64br0 is the gateway 10.99.0.1/24" "inet 10.99.0.1/24" "$(ip -n "$NODE" -4 addr show dev a64br0 2>&1)"
check "host-local reservation $ip1" grep -q '^a64-c1' "$STORE/a64net/$ip1"
# shellcheck disable=SC2046
out=$(with_prev "$conf" "$added" | arm $(env_for CHECK a64-c1 "$pod") "$BIN/bridge" 2>&1) \
    && pass "bridge CHECK" || fail "bridge CHECK" "$out"
out=$(arm CNI_COMMAND=STATUS CNI_PATH="$BIN" "$BIN/bridge" <<<"$conf" 2>&1) && pass "bridge STATUS" || fail "bridge STATUS" "$out"
# GC with a valid attachment list that keeps a64-c1, after a stray reservation was made.
printf 'a64-stray\r\neth0' >"$STORE/a64net/10.99.0.200"
gc=$(printf '%s' "$conf" | python3 -c '
import json,sys; c=json.load(sys.stdin); c["cni.dev/valid-attachments"]=[{"containerID":"a64-c1","ifname":"eth0"}]; print(json.dumps(c))')
out=$(arm CNI_COMMAND=GC CNI_PATH="$BIN" "$BIN/bridge" <<<"$gc" 2>&1) && pass "bridge GC" || fail "bridge GC" "$out"
check "GC released the stray reservation" test ! -e "$STORE/a64net/10.99.0.200"
check "GC kept the valid one" test -e "$STORE/a64net/$ip1"
# shellcheck disable=SC2046
out=$(arm $(env_for DEL a64-c1 "$pod") "$BIN/bridge" <<<"$conf" 2>&1) && pass "bridge DEL" || fail "bridge DEL" "$out"
check "reservation released" test ! -e "$STORE/a64net/$ip1"
expect_not_contains "pod eth0 gone" "eth0" "$(ip -n "$pod" link show 2>&1)"
# shellcheck disable=SC2046
out=$(arm $(env_for DEL a64-c1 "$pod") "$BIN/bridge" <<<"$conf" 2>&1) && pass "bridge DEL again (idempotent)" || fail "bridge DEL again" "$out"
ip -n "$NODE" link del a64br0 2>/dev/null

# the flannel chain, two pods
mkdir -p "$WORK/run/flannel"
printf 'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n' >"$WORK/run/flannel/subnet.env"
fconf=$(printf '{"cniVersion":"1.0.0","name":"cbr0","type":"flannel","subnetFile":"%s","dataDir":"%s","delegate":{"hairpinMode":true,"isDefaultGateway":true},"ipam":{"dataDir":"%s"}}' \
    "$WORK/run/flannel/subnet.env" "$WORK/flannel" "$STORE")
declare -A addr
for i in 1 2; do
    new_pod || { fail "ip netns add"; finish; }
    # shellcheck disable=SC2046
    out=$(arm $(env_for ADD "a64-f$i" "$pod") "$BIN/flannel" <<<"$fconf" 2>&1)
    a=$(printf '%s' "$out" | field 'd["ips"][0]["address"].split("/")[0]')
    if [[ "$a" == 10.244.1.* ]]; then pass "flannel ADD pod $i: $a"; else fail "flannel ADD pod $i" "$out"; continue; fi
    addr[$i]=$a
    expect_contains "pod $i eth0 MTU 1450" "mtu 1450" "$(ip -n "$pod" link show dev eth0 2>&1)"
    expect_contains "pod $i route to 10.244.0.0/16" "10.244.0.0/16 via 10.244.1.1" "$(ip -n "$pod" route 2>&1)"
    check "flannel saved pod $i's delegate config" test -s "$WORK/flannel/a64-f$i"
    check "host-local reserved $a in the test's store" grep -q "^a64-f$i" "$STORE/cbr0/$a"
    # shellcheck disable=SC2046
    out=$(with_prev "$fconf" "$out" | arm $(env_for CHECK "a64-f$i" "$pod") "$BIN/flannel" 2>&1) && pass "flannel CHECK pod $i" || fail "flannel CHECK pod $i" "$out"
done
# portmap's iptables backend: iptables-restore is the machine's own (x86_64) program, which
# qemu-user execs natively; only the UDP conntrack flush needs ctnetlink (not exercised).
pm=$(printf '{"cniVersion":"1.0.0","name":"cbr0","type":"portmap","runtimeConfig":{"portMappings":[{"hostPort":18080,"containerPort":80,"protocol":"tcp"}]},"prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/run/netns/%s"}],"ips":[{"interface":0,"address":"%s/24","gateway":"10.244.1.1"}]}}' \
    "${PODS[2]}" "${addr[1]:-10.244.1.2}")
# shellcheck disable=SC2046
out=$(arm $(env_for ADD a64-f1 "${PODS[2]}") "$BIN/portmap" <<<"$pm" 2>&1) && pass "portmap ADD (iptables)" || fail "portmap ADD (iptables)" "$out"
expect_contains "portmap DNAT rule for hostPort 18080" "--dport 18080" "$(ip netns exec "$NODE" iptables-save -t nat 2>&1)"
# shellcheck disable=SC2046
out=$(arm $(env_for CHECK a64-f1 "${PODS[2]}") "$BIN/portmap" <<<"$pm" 2>&1) && pass "portmap CHECK" || fail "portmap CHECK" "$out"
# shellcheck disable=SC2046
out=$(arm $(env_for DEL a64-f1 "${PODS[2]}") "$BIN/portmap" <<<"$pm" 2>&1) && pass "portmap DEL" || fail "portmap DEL" "$out"
expect_not_contains "portmap rules gone" "18080" "$(ip netns exec "$NODE" iptables-save -t nat 2>&1)"
expect_contains "node cni0 is 10.244.1.1/24" "inet 10.244.1.1/24" "$(ip -n "$NODE" -4 addr show dev cni0 2>&1)"
if [ -n "${addr[1]:-}" ] && [ -n "${addr[2]:-}" ]; then
    check "pod 1 pings pod 2 (${addr[2]})" ip netns exec "${PODS[2]}" ping -c 1 -W 5 "${addr[2]}"
fi
for i in 1 2; do
    # shellcheck disable=SC2046
    out=$(arm $(env_for DEL "a64-f$i" "${PODS[$((i + 1))]}") "$BIN/flannel" <<<"$fconf" 2>&1) \
        && pass "flannel DEL pod $i" || fail "flannel DEL pod $i" "$out"
    check "pod $i's saved config removed" test ! -e "$WORK/flannel/a64-f$i"
done
expect_eq "no reservation left in cbr0" "" "$(find "$STORE/cbr0" -maxdepth 1 -name '10.*' 2>/dev/null)"
expect_eq "no veth left on the node" "" "$(ip -n "$NODE" -o link show type veth 2>&1)"

# Where netfilter netlink is needed, the binary answers with a CNI error (not a trap) and the
# failed ADD undoes itself: nothing is left on the node or in the store.
new_pod || { fail "ip netns add"; finish; }
nconf=$(printf '{"cniVersion":"1.0.0","name":"a64nft","type":"bridge","bridge":"a64br1","isGateway":true,"ipMasq":true,"ipMasqBackend":"nftables","ipam":{"type":"host-local","dataDir":"%s","ranges":[[{"subnet":"10.98.0.0/24"}]]}}' "$STORE")
# shellcheck disable=SC2046
out=$(arm $(env_for ADD a64-n1 "$pod") "$BIN/bridge" <<<"$nconf" 2>/dev/null); rc=$?
expect_eq "nftables ipMasq under qemu-user: ADD exits 1" 1 "$rc"
expect_eq "... with a CNI error naming the netfilter socket" "999 True" \
    "$(printf '%s' "$out" | field 'd["code"], "netfilter netlink socket" in d["msg"]' | tr -d "(),'")"
expect_eq "... and leaves no veth, no reservation" "" \
    "$(ip -n "$NODE" -o link show type veth 2>&1; find "$STORE/a64nft" -maxdepth 1 -name '10.*' 2>/dev/null)"

echo "  skip  nftables backends, ipMasq DEL, conntrack: qemu-user cannot open NETLINK_NETFILTER sockets" \
    "(nftables netlink, ctnetlink); those run on a real arm64 kernel in scripts/e2e-vm.sh"
finish
