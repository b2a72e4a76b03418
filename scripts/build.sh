#!/usr/bin/env bash
# Usage: scripts/build.sh [--arch amd64|arm64]
# Builds the release multicall binary, fully static: no dynamic loader (no PT_INTERP), no shared
# libraries (no DT_NEEDED) — glibc's libc.a, the Swift runtime and stdlib, libstdc++.a and a
# static libmnl are linked in, so it runs on any Linux kernel of its architecture whatever the
# node's libc, and in a FROM-scratch image. The ELF build-id note (SHA-1) identifies the build
# (in-process delegation compares it). Prints the path of the stripped binary on stdout.
#
#   --arch amd64 (the default): dist/cni-plugins, with the host's Swift toolchain (scratch
#     path .build; libmnl.a from scripts/lib/static-libmnl.sh).
#   --arch arm64: dist/cni-plugins-arm64, cross-compiled for aarch64 with Debian 13's swiftlang
#     (6.0.3) inside a cached toolchain root (scripts/lib/cross-root.sh; made once, ~950 MB
#     downloaded), scratch path .build-arm64. Needs root (chroot, private mount namespace).
#     Exits 3 when that root does not exist yet and Debian's archive is unreachable.
set -euo pipefail
. "$(dirname "$0")/lib/toolchain.sh"
cd "$(dirname "$0")/.."
arch=amd64
while (($#)); do
    case "$1" in
        --arch) arch=${2:-}; shift 2 || { echo "build: --arch needs amd64 or arm64" >&2; exit 2; } ;;
        --arch=*) arch=${1#--arch=}; shift ;;
        -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "build: unknown argument $1 (usage: scripts/build.sh [--arch amd64|arm64])" >&2; exit 2 ;;
    esac
done

# check_static BIN MACHINE: fully static, of that architecture (readelf's name), SHA-1 build-id.
check_static() {
    local bin="$1" machine="$2"
    if readelf -lW "$bin" | grep -q INTERP || readelf -dW "$bin" 2>/dev/null | grep -q NEEDED; then
        echo "build: $bin is not fully static (PT_INTERP or DT_NEEDED present)" >&2; return 1
    fi
    readelf -hW "$bin" | grep -Eq "^ *Machine: *$machine\$" \
        || { echo "build: $bin is not an $machine executable: $(readelf -hW "$bin" | grep Machine:)" >&2; return 1; }
    readelf -nW "$bin" | grep -Eq 'Build ID: [0-9a-f]{40}$' \
        || { echo "build: $bin has no SHA-1 build-id note" >&2; return 1; }
}

build_amd64() {
    . scripts/lib/static-libmnl.sh
    local pc flags bin
    pc=$(static_libmnl_prepare "$PWD/.build")
    export PKG_CONFIG_PATH="$pc${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
    flags=(-c release --static-swift-stdlib -Xswiftc -static-executable -Xlinker --build-id=sha1 --disable-local-rpath)
    swift build "${flags[@]}" --product cni-plugins >&2
    bin="$(swift build "${flags[@]}" --show-bin-path)/cni-plugins"
    check_static "$bin" "Advanced Micro Devices X86-64"
    mkdir -p dist
    # strip keeps the .note.gnu.build-id section.
    strip -o dist/cni-plugins.tmp "$bin"
    mv -f dist/cni-plugins.tmp dist/cni-plugins
    cp -f LICENSE THIRD-PARTY-NOTICES.md dist/  # the licences of what the binary links in
    echo "$PWD/dist/cni-plugins"
}

build_arm64() {
    . scripts/lib/cross-root.sh
    local root rc=0 resource=/opt/swift-aarch64/usr/libexec/swift/lib/swift_static
    [ "$(id -u)" = 0 ] || { echo "build: --arch arm64 needs root (chroot into its toolchain root, private mount namespace)" >&2; exit 1; }
    root=$(cross_root) || rc=$?
    ((rc == 0)) || exit "$rc"
    # libmnl.pc of libmnl-dev:arm64 (its libmnl.a is what -static-executable links).
    local swift=(swift build -c release --product cni-plugins --scratch-path .build-arm64
        --triple aarch64-unknown-linux-gnu --sdk / --static-swift-stdlib --disable-local-rpath
        -Xswiftc -static-executable -Xswiftc -resource-dir -Xswiftc "$resource"
        -Xswiftc -use-ld=lld -Xlinker --build-id=sha1)
    echo "build: cross-compiling for aarch64 in $root ($(cross_root_run "$root" "$PWD" swift --version 2>/dev/null | grep -o 'Swift version [0-9.]*' | head -n 1))" >&2
    mkdir -p dist .build-arm64
    cross_root_run "$root" "$PWD" env PKG_CONFIG_PATH=/usr/lib/aarch64-linux-gnu/pkgconfig "${swift[@]}" >&2
    local bin
    bin=.build-arm64/aarch64-unknown-linux-gnu/release/cni-plugins
    [ -f "$bin" ] || { echo "build: $bin was not produced" >&2; exit 1; }
    check_static "$bin" AArch64
    # The host's strip reads x86_64 only; llvm-objcopy --strip-all keeps the build-id note.
    cross_root_run "$root" "$PWD" llvm-objcopy --strip-all "$bin" dist/cni-plugins-arm64.tmp
    check_static dist/cni-plugins-arm64.tmp AArch64
    mv -f dist/cni-plugins-arm64.tmp dist/cni-plugins-arm64
    cp -f LICENSE THIRD-PARTY-NOTICES.md dist/  # the licences of what the binary links in
    echo "$PWD/dist/cni-plugins-arm64"
}

case "$arch" in
    amd64 | x86_64) build_amd64 ;;
    arm64 | aarch64) build_arm64 ;;
    *) echo "build: unknown --arch \"$arch\" (amd64 or arm64)" >&2; exit 2 ;;
esac
