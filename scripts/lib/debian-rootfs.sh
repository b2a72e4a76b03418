# shellcheck shell=bash
# Sourced by scripts/e2e-portable.sh: a cached Debian 11 ("bullseye", glibc 2.31 — the libc of
# Ubuntu 20.04 and of older kind node images) minbase root filesystem, made with
# `debootstrap --variant=minbase` from Debian's archive only.
#
# Plus Debian 11's own iptables (1.8.7), as a node has: portmap in the chain uses it.
#
#   debian_rootfs: prints the rootfs path, making it on first use. The result is cached in
#   $ROOTFS_CACHE (default /var/cache/swift-cni-plugins/rootfs), outside the repo, so later runs
#   (and CI on the same machine) reuse it. Returns 3 with the reason on stderr when the archive
#   cannot be reached (the caller skips), 1 on other failures.

DEBIAN_ROOTFS_SUITE=${DEBIAN_ROOTFS_SUITE:-bullseye}
DEBIAN_ROOTFS_MIRROR=${DEBIAN_ROOTFS_MIRROR:-http://deb.debian.org/debian}

debian_rootfs() {
    local cache=${ROOTFS_CACHE:-/var/cache/swift-cni-plugins/rootfs}
    local root="$cache/debian-$DEBIAN_ROOTFS_SUITE-minbase-iptables"
    if [ -f "$root/.complete" ]; then echo "$root"; return 0; fi
    command -v debootstrap >/dev/null || { echo "debootstrap is not installed (scripts/deps.sh --test installs it)" >&2; return 1; }
    mkdir -p "$cache" || return 1
    if ! curl -fsS -m 20 -o /dev/null "$DEBIAN_ROOTFS_MIRROR/dists/$DEBIAN_ROOTFS_SUITE/Release" 2>/dev/null; then
        echo "Debian's archive ($DEBIAN_ROOTFS_MIRROR, $DEBIAN_ROOTFS_SUITE) is unreachable" >&2
        return 3
    fi
    # One maker at a time (another test run may be making it right now): wait for it.
    exec 9>"$cache/.debootstrap.lock"
    flock 9
    if [ -f "$root/.complete" ]; then exec 9>&-; echo "$root"; return 0; fi
    local tmp="$root.tmp.$$" log="$cache/debootstrap-$DEBIAN_ROOTFS_SUITE.log"
    rm -rf "$root.tmp".*
    echo "making the Debian $DEBIAN_ROOTFS_SUITE rootfs in $root (debootstrap --variant=minbase; once, then cached)" >&2
    if ! debootstrap --variant=minbase --include=iptables --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
        "$DEBIAN_ROOTFS_SUITE" "$tmp" "$DEBIAN_ROOTFS_MIRROR" >"$log" 2>&1; then
        echo "debootstrap $DEBIAN_ROOTFS_SUITE failed (log: $log): $(tail -n 3 "$log" | tr '\n' ' ')" >&2
        rm -rf "$tmp"
        exec 9>&-
        return 1
    fi
    date -u +%FT%TZ >"$tmp/.complete"
    rm -rf "$root"
    mv "$tmp" "$root"
    exec 9>&-
    echo "$root"
}
