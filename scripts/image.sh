#!/usr/bin/env bash
# Usage: scripts/image.sh [--binary FILE] [--name NAME:TAG] [--output FILE]
#
# Builds the init-container image, the counterpart of flannel-io's flannel-cni-plugin image for
# kube-flannel.yml: FROM scratch, holding only the static suite binary as /cni-plugins, whose
# entrypoint `/cni-plugins install /opt/cni/bin` installs flannel, bridge, host-local, portmap,
# loopback and bandwidth into the mounted host directory (each its own file, temp file + rename; names
# already up to date are kept). No shell, no cp, no libc in the image: the binary needs only the
# kernel and /proc. Another directory: pass it as the container's argument.
#
# Output: an OCI archive (default dist/swift-cni-plugins-image.tar), for `podman load -i`,
# `ctr images import` and `kind load image-archive`. Built with buildah (daemonless, its own
# storage in a temp dir: the machine's container storage is not touched); no registry is used.
# Name: NAME:TAG (default localhost/swift-cni-plugins:<git short commit>), recorded in the
# archive for podman (org.opencontainers.image.ref.name) and containerd (io.containerd.image.name).
# Binary: --binary, else dist/cni-plugins (built by scripts/build.sh when missing or stale).
set -euo pipefail
. "$(dirname "$0")/lib/toolchain.sh"
. "$(dirname "$0")/lib/suite-binary.sh"
cd "$(dirname "$0")/.."
binary="" name="" output="$PWD/dist/swift-cni-plugins-image.tar"
usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; }
while (($#)); do
    case "$1" in
        --binary) binary="${2:?--binary needs a file}"; shift 2 ;;
        --name) name="${2:?--name needs NAME:TAG}"; shift 2 ;;
        --output) output="${2:?--output needs a file}"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "image: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
done
command -v buildah >/dev/null || { echo "image: buildah not found (apt-get install buildah)" >&2; exit 1; }
[ -n "$binary" ] || binary=$(suite_binary "$PWD")
[ -x "$binary" ] || { echo "image: $binary is not executable" >&2; exit 1; }
if readelf -lW "$binary" | grep -q INTERP; then
    echo "image: $binary is dynamically linked; the image has no libc (use scripts/build.sh)" >&2; exit 1
fi
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

mkdir -p "$work/ctx"
cp "$binary" "$work/ctx/cni-plugins"
chmod 0755 "$work/ctx/cni-plugins"
created=$(git log -1 --format=%ct 2>/dev/null || echo 0)
ctr=$(buildah "${store[@]}" from --quiet scratch)
buildah "${store[@]}" copy --quiet --chmod 0755 "$ctr" "$work/ctx/cni-plugins" /cni-plugins >/dev/null
buildah "${store[@]}" config \
    --entrypoint '["/cni-plugins","install"]' --cmd '["/opt/cni/bin"]' \
    --label org.opencontainers.image.title=swift-cni-plugins \
    --label org.opencontainers.image.description="flannel, bridge, host-local, portmap, loopback, bandwidth CNI plugins; installs them into the mounted /opt/cni/bin" \
    "$ctr"
buildah "${store[@]}" commit --quiet --format oci --omit-history --timestamp "$created" \
    "$ctr" "oci:$work/layout:$name" >/dev/null

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
echo "image: $name ($(stat -c %s "$output") bytes) -> $output" >&2
echo "$output"
