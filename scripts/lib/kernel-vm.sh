# shellcheck shell=bash
# Sourced by the e2e scripts: runs a command as root under another Linux kernel, for tests
# whose kernel features the machine's own kernel lacks (e2e-cluster's ipip and ipsec passes
# need ipip, esp4 and gcm(aes), which a kernel built without modules may not have).
#
# The kernel is Debian's (the linux-image-amd64 package: /boot/vmlinuz-V with its modules in
# /lib/modules/V), booted by qemu-system-x86_64, emulated (TCG; VM_ACCEL=kvm asks for KVM,
# which hangs at boot where the machine is itself a VM without nested virtualisation). The
# guest sees this machine's root filesystem read-only over virtio-9p, with tmpfs on /tmp and
# /run; a second 9p share (read-write) carries the job script in and its output and status
# back. The guest kernel loads its modules on demand from the shared /lib/modules/V.
# Nothing touches the machine's network: the guest has no network device.

VM_MODULES_9P=(virtio_pci 9pnet_virtio 9p)

# vm_kernel MODULE...: prints the version V of an installed kernel (not the running one)
# whose modules dir has every MODULE.ko and 9p over virtio; returns 1 when there is none.
vm_kernel() {
    local img v m ok
    for img in /boot/vmlinuz-*; do
        [ -r "$img" ] || continue
        v="${img#/boot/vmlinuz-}"
        [ "$v" != "$(uname -r)" ] && [ -f "/lib/modules/$v/modules.dep" ] || continue
        ok=1
        for m in "$@" "${VM_MODULES_9P[@]}"; do
            grep -qE "(^|/)$m\\.ko(\\.[a-z]+)?:" "/lib/modules/$v/modules.dep" || { ok=0; break; }
        done
        ((ok)) && { echo "$v"; return 0; }
    done
    return 1
}

# vm_available MODULE...: qemu, a static busybox and a kernel with those modules are here.
vm_available() {
    command -v qemu-system-x86_64 >/dev/null && vm_busybox >/dev/null && vm_kernel "$@" >/dev/null
}

vm_busybox() {
    local b
    for b in /bin/busybox /usr/bin/busybox; do
        [ -x "$b" ] && file -L "$b" 2>/dev/null | grep -q 'statically linked' && { echo "$b"; return 0; }
    done
    return 1
}

# The .ko paths (relative to /lib/modules/V) of MODULE and its dependencies, dependencies first.
vm_module_order() {
    local v="$1" m="$2" line dep
    line="$(grep -E "(^|/)$m\\.ko(\\.[a-z]+)?:" "/lib/modules/$v/modules.dep" | head -1)"
    [ -n "$line" ] || return 1
    local deps=()
    read -r -a deps <<<"${line#*:}"
    local i
    for ((i = ${#deps[@]} - 1; i >= 0; i--)); do
        dep="$(basename "${deps[$i]}")"
        vm_module_order "$v" "${dep%%.ko*}"
    done
    echo "${line%%:*}"
}

# vm_initramfs V DIR: a cpio in DIR/initramfs.cpio with busybox, the 9p modules and an /init
# that mounts the host root over 9p and switches to $VM_GUEST_INIT there.
vm_initramfs() {
    local v="$1" dir="$2" root m ko
    root="$dir/initramfs"
    mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/newroot" "$root/modules" || return
    cp "$(vm_busybox)" "$root/bin/busybox" || return
    : >"$root/modules/order"
    for m in "${VM_MODULES_9P[@]}"; do
        for ko in $(vm_module_order "$v" "$m"); do
            grep -qxF "$(basename "$ko")" "$root/modules/order" && continue
            cp "/lib/modules/$v/$ko" "$root/modules/" || return
            basename "$ko" >>"$root/modules/order"
        done
    done
    cat >"$root/init" <<EOF
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs dev /dev
for m in \$(/bin/busybox cat /modules/order); do /bin/busybox insmod /modules/\$m || echo "insmod \$m failed"; done
/bin/busybox mount -t 9p -o ro,trans=virtio,version=9p2000.L,cache=loose,msize=262144 hostroot /newroot \
    || { echo "vm: mounting the host root failed"; /bin/busybox poweroff -f; }
/bin/busybox umount /proc
exec /bin/busybox switch_root /newroot /bin/bash $VM_GUEST_INIT
EOF
    chmod +x "$root/init" || return
    (cd "$root" && find . | cpio -o -H newc --quiet >"$dir/initramfs.cpio")
}

# vm_run DIR SCRIPT: boots the kernel and runs bash SCRIPT (a path readable in the guest, with
# DIR mounted at the same path read-write); its output goes to stdout and DIR/vm.log, its
# exit status is vm_run's (124 when the guest did not finish within $VM_TIMEOUT s).
VM_TIMEOUT="${VM_TIMEOUT:-1800}"
VM_GUEST_INIT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/kernel-vm-init.sh"
vm_run() {
    local dir="$1" script="$2" v accel=(-machine accel=tcg -cpu max) rc
    v="$(vm_kernel "${VM_KERNEL_MODULES[@]}")" || { echo "vm: no kernel with ${VM_KERNEL_MODULES[*]}" >&2; return 1; }
    vm_initramfs "$v" "$dir" || { echo "vm: building the initramfs failed" >&2; return 1; }
    [ "${VM_ACCEL:-tcg}" = kvm ] && accel=(-enable-kvm -cpu host)
    rm -f "$dir/rc"
    echo "vm: booting Debian's kernel $v (qemu, ${accel[*]}) to run $script"
    timeout "$VM_TIMEOUT" qemu-system-x86_64 "${accel[@]}" -m "${VM_MEMORY:-3072}" -smp "$(nproc)" \
        -nographic -no-reboot -nodefaults -serial stdio -net none \
        -kernel "/boot/vmlinuz-$v" -initrd "$dir/initramfs.cpio" \
        -append "console=ttyS0 panic=-1 quiet loglevel=3 vm_out=$dir vm_script=$script" \
        -virtfs "local,path=/,mount_tag=hostroot,security_model=passthrough,readonly=on,multidevs=remap" \
        -virtfs "local,path=$dir,mount_tag=vmout,security_model=passthrough,multidevs=remap" \
        </dev/null 2>&1 | sed -u 's/\r$//' | tee "$dir/vm.log"
    rc="${PIPESTATUS[0]}"
    ((rc == 124)) && { echo "vm: killed after $VM_TIMEOUT s"; return 124; }
    [ -f "$dir/rc" ] || { echo "vm: the guest ended without a status (qemu exit $rc)"; return 1; }
    return "$(cat "$dir/rc")"
}
