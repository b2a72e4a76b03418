#!/usr/bin/env bash
# Usage: scripts/e2e-vm.sh [--arch arm64|amd64|all]   (default: all)
# The suite on real kernels other than the build machine's, each in a private virtual machine:
# - arm64: qemu-system-aarch64 (TCG: -M virt -cpu cortex-a57) booting Debian 13's
#   linux-image-cloud-arm64 kernel, with dist/cni-plugins-arm64 (scripts/build.sh --arch arm64);
# - amd64: qemu-system-x86_64 (KVM when /dev/kvm can be opened and did not hang here before,
#   else TCG: scripts/lib/vm-boot.sh) booting Debian 11's linux-image-cloud-amd64 (5.10, the
#   oldest kernel of the node systems the README names), with dist/cni-plugins.
# Each VM boots an initramfs assembled from that release's .debs (busybox-static, iproute2,
# iptables, nftables, e2fsprogs and their libraries, fetched with a private apt configuration and unpacked
# with dpkg-deb -x: scripts/lib/vm-debs.sh; the kernel modules for veth, bridge, vxlan, ifb, tbf,
# ingress, u32, mirred, nf_tables, xtables, NAT, conntrack and loop: scripts/lib/vm_initramfs.py) and
# runs scripts/lib/vm-init.sh as /init: VERSION, the flannel chain with both firewall backends,
# hostPort traffic, ipMasq, kill -9 mid-ADD, GC, cni-inspect, with /var/lib/cni on ext4. The VM's console is printed here.
# Nothing is installed on the machine and its apt state is never used; downloads and the base
# initramfs are cached in /var/cache/swift-cni-plugins/vm-SUITE-ARCH ($VM_CACHE_DIR) and reused.
# An architecture is skipped, with the reason, when its qemu is missing, its binary cannot be
# built, or Debian's archive is unreachable and nothing is cached.
# Env: VM_TIMEOUT (seconds per VM; default 900), VM_KVM=0/1 (never/always try KVM), VM_KEEP=1
# keeps the temp dir, CNI_PLUGINS_ARM64_BIN / CNI_PLUGINS_BIN use a given binary.
# Closing line: "e2e-vm: N passed, M failed" (one check per VM, passed when the VM's own
# "vm-test: N passed, 0 failed" line is there); exits non-zero on failure.
set -uo pipefail
E2E_ROOT="$(cd "$(dirname "$0")/.." && pwd)"
. "$E2E_ROOT/scripts/lib/toolchain.sh"
. "$E2E_ROOT/scripts/lib/e2e-assert.sh"
. "$E2E_ROOT/scripts/lib/suite-binary.sh"
. "$E2E_ROOT/scripts/lib/vm-debs.sh"
. "$E2E_ROOT/scripts/lib/vm-boot.sh"
E2E_NAME=e2e-vm
VM_PACKAGES=(busybox-static iproute2 iptables nftables e2fsprogs)
VM_TOOLS="busybox ip tc nft xtables-nft-multi mke2fs"
VM_MODULES="loop veth bridge br_netfilter vxlan ifb sch_tbf sch_ingress cls_u32 act_mirred
 nfnetlink nf_tables nft_compat nft_chain_nat nft_nat nft_masq nft_ct nft_counter nft_redir nft_fib_inet
 nft_fib_ipv4 nft_fib_ipv6 nft_reject_inet nft_limit nf_nat nf_conntrack nf_conntrack_netlink x_tables
 xt_conntrack xt_comment xt_multiport xt_addrtype xt_MASQUERADE xt_nat xt_mark xt_tcpudp xt_physdev
 xt_statistic ipt_REJECT ip6t_REJECT"
CACHE=${VM_CACHE_DIR:-/var/cache/swift-cni-plugins}

arch=all
while (($#)); do
    case "$1" in
        --arch) arch=${2:-}; shift 2 || { echo "e2e-vm: --arch needs arm64, amd64 or all" >&2; exit 2; } ;;
        --arch=*) arch=${1#--arch=}; shift ;;
        -h | --help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "e2e-vm: unknown argument $1 (usage: scripts/e2e-vm.sh [--arch arm64|amd64|all])" >&2; exit 2 ;;
    esac
done
case "$arch" in
    all) arches=(amd64 arm64) ;;
    amd64 | arm64) arches=("$arch") ;;
    *) echo "e2e-vm: unknown --arch \"$arch\" (arm64, amd64 or all)" >&2; exit 2 ;;
