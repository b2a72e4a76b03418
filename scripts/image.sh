#!/usr/bin/env bash
# Usage: scripts/image.sh [--arch all|amd64|arm64] [--binary FILE] [--binary-arm64 FILE]
#                         [--name NAME:TAG] [--output FILE]
#
# Builds the init-container image, the counterpart of flannel-io's flannel-cni-plugin image for
# kube-flannel.yml: FROM scratch, holding only the static suite binary as /cni-plugins, whose
# entrypoint `/cni-plugins install /opt/cni/bin` installs flannel, bridge, host-local, portmap,
# loopback and bandwidth into the mounted host directory (each its own file, temp file + rename; names
# already up to date are kept). No shell, no cp, no libc in the image: the binary needs only the
# kernel and /proc. Another directory: pass it as the container's argument.
#
# Multi-arch: the archive is an OCI image index with one image per platform (linux/amd64,
# linux/arm64 with --arch all, the default), each FROM scratch with that architecture's static
# binary; `podman load`, `ctr images import` and kubelet's pull pick the node's own.
#
# Output: an OCI archive (default dist/swift-cni-plugins-image.tar), for `podman load -i`,
# `ctr images import` and `kind load image-archive`. Built with buildah (daemonless, its own
# storage in a temp dir: the machine's container storage is not touched); no registry is used.
# Name: NAME:TAG (default localhost/swift-cni-plugins:<git short commit>), recorded in the
# archive for podman (org.opencontainers.image.ref.name) and containerd (io.containerd.image.name).
# Binaries: --binary (amd64), else dist/cni-plugins (built by scripts/build.sh when missing or
# stale); --binary-arm64, else dist/cni-plugins-arm64 (scripts/build.sh --arch arm64, likewise).
set -euo pipefail
. "$(dirname "$0")/lib/toolchain.sh"
. "$(dirname "$0")/lib/suite-binary.sh"
cd "$(dirname "$0")/.."
binary="" binary_arm64="" arches=all name="" output="$PWD/dist/swift-cni-plugins-image.tar"
usage() { sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; }
while (($#)); do
    case "$1" in
        --binary) binary="${2:?--binary needs a file}"; shift 2 ;;
        --binary-arm64) binary_arm64="${2:?--binary-arm64 needs a file}"; shift 2 ;;
        --arch) arches="${2:?--arch needs all, amd64 or arm64}"; shift 2 ;;
        --name) name="${2:?--name needs NAME:TAG}"; shift 2 ;;
        --output) output="${2:?--output needs a file}"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "image: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
done
command -v buildah >/dev/null || { echo "image: buildah not found (apt-get install buildah)" >&2; exit 1; }
case "$arches" in
    all) arches="amd64 arm64" ;;
    amd64 | arm64) ;;
    *) echo "image: unknown --arch $arches (all, amd64 or arm64)" >&2; exit 2 ;;
esac
# check_binary FILE ARCH: executable, static, of that architecture (readelf's Machine name).
check_binary() {
    local file=$1 arch=$2 machine
    [ -x "$file" ] || { echo "image: $file is not executable" >&2; exit 1; }
    if readelf -lW "$file" | grep -q INTERP; then
        echo "image: $file is dynamically linked; the image has no libc (use scripts/build.sh)" >&2; exit 1
    fi
    machine=$(readelf -hW "$file" | sed -n 's/^ *Machine: *//p')
    case "$arch:$machine" in
        amd64:*X86-64* | arm64:AArch64) ;;
        *) echo "image: $file is a $machine executable, not $arch" >&2; exit 1 ;;
    esac
}
for arch in $arches; do
    case $arch in
        amd64) [ -n "$binary" ] || binary=$(suite_binary "$PWD"); check_binary "$binary" amd64 ;;
        arm64)
            if [ -z "$binary_arm64" ]; then
                binary_arm64=$PWD/dist/cni-plugins-arm64
                suite_binary_is_fresh "$binary_arm64" "$PWD" || scripts/build.sh --arch arm64 >/dev/null \
                    || { echo "image: building the arm64 binary failed (scripts/build.sh --arch arm64; --arch amd64 makes an amd64-only index)" >&2; exit 1; }
            fi
            check_binary "$binary_arm64" arm64 ;;
    esac
