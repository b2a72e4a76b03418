#!/bin/bash
# PID 1 of the guest that scripts/lib/kernel-vm.sh boots: the machine's root is mounted
# read-only; this mounts the kernel filesystems and tmpfs where the tests write, the kernel's
# module tree named by vm_modules= on /lib/modules/V, the read-write share at the host path
# named by vm_out= on the kernel command line, runs vm_script=, records its status in
# vm_out/rc and powers off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /var/tmp 2>/dev/null
mkdir -p /run/netns /run/lock
for arg in $(cat /proc/cmdline); do
    case "$arg" in
        vm_out=*) out="${arg#vm_out=}" ;;
        vm_script=*) script="${arg#vm_script=}" ;;
        vm_modules=*) modules="${arg#vm_modules=}" ;;
    esac
done
# The kernel's modules (cached on the machine, with depmod's indexes) where modprobe looks.
if [ -n "${modules:-}" ] && mount -t tmpfs tmpfs /lib/modules && mkdir -p "/lib/modules/$(uname -r)"; then
    mount --bind "$modules" "/lib/modules/$(uname -r)" || echo "vm: binding $modules failed"
fi
status=1
if [ -n "${out:-}" ] && [ -n "${script:-}" ]; then
    # The share's mount point (under /tmp, a tmpfs here, in practice).
    mkdir -p "$out" 2>/dev/null || { mount -t tmpfs tmpfs "/$(echo "$out" | cut -d/ -f2)" && mkdir -p "$out"; }
    if mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 vmout "$out"; then
        ip link set lo up
        bash "$script"
        status=$?
        echo "$status" >"$out/rc"
    else
        echo "vm: mounting the output share at $out failed"
    fi
fi
sync
echo "vm: guest done (status $status)"
echo o >/proc/sysrq-trigger
sleep 5
