#!/usr/bin/env bash
# The init-container image (scripts/image.sh), as root, in a private node (new pid, mount and
# network namespaces; tmpfs container storage: scripts/lib/runtime-sandbox.sh):
# - the archive is an OCI image index of linux/amd64 and linux/arm64 images (each holding only
#   /cni-plugins, the static binary of that architecture; amd64 only, said so, when there is no
#   up-to-date dist/cni-plugins-arm64: scripts/e2e-arm64.sh builds it);
# - `podman load -i` accepts the OCI archive under its name and picks this machine's image;
# - `podman run` with a host dir mounted at /opt/cni/bin (kube-flannel's install-cni-plugin
#   mount) installs flannel, bridge, host-local, portmap, loopback and bandwidth: six own files, each
#   byte-identical to the static binary, each answering VERSION;
# - a second run changes nothing (same inodes, "nothing to do");
# - after `cp -f <another binary> DIR/flannel` (what kube-flannel's stock init container does) a
#   run puts flannel back and leaves the other four untouched;
# - containerd: the archive imported the way `kind load image-archive` does it
#   (`ctr --namespace=k8s.io images import --all-platforms --digests --snapshotter=overlayfs -`)
#   is listed under its name, and `ctr run` of it installs the six files too.
# Closing line: "e2e-image: N passed, M failed"; skips (exit 0) when not root or when podman
# cannot run a container here.
set -uo pipefail
E2E_ROOT="$(cd "$(dirname "$0")/.." && pwd)"
. "$E2E_ROOT/scripts/lib/toolchain.sh"
. "$E2E_ROOT/scripts/lib/e2e-assert.sh"
. "$E2E_ROOT/scripts/lib/suite-binary.sh"
. "$E2E_ROOT/scripts/lib/runtime-sandbox.sh"
E2E_NAME=e2e-image

skip() { echo "$E2E_NAME: skipped: $*"; echo "$E2E_NAME: 0 passed, 0 failed, 1 skipped"; exit 0; }
[ "$(id -u)" = 0 ] || skip "needs root (namespaces, podman as root)"
for tool in buildah podman runc conmon containerd ctr unshare nsenter setpriv; do
    command -v "$tool" >/dev/null || skip "$tool is not installed (scripts/deps.sh --test installs it)"
done

bin=$(suite_binary "$E2E_ROOT") || { fail "find or build the suite binary"; finish; }
WORK=$(mktemp -d /tmp/e2e-image.XXXXXX)
OUT=$(mktemp -d /tmp/e2e-image-out.XXXXXX)
NAME="localhost/swift-cni-plugins:e2e-$$"
CGROUP_PARENT="e2e-image-${WORK##*.}"
cleanup() {
    if sandbox_alive; then sandbox_run timeout 30 podman rm -af -t 0 >/dev/null 2>&1; fi
    sandbox_stop
    sandbox_remove_cgroups "$CGROUP_PARENT"
    rm -rf "$OUT"
    [ ! -d "$WORK" ] || rmdir "$WORK" 2>/dev/null
}
trap cleanup EXIT
arm="$E2E_ROOT/dist/cni-plugins-arm64"
if suite_binary_is_fresh "$arm" "$E2E_ROOT"; then
    platforms="linux/amd64 linux/arm64"
    image_args=(--arch all --binary "$bin" --binary-arm64 "$arm")
else
    platforms="linux/amd64"
    image_args=(--arch amd64 --binary "$bin")
    echo "  skip  the linux/arm64 image: no up-to-date $arm (scripts/e2e-arm64.sh builds it)"
fi
"$E2E_ROOT/scripts/image.sh" "${image_args[@]}" --name "$NAME" --output "$OUT/image.tar" >/dev/null 2>"$OUT/image.err" \
    || { fail "scripts/image.sh" "$(cat "$OUT/image.err")"; finish; }
pass "scripts/image.sh built $NAME ($(stat -c %s "$OUT/image.tar") bytes)"

