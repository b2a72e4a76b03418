# shellcheck shell=bash
# Sourced by the VM harness (scripts/e2e-vm.sh, scripts/lib/kernel-vm.sh): the one way the
# e2e scripts start a qemu virtual machine and pick its accelerator.
#
#   vm_kvm_wanted ARCH
#     True when an ARCH guest should try KVM first: an x86_64 machine, amd64 guest, /dev/kvm
#     writable, VM_KVM not 0, and no earlier boot on this machine found KVM failing (a nested
#     KVM that stops after SeaBIOS, or qemu aborting on an MSR it cannot set: recorded in $VM_CACHE_DIR/kvm-hangs, keyed by the machine's
#     kernel and qemu version, so the next runs go straight to TCG; VM_KVM=1 tries KVM anyway).
#     Prints the reason for TCG on stdout when it returns false.
#   vm_kvm_hung: records that KVM did not get to the guest's /init here.
#   boot_vm RUN TIMEOUT BOOT_TIMEOUT MARK QEMU ARGS...
#     Boots RUN/initrd, prints the console (prefixed) and keeps it in RUN/console.log. Returns
#     qemu's status, 124 when TIMEOUT seconds passed, or 200 when BOOT_TIMEOUT (> 0) seconds
#     passed without a console line matching the regex MARK (the VM is then stopped).

VM_CACHE_DIR=${VM_CACHE_DIR:-/var/cache/swift-cni-plugins}

vm_kvm_key() {
    echo "$(uname -r) $(qemu-system-x86_64 --version 2>/dev/null | head -n 1)"
}

vm_kvm_wanted() {
    local arch=$1 mark="$VM_CACHE_DIR/kvm-hangs"
    [ "$arch" = amd64 ] && [ "$(uname -m)" = x86_64 ] || { echo "an emulated $arch guest"; return 1; }
    [ "${VM_KVM:-}" != 0 ] || { echo "VM_KVM=0"; return 1; }
    [ -w /dev/kvm ] || { echo "no usable /dev/kvm"; return 1; }
    if [ "${VM_KVM:-}" != 1 ] && [ "$(cat "$mark" 2>/dev/null)" = "$(vm_kvm_key)" ]; then
        echo "KVM failed to boot a guest on this machine before (a nested KVM; $mark; VM_KVM=1 tries it again)"
        return 1
    fi
}

vm_kvm_hung() {
    mkdir -p "$VM_CACHE_DIR" && vm_kvm_key >"$VM_CACHE_DIR/kvm-hangs.tmp" \
        && mv -f "$VM_CACHE_DIR/kvm-hangs.tmp" "$VM_CACHE_DIR/kvm-hangs"
}

boot_vm() {
    local run=$1 timeout_s=$2 boot_s=$3 mark=$4; shift 4
    local start=$SECONDS watchdog="" rc
    echo "booting: $* (timeout ${timeout_s}s)"
    rm -f "$run/noboot" "$run/qemu.pid"
    : >"$run/console.log"
    if ((boot_s > 0)); then
        (
            for ((i = 0; i < boot_s; i++)); do sleep 1; grep -qE "$mark" "$run/console.log" && exit 0; done
            touch "$run/noboot"
            kill "$(cat "$run/qemu.pid" 2>/dev/null)" 2>/dev/null
        ) &
        watchdog=$!
    fi
    timeout -k 10 "$timeout_s" "$@" -nographic -nic none -no-reboot -pidfile "$run/qemu.pid" -initrd "$run/initrd" \
        </dev/null 2>&1 | sed -u 's/\r$//' | tee "$run/console.log" | sed -u 's/^/  | /'
    rc=${PIPESTATUS[0]}
    [ -z "$watchdog" ] || { kill "$watchdog" 2>/dev/null; wait "$watchdog" 2>/dev/null; }
    if [ -f "$run/noboot" ]; then return 200; fi
    echo "VM ran $((SECONDS - start)) s (qemu exit $rc)"
    return "$rc"
}

# vm_boot_any RUN ARCH TIMEOUT MARK QEMU ARGS...: boot_vm with KVM first when vm_kvm_wanted
# (20 s to reach MARK, else the failure is recorded and the VM booted again), else TCG (an amd64
# guest with -cpu max: the host's AES-NI and PCLMUL, which Debian's kernel uses for gcm(aes)).
vm_boot_any() {
    local run=$1 arch=$2 timeout_s=$3 mark=$4 why rc; shift 4
    if why=$(vm_kvm_wanted "$arch"); then
        boot_vm "$run" "$timeout_s" 20 "$mark" "$@" -enable-kvm -cpu host; rc=$?
        ((rc != 200)) && grep -qE "$mark" "$run/console.log" && return "$rc"
        echo "KVM did not get to /init (qemu status $rc; a nested KVM?): recorded, booting again with TCG"
        vm_kvm_hung
    else
        echo "TCG (emulated): $why"
    fi
    if [ "$arch" = amd64 ]; then set -- "$@" -cpu max; fi
    boot_vm "$run" "$timeout_s" 0 "$mark" "$@"
}
