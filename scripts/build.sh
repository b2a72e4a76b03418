#!/usr/bin/env bash
# Builds the release multicall binary into dist/cni-plugins, fully static: no dynamic loader
# (no PT_INTERP), no shared libraries (no DT_NEEDED) — glibc's libc.a, the Swift runtime and
# stdlib, libstdc++.a and a static libmnl (scripts/lib/static-libmnl.sh) are linked in, so it
# runs on any x86_64 Linux kernel whatever the node's libc, and in a FROM-scratch image. The
# ELF build-id note identifies the build (in-process delegation compares it).
# Prints the path of the stripped binary on stdout.
set -euo pipefail
. "$(dirname "$0")/lib/toolchain.sh"
. "$(dirname "$0")/lib/static-libmnl.sh"
cd "$(dirname "$0")/.."
pc=$(static_libmnl_prepare "$PWD/.build")
export PKG_CONFIG_PATH="$pc${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
flags=(-c release --static-swift-stdlib -Xswiftc -static-executable -Xlinker --build-id --disable-local-rpath)
swift build "${flags[@]}" --product cni-plugins >&2
bin="$(swift build "${flags[@]}" --show-bin-path)/cni-plugins"
if readelf -lW "$bin" | grep -q INTERP || readelf -dW "$bin" 2>/dev/null | grep -q NEEDED; then
    echo "build: $bin is not fully static (PT_INTERP or DT_NEEDED present)" >&2; exit 1
fi
mkdir -p dist
# strip keeps the .note.gnu.build-id section.
strip -o dist/cni-plugins.tmp "$bin"
mv -f dist/cni-plugins.tmp dist/cni-plugins
cp -f LICENSE THIRD-PARTY-NOTICES.md dist/  # the licences of what the binary links in
echo "$PWD/dist/cni-plugins"