esac
exec 3>&1  # progress lines of functions whose stdout is a result
SKIPPED=0
skip() { SKIPPED=$((SKIPPED + 1)); echo "  skip  $1"; }
if [ "$(id -u)" != 0 ]; then
    echo "$E2E_NAME: skipped: needs root (writes $CACHE)"; echo "$E2E_NAME: 0 passed, 0 failed, 1 skipped"; exit 0
fi
for tool in python3 curl readelf timeout; do
    command -v "$tool" >/dev/null || { echo "$E2E_NAME: skipped: $tool is not installed"; exit 0; }
done
WORK=$(mktemp -d /tmp/e2e-vm.XXXXXX)
cleanup() { if [ "${VM_KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi; }
trap cleanup EXIT

# The conflists the VM runs: the shipped one at cniVersion 1.1.0 (CHECK, GC), once per backend.
python3 - "$E2E_ROOT/conflists/10-flannel.conflist" "$WORK" <<'PY' || { fail "write the VM conflists"; finish; }
import json, sys
for backend in ("iptables", "nftables"):
    c = json.load(open(sys.argv[1]))
    c["cniVersion"] = "1.1.0"
    for p in c["plugins"]:
        if p["type"] == "flannel":
            p["delegate"]["ipMasqBackend"] = backend
        if p["type"] == "portmap":
            p["backend"] = backend
    json.dump(c, open(f"{sys.argv[2]}/flannel-{backend}.conflist", "w"), indent=1)
PY

# vm_binary ARCH: prints the suite binary for ARCH, or returns 1 with the reason on stderr.
vm_binary() {
    local bin out
    if [ "$1" = amd64 ]; then
        bin=$(suite_binary "$E2E_ROOT") || return 1
    elif [ -n "${CNI_PLUGINS_ARM64_BIN:-}" ]; then
        bin=$CNI_PLUGINS_ARM64_BIN
    else
        bin="$E2E_ROOT/dist/cni-plugins-arm64"
        if ! suite_binary_is_fresh "$bin" "$E2E_ROOT"; then
            if ! grep -q -- '--arch' "$E2E_ROOT/scripts/build.sh"; then
                echo "scripts/build.sh has no --arch arm64 (no arm64 build in this tree)" >&2; return 1
            fi
            echo "building $bin (scripts/build.sh --arch arm64)" >&3
            if ! out=$("$E2E_ROOT/scripts/build.sh" --arch arm64 2>&1 >/dev/null); then
                echo "scripts/build.sh --arch arm64 failed: $(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')" >&2; return 1
            fi
        fi
    fi
    [ -x "$bin" ] || { echo "$bin is not executable" >&2; return 1; }
    local machine; machine=$(readelf -hW "$bin" | awk -F: '/Machine:/ {gsub(/^ +/, "", $2); print $2}')
    case "$1:$machine" in
        amd64:*X86-64* | arm64:*AArch64*) ;;
        *) echo "$bin is for \"$machine\", not $1" >&2; return 1 ;;
    esac
    if readelf -lW "$bin" | grep -q INTERP; then echo "$bin is dynamically linked (scripts/build.sh makes the static one)" >&2; return 1; fi
    echo "$bin"
}

