# shellcheck shell=bash
# Sourced by the e2e scripts: runs a command as root under another Linux kernel, for tests
# whose kernel features the machine's own kernel lacks (e2e-cluster's ipip and ipsec passes
# need ipip, esp4 and gcm(aes), which a kernel built without modules may not have).
#
# The kernel is Debian's generic one (the package behind linux-image-amd64 of $VM_KERNEL_SUITE,
# default bookworm; the cloud kernel has no 9p), fetched as a .deb with the private apt
# configuration of scripts/lib/vm-debs.sh and unpacked, with depmod's indexes, into
# $VM_CACHE_DIR/vm-SUITE-amd64-generic (reused; nothing is installed on the machine). qemu
# boots it (scripts/lib/vm-boot.sh: TCG, or KVM where it works) with an initramfs of a static
# busybox and the virtio/9p modules (scripts/lib/vm_initramfs.py resolves their dependencies);
# its /init mounts the machine's root filesystem read-only over virtio-9p and hands over to
# kernel-vm-init.sh, which puts tmpfs on /tmp and /run and the cached module tree on
# /lib/modules (so modprobe loads the rest on demand); a second 9p share (read-write) carries
# the job script in and its output and status back. The guest has no network device.

# shellcheck source=scripts/lib/vm-debs.sh
. "$(dirname "${BASH_SOURCE[0]}")/vm-debs.sh"
# shellcheck source=scripts/lib/vm-boot.sh
. "$(dirname "${BASH_SOURCE[0]}")/vm-boot.sh"

VM_MODULES_9P="virtio_pci 9pnet_virtio 9p"
VM_KERNEL_SUITE="${VM_KERNEL_SUITE:-bookworm}"
VM_KERNEL_DIR="$VM_CACHE_DIR/vm-$VM_KERNEL_SUITE-amd64-generic"
VM_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# vm_kernel_version: the version V of the cached kernel (DIR/kernel/lib/modules/V).
vm_kernel_version() {
    local m
    for m in "$VM_KERNEL_DIR"/kernel/lib/modules/*/modules.dep; do
        [ -f "$m" ] && { basename "$(dirname "$m")"; return 0; }
    done
    return 1
}

# vm_prepare MODULE...: qemu, a static busybox, depmod and the kernel (fetched once) with
# MODULE... and 9p are here. Prints why not and returns 3 when Debian's archive is unreachable
# and nothing is cached, 1 when something else is missing.
vm_prepare() {
    local v m rc
    command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 is not installed (scripts/deps.sh --test installs qemu-system-x86)"; return 1; }
    vm_busybox >/dev/null || { echo "no static busybox (busybox-static)"; return 1; }
    command -v depmod >/dev/null || { echo "depmod is not installed (kmod)"; return 1; }
    vm_debs_kernel "$VM_KERNEL_SUITE" amd64 "$VM_KERNEL_DIR" linux-image-amd64 2>&1; rc=$?
    ((rc == 3)) && echo "and no kernel is cached in $VM_KERNEL_DIR"
    ((rc == 0)) || return "$rc"
    v="$(vm_kernel_version)" || { echo "the kernel in $VM_KERNEL_DIR has no modules.dep"; return 1; }
    for m in "$@" $VM_MODULES_9P; do
        grep -qE "(^|/)$m\\.ko(\\.[a-z]+)?:" "$VM_KERNEL_DIR/kernel/lib/modules/$v/modules.dep" \
            || { echo "Debian's kernel $v has no $m module"; return 1; }
    done
}

vm_busybox() {
    local b
    for b in /bin/busybox /usr/bin/busybox; do
        [ -x "$b" ] && file -L "$b" 2>/dev/null | grep -q 'statically linked' && { echo "$b"; return 0; }
    done
    return 1
}

# vm_initramfs DIR: DIR/initrd: the 9p modules (with their dependencies) and a tree with
# busybox and an /init that loads them, mounts the machine's root over 9p and switches to
# kernel-vm-init.sh there.
vm_initramfs() {
    local dir="$1" tree="$1/initramfs"
    python3 "$VM_LIB/vm_initramfs.py" modules --kernel "$VM_KERNEL_DIR/kernel" --modules "$VM_MODULES_9P" \
        --out "$dir/modules.cpio.gz" 2>/dev/null || return
    mkdir -p "$tree/bin" "$tree/dev" "$tree/proc" "$tree/newroot" || return
    cp "$(vm_busybox)" "$tree/bin/busybox" || return
    cat >"$tree/init" <<INIT
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs dev /dev
echo "vm: init, kernel \$(/bin/busybox uname -r)"
for m in \$(/bin/busybox cat /etc/vm-modules); do /bin/busybox insmod /usr/lib/modules/\$m.ko || echo "insmod \$m failed"; done
/bin/busybox mount -t 9p -o ro,trans=virtio,version=9p2000.L,cache=loose,msize=262144 hostroot /newroot \\
    || { echo "vm: mounting the host root failed"; /bin/busybox poweroff -f; }
/bin/busybox umount /proc
exec /bin/busybox switch_root /newroot /bin/bash $VM_LIB/kernel-vm-init.sh
INIT
    chmod +x "$tree/init" || return
    python3 "$VM_LIB/vm_initramfs.py" tree --src "$tree" --out "$dir/tree.cpio.gz" || return
    cat "$dir/modules.cpio.gz" "$dir/tree.cpio.gz" >"$dir/initrd"
}

# vm_run DIR SCRIPT: boots the kernel (vm_prepare first) and runs bash SCRIPT (a path readable
# in the guest, with DIR mounted at the same path read-write); its output goes to stdout and
# DIR/console.log, its exit status is vm_run's (124 when the guest did not finish within
# $VM_TIMEOUT s).
VM_TIMEOUT="${VM_TIMEOUT:-1800}"
vm_run() {
    local dir="$1" script="$2" v rc
    v="$(vm_kernel_version)" || { echo "vm: no kernel in $VM_KERNEL_DIR (vm_prepare)" >&2; return 1; }
    vm_initramfs "$dir" || { echo "vm: building the initramfs failed" >&2; return 1; }
    rm -f "$dir/rc"
    echo "vm: Debian's kernel $(cat "$VM_KERNEL_DIR/kernel/.package") to run $script"
    vm_boot_any "$dir" amd64 "$VM_TIMEOUT" '^vm: init' qemu-system-x86_64 -m "${VM_MEMORY:-3072}" -smp "${VM_SMP:-2}" \
        -kernel "$VM_KERNEL_DIR/kernel/boot/vmlinuz-$v" \
        -append "console=ttyS0 panic=-1 quiet loglevel=3 vm_out=$dir vm_script=$script vm_modules=$VM_KERNEL_DIR/kernel/lib/modules/$v" \
        -virtfs "local,path=/,mount_tag=hostroot,security_model=passthrough,readonly=on,multidevs=remap" \
        -virtfs "local,path=$dir,mount_tag=vmout,security_model=passthrough,multidevs=remap"
    rc=$?
    ((rc == 124)) && { echo "vm: killed after $VM_TIMEOUT s"; return 124; }
    [ -f "$dir/rc" ] || { echo "vm: the guest ended without a status (qemu exit $rc)"; return 1; }
    return "$(cat "$dir/rc")"
}
