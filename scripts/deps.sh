#!/usr/bin/env bash
# Usage: scripts/deps.sh [--test]
# Installs what building needs (Debian/Ubuntu): libmnl-dev (the developer build links it;
# the static release build fetches Debian 13's libmnl.a itself, see scripts/lib/static-libmnl.sh),
# pkg-config, binutils (readelf, strip), libc6-dev and g++ (libc.a, libstdc++.a for the static
# link), debian-archive-keyring, iproute2, iptables.
# With --test, also what the tests and benchmarks use: nftables, conntrack, Debian's reference
# Go plugins (containernetworking-plugins), busybox-static, python3, python3-matplotlib (benchmark
# plots), podman, containerd, runc,
# buildah (the init-container image), debootstrap (the Debian 11 rootfs), strace, file,
# for the CRI e2e gcc, libc6-dev (static pause), python3-grpcio, python3-protobuf, protobuf-compiler;
# qemu-user-static (the arm64 binary's tests run under qemu-aarch64-static, called directly);
# the lint stage's shellcheck (scripts/test.sh) and jq (JSON questions in the e2e scripts);
# and for the VM e2e qemu-system-x86, qemu-system-arm and kmod (depmod; the VMs' Debian kernels are
# fetched as .debs into /var/cache/swift-cni-plugins, never installed: scripts/lib/vm-debs.sh).
# (Those are never installed by `scripts/install.sh`: podman/containerd must not replace a
# node's own runtime.) Idempotent and quick when everything is present. Swift itself is
# expected on PATH (see README).
set -euo pipefail
. "$(dirname "$0")/lib/toolchain.sh"
packages=(libmnl-dev pkg-config binutils libc6-dev g++ debian-archive-keyring iproute2 iptables)
if [ "${1:-}" = "--test" ]; then
    packages+=(nftables conntrack containernetworking-plugins busybox-static python3 python3-matplotlib procps iputils-ping curl time podman containerd runc)
    packages+=(buildah debootstrap strace file)  # scripts/e2e-image.sh, e2e-portable.sh, check-install.sh
    packages+=(gcc libc6-dev python3-grpcio python3-protobuf protobuf-compiler)  # scripts/e2e-cri.sh
    packages+=(qemu-user-static)  # scripts/e2e-arm64.sh: the arm64 binary under qemu-aarch64-static (no binfmt)
    packages+=(shellcheck jq)  # scripts/test.sh lints the scripts; the e2e scripts ask JSON questions with jq
    packages+=(qemu-system-x86 qemu-system-arm kmod)  # scripts/e2e-vm.sh, e2e-cluster.sh's VM passes
fi
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "deps: installing ${missing[*]}" >&2
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "deps: swift not found on PATH (install Swift 6.x)" >&2; exit 1; }
