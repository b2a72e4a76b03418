#!/usr/bin/env bash
# Usage: scripts/kind-load.sh [--dry-run] [--binary FILE] [--binary-arm64 FILE]
#                             [--conflist FILE | --no-conflist] [CLUSTER]
#
# Installs the suite into every node of a kind cluster (default cluster: $KIND_CLUSTER_NAME or
# "kind"): the static multicall binary as /opt/cni/bin/{flannel,bridge,host-local,portmap,loopback,bandwidth},
# each name its own file, and the conflist as /etc/cni/net.d/10-flannel.conflist. The binary is
# copied to a staging dir on the node (/opt/cni/.cni-plugins-install) and installs itself with
# `cni-plugins install /opt/cni/bin` (temp file + rename per name: a running kubelet never execs a
# half-written file; names already up to date are kept); the conflist is copied to a temp name and
# renamed with `docker exec NODE mv`. Nodes: `kind get nodes --name CLUSTER`, or without kind
# `docker ps --filter label=io.x-k8s.kind.cluster=CLUSTER`. --dry-run prints the install commands
# (shell-quoted, one per line) and runs none of them; only the read-only node listing and each
# node's `uname -m` run.
# Each node gets the binary of its architecture (`docker exec NODE uname -m`): x86_64 nodes
# --binary, else the suite binary (scripts/lib/suite-binary.sh: dist/cni-plugins, built with
# scripts/build.sh when missing or stale); aarch64 nodes --binary-arm64, else
# dist/cni-plugins-arm64 (built with scripts/build.sh --arch arm64 when missing or stale).
# Conflist: --conflist, else
# conflists/10-flannel.conflist. Env: DOCKER (e.g. podman), KIND.
# Create the cluster with `networking.disableDefaultCNI: true`. kube-flannel's stock init
# container `install-cni-plugin` copies its own flannel over /opt/cni/bin/flannel at every start:
# the other four names stay ours; switch that init container to the suite's image
# (scripts/image.sh, see conflists/README.md), or re-run this script after flannel pods restart.
# The static binary runs on every kind node image, old (glibc 2.31) or new.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/lib/kind-nodes.sh
. "$here/scripts/lib/kind-nodes.sh"
# shellcheck source=scripts/lib/suite-binary.sh
. "$here/scripts/lib/suite-binary.sh"

dry_run=0; binary=""; binary_arm64=""; conflist="$here/conflists/10-flannel.conflist"; with_conflist=1
cluster="${KIND_CLUSTER_NAME:-kind}"
while (($#)); do
    case "$1" in
        --dry-run|-n) dry_run=1; shift ;;
        --binary) binary="${2:?--binary needs a file}"; shift 2 ;;
        --binary-arm64) binary_arm64="${2:?--binary-arm64 needs a file}"; shift 2 ;;
        --conflist) conflist="${2:?--conflist needs a file}"; shift 2 ;;
        --no-conflist) with_conflist=0; shift ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        -*) echo "kind-load: unknown option $1 (see --help)" >&2; exit 2 ;;
        *) cluster="$1"; shift ;;
    esac
done
DOCKER="${DOCKER:-docker}"
plugins=("${SUITE_PLUGIN_NAMES[@]}")
bindir=/opt/cni/bin
staging=/opt/cni/.cni-plugins-install
netconf=/etc/cni/net.d

die() { echo "kind-load: $*" >&2; exit 1; }

command -v "$DOCKER" >/dev/null 2>&1 || die "$DOCKER not found on PATH (kind nodes are containers: install docker, or set DOCKER=podman)"
if [ -z "$binary" ]; then
    if ((dry_run)); then binary="$here/dist/cni-plugins"; else binary=$(suite_binary "$here") || die "no suite binary"; fi
fi
((dry_run)) || [ -f "$binary" ] || die "binary $binary not found (run scripts/build.sh or pass --binary FILE)"
if ((with_conflist)); then
    ((dry_run)) || [ -f "$conflist" ] || die "conflist $conflist not found (pass --conflist FILE or --no-conflist)"
fi