# vm_base_initramfs DIR: DIR/initramfs-base.cpio.gz, remade when vm_initramfs.py or the module
# list changed (its inputs' digest is kept beside it).
vm_base_initramfs() {
    local dir=$1 out="$1/initramfs-base.cpio.gz" key
    key=$({ cat "$E2E_ROOT/scripts/lib/vm_initramfs.py"; echo "$VM_TOOLS $VM_MODULES"; cat "$dir/root/.complete" "$dir/kernel/.complete"; } | sha256sum | cut -c1-64)
    if [ -f "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ]; then echo "$out"; return 0; fi
    python3 "$E2E_ROOT/scripts/lib/vm_initramfs.py" base --root "$dir/root" --kernel "$dir/kernel" \
        --tools "$VM_TOOLS" --modules "$VM_MODULES" --out "$out" >&2 || return 1
    echo "$key" >"$out.key.tmp" && mv -f "$out.key.tmp" "$out.key"
    echo "$out"
}

run_vm() {
    local arch=$1 suite qemu machine console bin dir rc
    case "$arch" in
        arm64) suite=trixie qemu=qemu-system-aarch64 machine=(-M virt -cpu cortex-a57) console=ttyAMA0 ;;
        amd64) suite=bullseye qemu=qemu-system-x86_64 machine=(-M q35) console=ttyS0 ;;
    esac
    echo "== $arch: Debian $suite's cloud kernel in $qemu"
    command -v "$qemu" >/dev/null || { skip "$arch VM: $qemu is not installed (scripts/deps.sh --test installs it)"; return; }
    bin=$(vm_binary "$arch" 2>"$WORK/err") || { skip "$arch VM: no $arch binary: $(tail -n 1 "$WORK/err")"; return; }
    echo "binary: $bin ($(file -b "$bin" 2>/dev/null | cut -d, -f1,2))"
    dir="$CACHE/vm-$suite-$arch"
    vm_debs_root "$suite" "$arch" "$dir" "${VM_PACKAGES[@]}" 2>"$WORK/err"; rc=$?
    if ((rc == 3)); then skip "$arch VM: $(tail -n 1 "$WORK/err") and nothing is cached in $dir"; return; fi
    ((rc == 0)) || { fail "$arch VM: fetch Debian $suite packages" "$(cat "$WORK/err")"; return; }
    local base; base=$(vm_base_initramfs "$dir") || { fail "$arch VM: build the base initramfs"; return; }
    local run="$WORK/$arch" kernel
    kernel=$(ls "$dir"/kernel/boot/vmlinuz-* | head -n 1)
    echo "kernel: $(cat "$dir/kernel/.package") ($(basename "$kernel")), userland: $(wc -l <"$dir/root/.debs") .debs"
    mkdir -p "$run/tree/opt/suite" "$run/tree/etc/vm-test" || return
    install -m 0755 "$E2E_ROOT/scripts/lib/vm-init.sh" "$run/tree/init"
    install -m 0755 "$bin" "$run/tree/opt/suite/cni-plugins"
    cp "$WORK"/flannel-*.conflist "$run/tree/etc/vm-test/"
    cp "$E2E_ROOT/conflists/10-flannel-k3s.conflist" "$run/tree/etc/vm-test/k3s.conflist"
    echo "${VM_BACKENDS:-iptables nftables}" >"$run/tree/etc/vm-test/backends"
    python3 "$E2E_ROOT/scripts/lib/vm_initramfs.py" tree --src "$run/tree" --out "$run/suite.cpio.gz" || { fail "$arch VM: pack the test files"; return; }
    cat "$base" "$run/suite.cpio.gz" >"$run/initrd"
    # KVM when /dev/kvm works and is not known to hang here (scripts/lib/vm-boot.sh), else TCG.
    vm_boot_any "$run" "$arch" "${VM_TIMEOUT:-900}" '^vm-test: kernel' "$qemu" "${machine[@]}" -smp 2 -m 1024 -kernel "$kernel" \
        -append "console=$console rdinit=/init panic=-1 loglevel=4"; rc=$?
    local line; line=$(grep -E '^vm-test: [0-9]+ passed, [0-9]+ failed' "$run/console.log" | tail -n 1)
    if [ -z "$line" ]; then
        fail "$arch VM ($(cat "$dir/kernel/.package")): no \"vm-test: N passed, M failed\" line (qemu exit $rc)"
    elif [[ "$line" == *" 0 failed" ]]; then
        pass "$arch VM ($(cat "$dir/kernel/.package")): ${line#vm-test: }"
    else
        fail "$arch VM ($(cat "$dir/kernel/.package")): ${line#vm-test: }" "$(grep -E '^ *FAIL ' "$run/console.log")"
    fi
}

for a in "${arches[@]}"; do run_vm "$a"; done
((SKIPPED)) && echo "$E2E_NAME: $SKIPPED skipped"
finish