done
if [ -z "$name" ]; then
    tag=$(git rev-parse --short HEAD 2>/dev/null || echo dev)
    name="localhost/swift-cni-plugins:$tag"
fi
case "$name" in *:*) ;; *) name="$name:latest" ;; esac

work=$(mktemp -d /tmp/cni-image.XXXXXX)
ctr=""
cleanup() {
    [ -n "$ctr" ] && buildah "${store[@]}" rm "$ctr" >/dev/null 2>&1
    buildah "${store[@]}" rmi --all >/dev/null 2>&1
    rm -rf "$work"
}
store=(--root "$work/storage" --runroot "$work/run" --storage-driver vfs)
trap cleanup EXIT

created=$(git log -1 --format=%ct 2>/dev/null || echo 0)
buildah "${store[@]}" manifest create "localhost/cni-plugins-index" >/dev/null
for arch in $arches; do
    mkdir -p "$work/ctx-$arch"
    if [ "$arch" = arm64 ]; then cp "$binary_arm64" "$work/ctx-$arch/cni-plugins"; else cp "$binary" "$work/ctx-$arch/cni-plugins"; fi
    chmod 0755 "$work/ctx-$arch/cni-plugins"
    ctr=$(buildah "${store[@]}" from --quiet scratch)
    buildah "${store[@]}" copy --quiet --chmod 0755 "$ctr" "$work/ctx-$arch/cni-plugins" /cni-plugins >/dev/null
    buildah "${store[@]}" copy --quiet --chmod 0644 "$ctr" LICENSE THIRD-PARTY-NOTICES.md / >/dev/null  # licences
    buildah "${store[@]}" config --os linux --arch "$arch" \
        --entrypoint '["/cni-plugins","install"]' --cmd '["/opt/cni/bin"]' \
        --label org.opencontainers.image.title=swift-cni-plugins \
        --label org.opencontainers.image.description="flannel, bridge, host-local, portmap, loopback, bandwidth CNI plugins; installs them into the mounted /opt/cni/bin" \
        "$ctr"
    buildah "${store[@]}" commit --quiet --format oci --omit-history --timestamp "$created" \
        "$ctr" "localhost/cni-plugins-$arch" >/dev/null
    buildah "${store[@]}" rm "$ctr" >/dev/null
    ctr=""
    buildah "${store[@]}" manifest add --os linux --arch "$arch" "localhost/cni-plugins-index" \
        "containers-storage:localhost/cni-plugins-$arch:latest" >/dev/null
done
# The index (one image per platform) as the archive's only entry, named below.
buildah "${store[@]}" manifest push --quiet --all --format oci "localhost/cni-plugins-index" "oci:$work/layout:$name" >/dev/null

# containerd's importer names an image after io.containerd.image.name; podman after ref.name.
python3 - "$work/layout/index.json" "$name" <<'PY'
import json, sys
path, name = sys.argv[1], sys.argv[2]
with open(path) as f:
    index = json.load(f)
for m in index["manifests"]:
    a = m.setdefault("annotations", {})
    a["org.opencontainers.image.ref.name"] = name
    a["io.containerd.image.name"] = name
with open(path, "w") as f:
    json.dump(index, f, separators=(",", ":"))
PY
mkdir -p "$(dirname "$output")"
tar --sort=name --mtime="@$created" --owner=0 --group=0 --numeric-owner -C "$work/layout" -cf "$output.new" .
mv -f "$output.new" "$output"
echo "image: $name (linux/${arches// /, linux/}; $(stat -c %s "$output") bytes) -> $output" >&2
echo "$output"
