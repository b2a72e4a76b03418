#!/usr/bin/env bash
# Installs the release build into a temp dir and checks what users depend on: every plugin
# runs under its own name, VERSION lists 1.1.0, ldd shows only glibc/libstdc++/libgcc_s/libmnl,
# no rpath/runpath, and the directory holds at most 30 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d /tmp/cni-install-check.XXXXXX)
trap 'rm -rf "$dir"' EXIT
scripts/install.sh "$dir" >/dev/null
fail=0
for p in flannel bridge host-local portmap loopback; do
    out=$(CNI_COMMAND=VERSION "$dir/$p" </dev/null)
    echo "$out" | grep -q '"1.1.0"' || { echo "FAIL: $p VERSION: $out"; fail=1; }
    bad=$(ldd "$dir/$p" | awk '{print $1}' | grep -v -E '^(linux-vdso\.so\.1|/lib64/ld-linux-x86-64\.so\.2|libc\.so\.6|libm\.so\.6|libstdc\+\+\.so\.6|libgcc_s\.so\.1|libmnl\.so\.0|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1)$' || true)
    [ -z "$bad" ] || { echo "FAIL: $p links unexpected libraries: $bad"; fail=1; }
done
if readelf -d "$dir/bridge" | grep -q -E 'RPATH|RUNPATH'; then
    echo "FAIL: the binary has an rpath/runpath (the plugin dir would be searched for libraries)"; fail=1
fi
kib=$(du -sk "$dir" | cut -f1)
echo "install check: $kib KiB for the whole suite in $dir"
[ "$kib" -le 30720 ] || { echo "FAIL: installed suite is ${kib} KiB > 30 MB"; fail=1; }
if ((fail)); then echo "install check: 0 passed, 1 failed"; exit 1; fi
echo "install check: 1 passed, 0 failed"