node_list="$(kind_nodes "$cluster")" \
    || die "cannot list the nodes of kind cluster \"$cluster\": $(kind_nodes_source "$cluster") failed"
nodes=()
while IFS= read -r n; do [ -n "$n" ] && nodes+=("$n"); done <<<"$node_list"
if ((${#nodes[@]} == 0)); then
    die "no nodes found for kind cluster \"$cluster\" ($(kind_nodes_source "$cluster") listed none; existing clusters: $(kind_clusters))"
fi

# Runs (or, in dry-run mode, prints) one command, shell-quoted so the printout can be pasted.
run() {
    if ((dry_run)); then
        printf '%q' "$1"; shift; printf ' %q' "$@"; printf '\n'
        return 0
    fi
    "$@"
}

# The binary for an aarch64 node, found (or built) at the first such node.
arm64_binary() {
    if [ -z "$binary_arm64" ]; then
        binary_arm64="$here/dist/cni-plugins-arm64"
        if ((!dry_run)) && ! suite_binary_is_fresh "$binary_arm64" "$here"; then
            echo "kind-load: building $binary_arm64 (scripts/build.sh --arch arm64)" >&2
            "$here/scripts/build.sh" --arch arm64 >/dev/null || { echo "kind-load: scripts/build.sh --arch arm64 failed" >&2; return 1; }
        fi
    fi
    ((dry_run)) || [ -f "$binary_arm64" ] || { echo "kind-load: arm64 binary $binary_arm64 not found" >&2; return 1; }
}

install_node() {
    local node="$1" base machine file
    # Read-only: runs in --dry-run too (the printed commands depend on it).
    machine=$("$DOCKER" exec "$node" uname -m </dev/null) || { echo "kind-load: docker exec $node uname -m failed" >&2; return 1; }
    case "$machine" in
        x86_64 | amd64) file=$binary ;;
        aarch64 | arm64) arm64_binary || return; file=$binary_arm64 ;;
        *) echo "kind-load: node $node is $machine: the suite is built for x86_64 and aarch64 only" >&2; return 1 ;;
    esac
    ((dry_run)) && echo "# $node: $machine"
    run "$DOCKER" exec "$node" mkdir -p "$staging" || return
    run "$DOCKER" cp -L "$file" "$node:$staging/cni-plugins" || return
    run "$DOCKER" exec "$node" chmod 0755 "$staging/cni-plugins" || return
    run "$DOCKER" exec "$node" "$staging/cni-plugins" install "$bindir" || return
    run "$DOCKER" exec "$node" rm -rf "$staging" || return
    if ((with_conflist)); then
        base="$(basename "$conflist")"
        run "$DOCKER" exec "$node" mkdir -p "$netconf" || return
        run "$DOCKER" cp -L "$conflist" "$node:$netconf/.$base.new" || return
        run "$DOCKER" exec "$node" chmod 0600 "$netconf/.$base.new" || return  # CIS 1.1.9, before the rename
        run "$DOCKER" exec "$node" mv -f "$netconf/.$base.new" "$netconf/$base" || return
    fi
    # The installed plugin must run on the node: VERSION needs no config.
    if ((dry_run)); then
        run "$DOCKER" exec -e CNI_COMMAND=VERSION "$node" "$bindir/flannel"
    elif ! "$DOCKER" exec -e CNI_COMMAND=VERSION "$node" "$bindir/flannel" </dev/null >/dev/null; then
        echo "kind-load: $bindir/flannel does not run on node $node (CNI_COMMAND=VERSION failed)" >&2
        return 1
    fi
}

failed=()
for node in "${nodes[@]}"; do
    ((dry_run)) && echo "# node $node"
    if ! install_node "$node"; then
        echo "kind-load: installing on node $node failed" >&2
        failed+=("$node")
    fi
done
((dry_run)) && exit 0
((${#failed[@]} == 0)) || die "failed on ${#failed[@]} of ${#nodes[@]} nodes: ${failed[*]}"
what="${plugins[*]}"; ((with_conflist)) && what+=" + $netconf/$(basename "$conflist")"
echo "kind-load: installed $what on ${#nodes[@]} nodes of kind cluster \"$cluster\": ${nodes[*]}"
