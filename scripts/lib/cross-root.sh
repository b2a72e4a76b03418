# shellcheck shell=bash
# Sourced by scripts/build.sh: the toolchain root the arm64 build runs in.
#
# Debian 13 ("trixie") ships swiftlang 6.0.3 for amd64 and arm64. Its amd64 compiler needs
# glibc >= 2.38, so it runs inside a trixie root: `debootstrap --variant=minbase trixie`, then
# arm64 multiarch (`dpkg --add-architecture arm64`) with the aarch64 libc, libgcc, libstdc++
# and libmnl development packages (libmnl-dev:arm64 holds the static libmnl.a). The arm64
# swiftlang .deb is only unpacked (into /opt/swift-aarch64 in the root): its
# usr/libexec/swift/lib/swift_static is the aarch64 resource directory (static stdlib and
# runtime, plus the clang headers). Debian 6.0.3's static-*-args.lnk files name ICU archives
# that the package does not ship: those -licu* lines are dropped.
#
#   cross_root: prints the root's path, making it on first use (~950 MB downloaded, once).
#   Cached in $CROSS_ROOT_CACHE (default /var/cache/swift-cni-plugins), outside the repo. It is
#   made in a temporary directory and renamed into place when complete, with a stamp holding
#   the recipe version: a killed run leaves no half root that is reused, and a changed recipe
#   makes a new root. All root work (debootstrap's mounts, the bind mounts apt needs) happens in
#   a private mount namespace (unshare -m); the machine's own apt sources and state are never
#   read or changed. Returns 3 with the reason on stderr when Debian's archive cannot be reached
#   (callers skip), 1 on other failures.
#
#   cross_root_run ROOT TREE CMD...: runs CMD inside ROOT (chroot) with TREE bind-mounted at
#   /src, in a private mount namespace.

CROSS_ROOT_SUITE=${CROSS_ROOT_SUITE:-trixie}
CROSS_ROOT_MIRROR=${CROSS_ROOT_MIRROR:-http://deb.debian.org/debian}
# Bump when the recipe below changes: an older root is then rebuilt.
CROSS_ROOT_RECIPE=1
CROSS_ROOT_PACKAGES="swiftlang libc6-dev libstdc++-14-dev pkg-config lld llvm \
libc6-dev:arm64 libgcc-14-dev:arm64 libstdc++-14-dev:arm64 libmnl-dev:arm64"

cross_root() {
    local cache=${CROSS_ROOT_CACHE:-/var/cache/swift-cni-plugins}
    local root="$cache/$CROSS_ROOT_SUITE-cross-arm64"
    local stamp="recipe $CROSS_ROOT_RECIPE"
    if [ "$(cat "$root/.complete" 2>/dev/null)" = "$stamp" ]; then echo "$root"; return 0; fi
    [ "$(id -u)" = 0 ] || { echo "making the arm64 toolchain root needs root (debootstrap, chroot)" >&2; return 1; }
    command -v debootstrap >/dev/null || { echo "debootstrap is not installed (scripts/deps.sh --test installs it)" >&2; return 1; }
    command -v unshare >/dev/null || { echo "unshare (util-linux) is not installed" >&2; return 1; }
    mkdir -p "$cache" || return 1
    if ! curl -fsS -m 20 -o /dev/null "$CROSS_ROOT_MIRROR/dists/$CROSS_ROOT_SUITE/Release" 2>/dev/null; then
        echo "Debian's archive ($CROSS_ROOT_MIRROR, $CROSS_ROOT_SUITE) is unreachable" >&2
        return 3
    fi
    # One maker at a time (another build may be making it right now): wait for it.
    exec 8>"$cache/.cross-root.lock"
    flock 8
    if [ "$(cat "$root/.complete" 2>/dev/null)" = "$stamp" ]; then exec 8>&-; echo "$root"; return 0; fi
    local tmp="$root.tmp.$$" log="$cache/cross-root-$CROSS_ROOT_SUITE.log"
    rm -rf "$root.tmp".*
    echo "making the arm64 toolchain root in $root (debootstrap $CROSS_ROOT_SUITE + swiftlang; once, then cached; log: $log)" >&2
    if ! unshare -m --propagation private bash -c "$(declare -f cross_root_make); cross_root_make \"\$@\"" \
        cross-root "$tmp" "$CROSS_ROOT_SUITE" "$CROSS_ROOT_MIRROR" "$CROSS_ROOT_PACKAGES" >"$log" 2>&1; then
        echo "making the arm64 toolchain root failed (log: $log): $(tail -n 3 "$log" | tr '\n' ' ')" >&2
        rm -rf "$tmp"
        exec 8>&-
        return 1
    fi
    echo "$stamp" >"$tmp/.complete"
    rm -rf "$root"
    mv "$tmp" "$root"
    exec 8>&-
    echo "$root"
}

# cross_root_make DIR SUITE MIRROR PACKAGES: the recipe, run in a private mount namespace.
cross_root_make() {
    set -euo pipefail
    local dir="$1" suite="$2" mirror="$3" packages="$4"
    debootstrap --variant=minbase --keyring=/usr/share/keyrings/debian-archive-keyring.gpg "$suite" "$dir" "$mirror"
    cp -L /etc/resolv.conf "$dir/etc/resolv.conf"
    mount --bind /proc "$dir/proc"
    mount --bind /dev "$dir/dev"
    local in=(chroot "$dir" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive)
    "${in[@]}" dpkg --add-architecture arm64
    "${in[@]}" apt-get -q update
    # shellcheck disable=SC2086 # the package list is words
    "${in[@]}" apt-get -q install -y --no-install-recommends $packages
    mkdir -p "$dir/var/tmp/swiftlang-arm64"
    "${in[@]}" sh -c 'cd /var/tmp/swiftlang-arm64 && apt-get -q -o APT::Sandbox::User=root download swiftlang:arm64'
    "${in[@]}" sh -c 'dpkg-deb -x /var/tmp/swiftlang-arm64/swiftlang_*_arm64.deb /opt/swift-aarch64'
    rm -rf "$dir/var/tmp/swiftlang-arm64"
    "${in[@]}" apt-get clean
    mkdir -p "$dir/src"
    local lnk found=0
    for lnk in "$dir"/opt/swift-aarch64/usr/libexec/swift/lib/swift_static/linux/static-*-args.lnk; do
        [ -f "$lnk" ] || continue
        found=1
        grep -v -- '^-licu' "$lnk" >"$lnk.new" && mv -f "$lnk.new" "$lnk"
    done
    [ "$found" = 1 ] || { echo "no static-*-args.lnk in the arm64 swiftlang package" >&2; return 1; }
    umount "$dir/dev" "$dir/proc"
}

# cross_root_run ROOT TREE CMD...: CMD in ROOT (chroot), working directory /src (TREE bind-mounted
# there), in a private mount namespace (the mounts vanish with it). HOME is the tree's
# .build-arm64/home, so nothing the build caches is written into the shared root.
cross_root_run() {
    local root="$1" tree="$2"
    shift 2
    unshare -m --propagation private bash -c '
        set -e
        root=$1 tree=$2
        shift 2
        [ -d "$root/src" ] || mkdir "$root/src"
        mount --bind /proc "$root/proc"
        mount --bind /dev "$root/dev"
        mount --bind "$tree" "$root/src"
        mkdir -p "$root/src/.build-arm64/home"
        exec chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/src/.build-arm64/home LANG=C.UTF-8 \
            sh -c "cd /src && exec \"\$@\"" sh "$@"
    ' cross-root-run "$root" "$tree" "$@"
}
