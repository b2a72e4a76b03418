# shellcheck shell=bash
# Sourced by scripts/kind-load.sh: how the node containers of a kind cluster are found.
# Uses $DOCKER (default docker) and $KIND (default kind); kind is optional.

# True when the kind CLI is available.
kind_available() { command -v "${KIND:-kind}" >/dev/null 2>&1; }

# Prints the node container names of cluster $1, one per line, sorted (nothing when none);
# fails when the listing command fails (e.g. no docker daemon). For an unknown cluster
# `kind get nodes` prints "No kind nodes found for cluster ..." on stderr and exits 0.
kind_nodes() {
    local cluster="$1" out
    if kind_available; then
        out="$("${KIND:-kind}" get nodes --name "$cluster")" || return
    else
        out="$("${DOCKER:-docker}" ps --filter "label=io.x-k8s.kind.cluster=$cluster" --format '{{.Names}}')" || return
    fi
    [ -z "$out" ] || sort <<<"$out"
}

# Names the command kind_nodes used, for error messages.
kind_nodes_source() {
    if kind_available; then
        echo "kind get nodes --name $1"
    else
        echo "${DOCKER:-docker} ps --filter label=io.x-k8s.kind.cluster=$1"
    fi
}

# The clusters that exist, comma-separated, or "none".
kind_clusters() {
    local list
    if kind_available; then
        list="$("${KIND:-kind}" get clusters 2>/dev/null | sort -u | paste -sd, -)" || true
    else
        list="$("${DOCKER:-docker}" ps --filter label=io.x-k8s.kind.cluster \
            --format '{{.Label "io.x-k8s.kind.cluster"}}' 2>/dev/null | sort -u | paste -sd, -)" || true
    fi
    echo "${list:-none}"
}
