#!/usr/bin/env bash
# Installs the release build into a temp dir and checks what users depend on:
# - the binary is fully static (no PT_INTERP, no DT_NEEDED; `file`: statically linked; `ldd`:
#   not a dynamic executable), with no rpath/runpath;
# - every plugin name is its own regular file (own inode, link count 1), all six the same build
#   (same ELF build-id), and each runs under its own name (VERSION lists 1.1.0);
# - the six files together take at most 63 MiB (a copy per name: 6 × the binary, each ≤ 10.5 MiB);
# - `cp -f <foreign binary> DIR/flannel`, exactly as kube-flannel's init container does, leaves
#   bridge, host-local, portmap, loopback and bandwidth intact: byte-identical to the build, VERSION still
#   ours, and (as root, in a private node netns) a bridge ADD/DEL still works, with host-local run
#   in-process (same build-id: no exec, seen with strace) — and exec'ed once the reference
#   host-local is copied over ours;
# - installing twice changes nothing (same inodes);
# - a conflist installed by `cni-plugins install --conflist` or `scripts/install.sh --conflist`
#   is mode 0600, complete, and no temp file is left.
# Closing line: "install check: N passed, M failed".
set -uo pipefail
. "$(dirname "$0")/lib/toolchain.sh"
. "$(dirname "$0")/lib/suite-binary.sh"
cd "$(dirname "$0")/.." || exit 1
BUDGET_KIB=64512  # 6 × 10.5 MiB for the six files
dir=$(mktemp -d /tmp/cni-install-check.XXXXXX)
node="cni-ic-node-$$" pod="cni-ic-pod-$$"
cleanup() {
    ip netns del "$pod" 2>/dev/null
    ip netns del "$node" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT
passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
finish() { echo "install check: $passed passed, $failed failed"; ((failed == 0)); exit; }

scripts/install.sh "$dir/bin" >/dev/null || { fail "scripts/install.sh $dir/bin"; finish; }
bin=$(suite_binary "$PWD" --no-build) || { fail "no suite binary"; finish; }
bindir="$dir/bin"

# ---- static ----------------------------------------------------------------------------------
if readelf -lW "$bin" | grep -q INTERP; then fail "$bin has a PT_INTERP (needs a dynamic loader)"; else pass "no PT_INTERP"; fi
if readelf -dW "$bin" 2>/dev/null | grep -q NEEDED; then
    fail "$bin needs shared libraries: $(readelf -dW "$bin" | grep NEEDED | tr -s ' ' | tr '\n' ';')"
else pass "no DT_NEEDED"; fi
if readelf -dW "$bin" 2>/dev/null | grep -q -E 'RPATH|RUNPATH'; then fail "$bin has an rpath/runpath"; else pass "no rpath/runpath"; fi
file -b "$bin" | grep -q "statically linked" && pass "file: statically linked" \
    || fail "file does not say statically linked: $(file -b "$bin")"
ldd_out=$(ldd "$bin" 2>&1)
echo "$ldd_out" | grep -q 'not a dynamic executable' && pass "ldd: not a dynamic executable" || fail "ldd: $ldd_out"
build_id=$(readelf -n "$bin" | awk '/Build ID/ {print $3}')
[ -n "$build_id" ] && pass "build-id $build_id" || fail "$bin has no GNU build-id note (in-process delegation needs it)"

# ---- layout ----------------------------------------------------------------------------------
inodes=()
for p in "${SUITE_PLUGIN_NAMES[@]}"; do
    f="$bindir/$p"
    if [ -L "$f" ] || [ ! -f "$f" ]; then fail "$p is not a regular file"; continue; fi
    [ "$(stat -c %h "$f")" = 1 ] || fail "$p has $(stat -c %h "$f") hard links (a cp over one name would change the others)"
    inodes+=("$(stat -c %i "$f")")
    cmp -s "$f" "$bin" || fail "$p differs from $bin"
    [ "$(readelf -n "$f" | awk '/Build ID/ {print $3}')" = "$build_id" ] || fail "$p has another build-id"
    out=$(CNI_COMMAND=VERSION "$f" </dev/null)
    echo "$out" | grep -q '"1.1.0"' || fail "$p VERSION: $out"
done
distinct=$(printf '%s\n' "${inodes[@]}" | sort -u | wc -l)
[ "$distinct" = "${#SUITE_PLUGIN_NAMES[@]}" ] && pass "six names, six files (own inode each), all one build, VERSION 1.1.0" \
    || fail "only $distinct distinct files for ${#SUITE_PLUGIN_NAMES[@]} names"
hidden=$(find "$bindir" -mindepth 1 -name '.*' | head -n 3)
[ -z "$hidden" ] && pass "no temp files left" || fail "temp files left in $bindir: $hidden"

kib=$(du -sk "$bindir" | cut -f1)
echo "install check: $kib KiB for the six files ($(stat -c %s "$bin") bytes each) in $bindir"
((kib <= BUDGET_KIB)) && pass "size $kib KiB <= $BUDGET_KIB KiB" || fail "installed suite is $kib KiB > $BUDGET_KIB KiB (6 × 10.5 MiB)"

# ---- idempotent ------------------------------------------------------------------------------
# A temp file of an install killed mid-write (its pid is gone) is swept by the next install.
deadpid=$(( $(cat /proc/sys/kernel/pid_max) + 1 ))  # no process can have it
printf 'partial' >"$bindir/.bridge.tmp-$deadpid-0badcafe"
before=$(stat -c '%n %i %Y' "$bindir"/* | sort)
(exec -a cni-plugins "$bin" install "$bindir") >"$dir/second.out" || fail "second install failed"
after=$(stat -c '%n %i %Y' "$bindir"/* | sort)
[ "$before" = "$after" ] && pass "installing again changes nothing: $(cat "$dir/second.out")" \
    || fail "second install rewrote files: $before -> $after"
[ ! -e "$bindir/.bridge.tmp-$deadpid-0badcafe" ] && pass "an abandoned temp file of a killed install was removed" \
    || fail "abandoned temp file .bridge.tmp-$deadpid-0badcafe left in $bindir"

# ---- conflists: 0600 (CIS Kubernetes 1.1.9), renamed into place ------------------------------
for how in binary script; do
    netconf="$dir/net.d-$how"
    if [ "$how" = binary ]; then
        (exec -a cni-plugins "$bin" install "$bindir" --conflist conflists/10-flannel.conflist --netconf-dir "$netconf") >/dev/null
    else
        scripts/install.sh "$bindir" --no-build --conflist conflists/10-flannel.conflist --netconf-dir "$netconf" >/dev/null
    fi || { fail "$how: installing the conflist failed"; continue; }
    f="$netconf/10-flannel.conflist"
    mode=$(stat -c %a "$f" 2>/dev/null)
    left=$(find "$netconf" -mindepth 1 -name '.*' | head -n 3)
    if [ "$mode" = 600 ] && cmp -s "$f" conflists/10-flannel.conflist && [ -z "$left" ]; then
        pass "$how installs the conflist with mode 0600, no temp file left"
    else
        fail "$how: $f mode ${mode:-missing} (want 600), temp files: ${left:-none}"
    fi
done

# ---- cp -f over flannel ----------------------------------------------------------------------
foreign=/usr/lib/cni/bridge
[ -x "$foreign" ] || foreign=/bin/true
cp -f "$foreign" "$bindir/flannel"
cmp -s "$foreign" "$bindir/flannel" || fail "cp -f did not replace flannel"
ok=1
for p in bridge host-local portmap loopback bandwidth; do
    cmp -s "$bindir/$p" "$bin" || { fail "$p changed after cp -f over flannel"; ok=0; }
    out=$(CNI_COMMAND=VERSION "$bindir/$p" </dev/null)
    echo "$out" | grep -q '"1.1.0"' || { fail "$p VERSION after cp -f over flannel: $out"; ok=0; }
done
((ok)) && pass "cp -f $foreign $bindir/flannel: the other five are intact and answer VERSION as ours"

# ---- a bridge ADD after the cp, host-local in-process vs exec'ed ------------------------------
bridge_add() {  # $1: label; runs ADD (under strace, execs logged to $dir/trace) then DEL
    local conf="$dir/bridge.json" out
    rm -rf "$dir/ipam"
    cat >"$conf" <<JSON
{"cniVersion":"1.0.0","name":"ic","type":"bridge","bridge":"cni0","isGateway":true,
 "ipam":{"type":"host-local","dataDir":"$dir/ipam","ranges":[[{"subnet":"10.250.0.0/24"}]]}}
JSON
    out=$(ip netns exec "$node" env CNI_COMMAND=ADD CNI_CONTAINERID=ic1 CNI_NETNS="/run/netns/$pod" CNI_IFNAME=eth0 \
        CNI_PATH="$bindir" strace -f -qq -e trace=execve -o "$dir/trace" "$bindir/bridge" <"$conf")
    echo "$out" | grep -q '"10.250.0.2/24"' || { fail "$1: bridge ADD: $out"; return 1; }
    ip -n "$pod" -4 addr show dev eth0 | grep -q 10.250.0.2/24 || { fail "$1: pod has no 10.250.0.2 on eth0"; return 1; }
    out=$(ip netns exec "$node" env CNI_COMMAND=DEL CNI_CONTAINERID=ic1 CNI_NETNS="/run/netns/$pod" CNI_IFNAME=eth0 \
        CNI_PATH="$bindir" "$bindir/bridge" <"$conf") || { fail "$1: bridge DEL: $out"; return 1; }
    [ -z "$(find "$dir/ipam/ic" -mindepth 1 ! -name lock ! -name boot_id ! -name 'last_reserved_ip*' 2>/dev/null)" ] \
        || { fail "$1: reservation left after DEL: $(ls "$dir/ipam/ic")"; return 1; }
}
if [ "$(id -u)" != 0 ]; then
    echo "skip: bridge ADD after cp -f (needs root for network namespaces)"
elif ! command -v strace >/dev/null; then
    fail "strace missing (scripts/deps.sh --test installs it)"
else
    ip netns add "$node" && ip netns add "$pod" && ip -n "$node" link set lo up
    if bridge_add "same build"; then
        if grep -q 'execve("[^"]*host-local"' "$dir/trace"; then fail "host-local was exec'ed although it is the same build"
        else pass "bridge ADD/DEL after cp -f over flannel; host-local ran in-process (same build-id, own file)"; fi
    fi
    if [ -x /usr/lib/cni/host-local ]; then
        cp -f /usr/lib/cni/host-local "$bindir/host-local"
        if bridge_add "reference host-local"; then
            grep -q "execve(\"$bindir/host-local\"" "$dir/trace" \
                && pass "bridge ADD/DEL with the reference host-local copied over ours: it is exec'ed" \
                || fail "the reference host-local in CNI_PATH was not exec'ed"
        fi
    fi
fi
finish