sandbox_start "$WORK" 2>"$OUT/sandbox.err" || skip "cannot create the private node: $(tail -n 2 "$OUT/sandbox.err" | tr '\n' ' ')"
on_node() { sandbox_run "$@"; }
pm() { sandbox_run timeout 120 podman "$@"; }
# The host dir the init container's volume mounts (inside the sandbox's tmpfs).
HOSTDIR="$WORK/host-opt-cni-bin"
on_node mkdir -p "$HOSTDIR" "$WORK/ctr-opt-cni-bin"
on_node cp "$bin" "$WORK/cni-plugins"

out=$(pm load -i "$OUT/image.tar" 2>&1)
expect_contains "podman load -i accepts the OCI archive" "$NAME" "$out"
# What the archive holds, read from it: its one entry is an image index; per platform, every
# layer's entries (sorted) and the ELF machine of /cni-plugins (e_machine: 62 x86_64, 183 aarch64).
contents=$(python3 - "$OUT/image.tar" <<'PY'
import json, struct, sys, tarfile
t = tarfile.open(sys.argv[1])
blob = lambda d: t.extractfile("./blobs/" + d.replace(":", "/"))
top = json.load(t.extractfile("./index.json"))["manifests"]
print("entries", len(top), top[0]["mediaType"].rsplit(".", 2)[-2] if top else "-")
index = json.load(blob(top[0]["digest"])) if top else {"manifests": []}
for m in index["manifests"]:
    p = m.get("platform", {})
    manifest = json.load(blob(m["digest"]))
    config = json.load(blob(manifest["config"]["digest"]))
    files = []
    for layer in manifest["layers"]:
        with tarfile.open(fileobj=blob(layer["digest"])) as lt:
            for e in lt.getmembers():
                entry = ("/" + e.name.lstrip("./")) + ("" if e.isfile() else " (" + ("dir" if e.isdir() else "other") + ")")
                if e.isfile() and e.name.lstrip("./") == "cni-plugins":
                    head = lt.extractfile(e).read(20)
                    entry += " e_machine=%d" % struct.unpack("<H", head[18:20])[0]
                files.append(entry + " " + oct(e.mode & 0o7777))
    print("%s/%s config=%s/%s: %s" % (p.get("os"), p.get("architecture"), config.get("os"), config.get("architecture"), "; ".join(sorted(files))))
PY
)
expected="entries 1 index"
for pl in $platforms; do
    case $pl in */amd64) em=62 ;; *) em=183 ;; esac
    expected+=$'\n'"$pl config=$pl: /LICENSE 0o644; /THIRD-PARTY-NOTICES.md 0o644; /cni-plugins e_machine=$em 0o755"
done
expect_eq "the archive is an image index of $platforms, each image /cni-plugins (0755) of its architecture and the licences (0644)" \
    "$expected" "$contents"
expect_eq "podman load picked this machine's image (linux/amd64)" "linux/amd64" \
    "$(pm image inspect -f '{{.Os}}/{{.Architecture}}' "$NAME" 2>&1)"
expect_contains "entrypoint is the binary's install command" '/cni-plugins install' \
    "$(pm image inspect -f '{{.Config.Entrypoint}} {{.Config.Cmd}}' "$NAME" 2>&1 | tr -d '[]')"

