# shellcheck shell=bash
# Sourced by the VM harness (scripts/e2e-vm.sh, scripts/lib/kernel-vm.sh): Debian packages of a
# release and architecture, fetched with a private apt configuration (its own sources.list,
# lists, archive cache, an empty dpkg status and APT::Architecture) so the machine's apt state
# is never read or written, and unpacked with `dpkg-deb -x` (no maintainer scripts, nothing
# installed).
#
#   vm_debs_root SUITE ARCH DIR PACKAGE...
#     Makes DIR/root: the packages and their Depends closure (no Recommends) unpacked, and
#     DIR/kernel: the real package behind the meta package `linux-image-cloud-ARCH` unpacked
#     (vmlinuz and /lib/modules, with depmod's modules.dep when depmod is there). Both are
#     cached: DIR/root/.complete marks a finished tree (DIR/root/.packages: the list it was made
#     from; another list makes it again); each is built in a temp dir and renamed into place.
#     Returns 3 with the reason on stderr when Debian's archive is unreachable, 1 on other
#     failures.
#   vm_debs_kernel SUITE ARCH DIR META
#     Only DIR/kernel, from the package behind the meta package META (e.g. linux-image-amd64,
#     Debian's generic kernel), cached and returning as vm_debs_root does.

VM_DEBIAN_MIRROR=${VM_DEBIAN_MIRROR:-http://deb.debian.org/debian}

# vm_apt DIR ARGS...: apt-get / apt-cache (first ARG) with DIR's private configuration.
vm_apt() {
    local dir=$1 tool=$2; shift 2
    APT_CONFIG="$dir/apt/apt.conf" "$tool" -q "$@"
}

vm_apt_setup() {
    local suite=$1 arch=$2 dir=$3 a="$3/apt"
    mkdir -p "$a/lists/partial" "$a/archives/partial" "$a/parts" "$a/prefs" "$a/trusted" || return 1
    : >"$a/status"
    printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
        "$VM_DEBIAN_MIRROR" "$suite" >"$a/sources.list"
    cat >"$a/apt.conf" <<EOF
Dir::Etc::main "/dev/null";
Dir::Etc::Parts "$a/parts";
Dir::Etc::SourceList "$a/sources.list";
Dir::Etc::SourceParts "$a/parts";
Dir::Etc::Preferences "/dev/null";
Dir::Etc::PreferencesParts "$a/prefs";
Dir::Etc::TrustedParts "$a/trusted";
Dir::State "$a";
Dir::State::Lists "$a/lists";
Dir::State::status "$a/status";
Dir::State::extended_states "$a/extended_states";
Dir::Cache "$a";
Dir::Cache::archives "$a/archives";
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
Dir::Log "$a";
APT::Architecture "$arch";
APT::Architectures { "$arch"; };
APT::Install-Recommends "false";
APT::Get::List-Cleanup "false";
Acquire::Languages "none";
Debug::NoLocking "true";
APT::Sandbox::User "root";
EOF
}

# vm_unpack OUT DEB...: dpkg-deb -x each into OUT.
vm_unpack() {
    local out=$1 deb; shift
    mkdir -p "$out" || return 1
    for deb in "$@"; do dpkg-deb -x "$deb" "$out" || { echo "dpkg-deb -x $deb failed" >&2; return 1; }; done
}

# vm_root_is_current DIR PACKAGE...: DIR/root is complete and made from exactly these packages.
vm_root_is_current() {
    local dir=$1; shift
    [ -f "$dir/root/.complete" ] && [ "$(cat "$dir/root/.packages" 2>/dev/null)" = "$*" ]
}

vm_debs_root() {
    local suite=$1 arch=$2 dir=$3; shift 3
    if vm_root_is_current "$dir" "$@" && [ -f "$dir/kernel/.complete" ]; then return 0; fi
    vm_debs_locked "$suite" "$arch" "$dir" vm_debs_make "$@"
}

vm_debs_kernel() {
    local suite=$1 arch=$2 dir=$3 meta=$4
    [ -f "$dir/kernel/.complete" ] && return 0
    vm_debs_locked "$suite" "$arch" "$dir" vm_debs_fetch_kernel "$meta"
}

vm_debs_fetch_kernel() {
    vm_apt_setup "$1" "$2" "$3" || return 1
    echo "== $(date -u +%FT%TZ) apt-get update ($1 $2)"
    vm_apt "$3" apt-get update || return 1
    vm_debs_make_kernel "$@"
}

# vm_debs_locked SUITE ARCH DIR FUNCTION ARGS...: FUNCTION SUITE ARCH DIR ARGS... under DIR's lock,
# once the archive answers; its output goes to DIR/apt.log.
vm_debs_locked() {
    local suite=$1 arch=$2 dir=$3 fn=$4; shift 4
    command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || { echo "apt-get and dpkg-deb are needed" >&2; return 1; }
    [ -r /usr/share/keyrings/debian-archive-keyring.gpg ] || { echo "debian-archive-keyring is not installed (scripts/deps.sh installs it)" >&2; return 1; }
    if ! curl -fsS -m 20 -o /dev/null "$VM_DEBIAN_MIRROR/dists/$suite/Release" 2>/dev/null; then
        echo "Debian's archive ($VM_DEBIAN_MIRROR, $suite) is unreachable" >&2
        return 3
    fi
    mkdir -p "$dir" || return 1
    exec 8>"$dir/.lock"
    flock 8
    local log="$dir/apt.log" rc=0
    "$fn" "$suite" "$arch" "$dir" "$@" >>"$log" 2>&1 || rc=1
    exec 8>&-
    ((rc == 0)) || echo "fetching $suite/$arch packages failed (log: $log): $(tail -n 3 "$log" | tr '\n' ' ')" >&2
    return $rc
}

vm_debs_make() {
    local suite=$1 arch=$2 dir=$3; shift 3
    vm_apt_setup "$suite" "$arch" "$dir" || return 1
    echo "== $(date -u +%FT%TZ) apt-get update ($suite $arch)"
    vm_apt "$dir" apt-get update || return 1
    if ! vm_root_is_current "$dir" "$@"; then
        echo "== userland: $*"
        rm -f "$dir"/apt/archives/*.deb
        vm_apt "$dir" apt-get install -y --download-only "$@" || return 1
        rm -rf "$dir/root.tmp"
        vm_unpack "$dir/root.tmp" "$dir"/apt/archives/*.deb || return 1
        (cd "$dir/apt/archives" && ls ./*.deb) >"$dir/root.tmp/.debs"
        echo "$*" >"$dir/root.tmp/.packages"
        date -u +%FT%TZ >"$dir/root.tmp/.complete"
        rm -rf "$dir/root" && mv "$dir/root.tmp" "$dir/root" || return 1
    fi
    vm_debs_make_kernel "$suite" "$arch" "$dir" "linux-image-cloud-$arch"
}

vm_debs_make_kernel() {
    local suite=$1 arch=$2 dir=$3 meta=$4 image
    [ -f "$dir/kernel/.complete" ] && return 0
    image=$(vm_apt "$dir" apt-cache depends "$meta" | awk '/Depends: linux-image-/ {print $2; exit}')
    [ -n "$image" ] || { echo "no kernel package behind $meta"; return 1; }
    echo "== kernel: $meta -> $image"
    rm -rf "$dir/kernel.tmp" "$dir/kdeb" && mkdir -p "$dir/kdeb" || return 1
    (cd "$dir/kdeb" && vm_apt "$dir" apt-get download "$image") || return 1
    vm_unpack "$dir/kernel.tmp" "$dir"/kdeb/*.deb || return 1
    # The .deb has no modules.dep (its postinst runs depmod): made here, so that a guest given
    # this tree as /lib/modules loads modules on demand (modprobe).
    local m
    for m in "$dir"/kernel.tmp/lib/modules/*/; do
        [ -d "$m" ] && command -v depmod >/dev/null || continue
        depmod -b "$dir/kernel.tmp" "$(basename "$m")" || return 1
    done
    echo "$image" >"$dir/kernel.tmp/.package"
    date -u +%FT%TZ >"$dir/kernel.tmp/.complete"
    rm -rf "$dir/kernel" "$dir/kdeb" && mv "$dir/kernel.tmp" "$dir/kernel"
}
