#!/usr/bin/env bash
# Usage: scripts/install.sh [DIR] [--conflist FILE] [--netconf-dir DIR] [--no-build]
#
# Installs dependencies, builds the static release binary (unless --no-build and dist/ has one)
# and installs it into DIR (default /opt/cni/bin) under every plugin name (flannel bridge
# host-local portmap loopback bandwidth), each name its own file — so a `cp -f` over one name (as
# kube-flannel's init container does with flannel) leaves the others intact — each written as a
# temp file and renamed into place, so a running kubelet never execs a half-written binary.
# With --conflist, also installs that conflist into --netconf-dir (default /etc/cni/net.d).
set -euo pipefail
. "$(dirname "$0")/lib/toolchain.sh"
. "$(dirname "$0")/lib/suite-binary.sh"
cd "$(dirname "$0")/.."
usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; }
dir=""; conflist=""; netconf=/etc/cni/net.d; build=1
while (($#)); do
    case "$1" in
        --conflist) [ $# -ge 2 ] || { echo "install: --conflist needs a file" >&2; exit 2; }; conflist="$2"; shift 2 ;;
        --netconf-dir) [ $# -ge 2 ] || { echo "install: --netconf-dir needs a directory" >&2; exit 2; }; netconf="$2"; shift 2 ;;
        --no-build) build=0; shift ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "install: unknown option $1" >&2; usage >&2; exit 2 ;;
        *) [ -z "$dir" ] || { echo "install: more than one directory given ($dir, $1)" >&2; exit 2; }; dir="$1"; shift ;;
    esac
done
dir=${dir:-/opt/cni/bin}
if [ -n "$conflist" ] && [ ! -f "$conflist" ]; then echo "install: conflist $conflist not found" >&2; exit 1; fi

if ((build)) || [ ! -x dist/cni-plugins ]; then
    scripts/deps.sh
    scripts/build.sh >/dev/null
fi
suite_install "$(suite_binary "$PWD" --no-build)" "$dir"
if [ -n "$conflist" ]; then
    mkdir -p "$netconf"
    base=$(basename "$conflist")
    trap 'rm -f "$netconf/.$base.new.$$"' EXIT
    # 0600 (CIS Kubernetes 1.1.9), set on the temp file before the rename makes it visible.
    install -m 0600 "$conflist" "$netconf/.$base.new.$$"
    mv -f "$netconf/.$base.new.$$" "$netconf/$base"
    echo "installed $netconf/$base"
fi
size=$(du -sk "$dir" | cut -f1)
echo "installed ${SUITE_PLUGIN_NAMES[*]} into $dir (one static binary, a copy per name; ${size} KiB in $dir)"
