#!/usr/bin/env bash
# Usage: scripts/install.sh [DIR] [--conflist FILE] [--netconf-dir DIR] [--no-build]
#
# Installs dependencies, builds the release binary (unless --no-build and dist/ has one) and
# installs it into DIR (default /opt/cni/bin) as one file hard-linked under every plugin name
# (flannel bridge host-local portmap loopback), atomically: each name is written as a temp
# file and renamed into place, so a running kubelet never execs a half-written binary.
# With --conflist, also installs that conflist into --netconf-dir (default /etc/cni/net.d).
set -euo pipefail
. "$(dirname "$0")/lib/toolchain.sh"
cd "$(dirname "$0")/.."
dir=/opt/cni/bin; conflist=""; netconf=/etc/cni/net.d; build=1
while (($#)); do
    case "$1" in
        --conflist) conflist="$2"; shift 2 ;;
        --netconf-dir) netconf="$2"; shift 2 ;;
        --no-build) build=0; shift ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) dir="$1"; shift ;;
    esac
done
plugins=(flannel bridge host-local portmap loopback)

if ((build)) || [ ! -x dist/cni-plugins ]; then
    scripts/deps.sh
    scripts/build.sh >/dev/null
fi
mkdir -p "$dir"
tmp="$dir/.cni-plugins.$$"
cp dist/cni-plugins "$tmp"
chmod 0755 "$tmp"
trap 'rm -f "$dir"/.cni-plugins.$$ "$dir"/.*.new.$$' EXIT
for name in "${plugins[@]}"; do
    ln -f "$tmp" "$dir/.$name.new.$$"
    mv -f "$dir/.$name.new.$$" "$dir/$name"
done
rm -f "$tmp"
if [ -n "$conflist" ]; then
    mkdir -p "$netconf"
    base=$(basename "$conflist")
    cp "$conflist" "$netconf/.$base.new.$$"
    mv -f "$netconf/.$base.new.$$" "$netconf/$base"
    echo "installed $netconf/$base"
fi
size=$(du -sk "$dir" | cut -f1)
echo "installed ${plugins[*]} into $dir (one binary, hard links; ${size} KiB in $dir)"
