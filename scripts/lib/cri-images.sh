# shellcheck shell=bash
# Local images for scripts/e2e-cri.sh, so the CRI plugin never pulls from a registry:
#   - the pause image: scripts/cri/pause.c compiled with gcc -static, alone in one layer;
#   - the web image: Debian's busybox-static rootfs (scripts/make-rootfs.sh), httpd on :80.
# Each is packed as an OCI image layout archive (oci-layout, index.json, blobs/sha256: one
# uncompressed layer, the image config, the manifest) and imported into the CRI plugin's
# containerd namespace with `ctr -n k8s.io images import`.

CRI_PAUSE_IMAGE=localhost/e2e-cri/pause:1
CRI_WEB_IMAGE=localhost/e2e-cri/web:1

# oci_blob DIR FILE: moves FILE into DIR/blobs/sha256 under its digest; prints the digest.
oci_blob() {
    local dir=$1 file=$2 sum
    sum=$(sha256sum "$file" | cut -d' ' -f1) || return
    mkdir -p "$dir/blobs/sha256"
    mv "$file" "$dir/blobs/sha256/$sum" && echo "$sum"
}

# oci_archive OUT.tar NAME ROOTFS_DIR ENTRYPOINT_JSON: an OCI image archive of ROOTFS_DIR
# (one layer) named NAME (annotation io.containerd.image.name, which ctr import uses).
oci_archive() {
    local out=$1 name=$2 rootfs=$3 entrypoint=$4 dir arch layer layer_size config config_size manifest manifest_size
    dir=$(mktemp -d "$out.layout.XXXXXX") || return
    arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
    tar --numeric-owner --owner=0 --group=0 -C "$rootfs" -cf "$dir/layer" . || return
    layer_size=$(stat -c %s "$dir/layer")
    layer=$(oci_blob "$dir" "$dir/layer") || return
    printf '{"architecture":"%s","os":"linux","config":{"Env":["PATH=/bin:/sbin:/usr/bin:/usr/sbin"],"Entrypoint":%s,"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
        "$arch" "$entrypoint" "$layer" > "$dir/config"
    config_size=$(stat -c %s "$dir/config")
    config=$(oci_blob "$dir" "$dir/config") || return
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
        "$config" "$config_size" "$layer" "$layer_size" > "$dir/manifest"
    manifest_size=$(stat -c %s "$dir/manifest")
    manifest=$(oci_blob "$dir" "$dir/manifest") || return
    printf '{"imageLayoutVersion":"1.0.0"}' > "$dir/oci-layout"
    printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"%s","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
        "$manifest" "$manifest_size" "$arch" "$name" "${name##*:}" > "$dir/index.json"
    tar --numeric-owner --owner=0 --group=0 -C "$dir" -cf "$out" oci-layout index.json blobs || return
    rm -rf "$dir"
}

# cri_build_images DIR REPO: builds both archives in DIR (inside the sandbox).
cri_build_images() {
    local dir=$1 repo=$2
    mkdir -p "$dir/pause-rootfs" || return
    gcc -static -Os -s -o "$dir/pause-rootfs/pause" "$repo/scripts/cri/pause.c" || return
    oci_archive "$dir/pause.tar" "$CRI_PAUSE_IMAGE" "$dir/pause-rootfs" '["/pause"]' || return
    "$repo/scripts/make-rootfs.sh" "$dir/web-rootfs" >/dev/null || return
    oci_archive "$dir/web.tar" "$CRI_WEB_IMAGE" "$dir/web-rootfs" '["/bin/sh"]' || return
    rm -rf "$dir/pause-rootfs" "$dir/web-rootfs"
}

# cri_import_images DIR SOCKET SNAPSHOTTER: imports both archives for the CRI plugin.
cri_import_images() {
    local dir=$1 socket=$2 snapshotter=$3 img
    for img in pause web; do
        timeout 60 ctr --address "$socket" -n k8s.io images import --snapshotter "$snapshotter" "$dir/$img.tar" || return
    done
}