run_image() {
    pm run --rm --network none --cgroup-parent "$CGROUP_PARENT" -v "$HOSTDIR:/opt/cni/bin" "$NAME" 2>&1
}
# layout DIR: "name inode" per plugin file.
layout() { on_node sh -c 'cd "$1" && for f in flannel bridge host-local portmap loopback bandwidth; do echo "$f $(stat -c %i "$f")"; done' x "$1"; }
check_installed() {  # LABEL DIR
    local label=$1 dir=$2 p ok=1 why=""
    for p in "${SUITE_PLUGIN_NAMES[@]}"; do
        on_node cmp -s "$dir/$p" "$WORK/cni-plugins" || { ok=0; why+="$p differs from the binary; "; }
        [ "$(on_node stat -c %h "$dir/$p" 2>/dev/null)" = 1 ] || { ok=0; why+="$p is not a single-link file; "; }
        on_node env CNI_COMMAND=VERSION "$dir/$p" </dev/null 2>/dev/null | grep -q '"1.1.0"' || { ok=0; why+="$p VERSION fails; "; }
    done
    local inodes
    inodes=$(layout "$dir" | awk '{print $2}' | sort -u | wc -l)
    ((inodes == 6)) || { ok=0; why+="$inodes distinct files for 6 names; "; }
    local hidden
    hidden=$(on_node find "$dir" -mindepth 1 -name '.*')
    [ -z "$hidden" ] || { ok=0; why+="temp files left: $hidden"; }
    ((ok)) && pass "$label: six own files, the static binary, VERSION 1.1.0" || fail "$label" "$why"
}

out=$(run_image); rc=$?
if ((rc != 0)); then
    probe=$(pm run --rm --network none --cgroup-parent "$CGROUP_PARENT" --rootfs "$WORK" /cni-plugins --help 2>&1)
    fail "podman run $NAME (exit $rc)" "$out"$'\n'"probe: $probe"
    finish
fi
expect_contains "podman run installs the six" "installed loopback host-local bridge portmap bandwidth flannel" "$out"
check_installed "podman run -v HOSTDIR:/opt/cni/bin" "$HOSTDIR"
first=$(layout "$HOSTDIR")
out=$(run_image)
expect_contains "second run: nothing to do" "nothing to do" "$out"
expect_eq "second run leaves every file in place (same inodes)" "$first" "$(layout "$HOSTDIR")"

foreign=/usr/lib/cni/bridge
[ -x "$foreign" ] || foreign=/bin/true
on_node cp -f "$foreign" "$HOSTDIR/flannel"
check "cp -f $foreign over flannel replaced it" on_node cmp -s "$foreign" "$HOSTDIR/flannel"
out=$(run_image)
expect_contains "a run after cp -f reinstalls flannel only" "installed flannel;" "$out"
check_installed "after cp -f + run" "$HOSTDIR"
expect_eq "bridge, host-local, portmap, loopback, bandwidth untouched (same inodes)" \
    "$(grep -v '^flannel ' <<<"$first")" "$(layout "$HOSTDIR" | grep -v '^flannel ')"

# ---- containerd / kind ----------------------------------------------------------------------
on_node sh -c 'containerd >/run/containerd.log 2>&1 &'
for _ in $(seq 100); do on_node test -S /run/containerd/containerd.sock && break; sleep 0.1; done
if ! on_node timeout 10 ctr version >/dev/null 2>&1; then
    fail "containerd started in the private node" "$(on_node tail -n 5 /run/containerd.log 2>&1)"
    finish
fi
out=$(on_node sh -c 'timeout 120 ctr --namespace=k8s.io images import --all-platforms --digests --snapshotter=overlayfs - <"$1"' x "$OUT/image.tar" 2>&1) \
    || fail "ctr images import (as kind load image-archive runs it)" "$out"
expect_contains "ctr images import names the image" "$NAME" "$(on_node ctr --namespace=k8s.io images ls -q 2>&1)"
expect_contains "containerd lists the index's platforms" "${platforms// /,}" \
    "$(on_node ctr --namespace=k8s.io images ls 2>&1 | grep -F "$NAME")"
out=$(on_node timeout 120 ctr --namespace=k8s.io run --rm --net-host --cgroup "$CGROUP_PARENT/ctr-install" \
    --mount "type=bind,src=$WORK/ctr-opt-cni-bin,dst=/opt/cni/bin,options=rbind:rw" "$NAME" "e2e-image-$$" 2>&1)
expect_contains "ctr run of the imported image installs the six" "installed loopback host-local bridge portmap bandwidth flannel" "$out"
check_installed "ctr run --mount ...:/opt/cni/bin" "$WORK/ctr-opt-cni-bin"
finish
