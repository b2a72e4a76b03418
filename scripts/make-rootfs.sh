#!/usr/bin/env bash
# Usage: scripts/make-rootfs.sh DIR
#
# Makes a minimal container root filesystem in DIR from Debian's busybox-static (no image pull
# needed): /bin/busybox plus a symlink per applet (sh, ip, ping, wget, nc, httpd, sleep...),
# /etc/passwd and /etc/group for root, empty mount points for what runtimes bind-mount
# (/proc /sys /dev /etc/hosts /etc/resolv.conf ...) and /www for httpd document roots.
# Idempotent: an existing DIR is refreshed in place. Usable with `podman run --rootfs DIR`
# and `ctr run --rootfs DIR`.
set -euo pipefail
[ $# -eq 1 ] || { sed -n '2,8p' "$0" >&2; exit 2; }
dir=$1
busybox=""
for b in /bin/busybox /usr/bin/busybox; do
    # a static binary: ldd says "not a dynamic executable" and fails
    if [ -x "$b" ] && ! ldd "$b" >/dev/null 2>&1; then busybox=$b; break; fi
done
[ -n "$busybox" ] || { echo "make-rootfs: no static busybox (apt-get install busybox-static)" >&2; exit 1; }

mkdir -p "$dir"
cd "$dir"
mkdir -p bin sbin usr/bin usr/sbin etc proc sys dev run tmp var/tmp root www
chmod 1777 tmp var/tmp
cp -f "$busybox" bin/busybox.new
chmod 0755 bin/busybox.new
mv -f bin/busybox.new bin/busybox
for applet in $(bin/busybox --list); do
    [ "$applet" = busybox ] && continue
    ln -sfn busybox "bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > etc/passwd
printf 'root:x:0:\nnogroup:x:65534:\n' > etc/group
: > etc/hosts
: > etc/resolv.conf
echo e2e > etc/hostname
echo "$dir"
