# shellcheck shell=bash
# Sourced by scripts/e2e-cluster.sh: which plugin binaries the test runs.
#
# $CNI_PLUGIN_DIR set (e.g. after `scripts/install.sh DIR`): that directory is CNI_PATH and its
# `flannel` runs as cni-exec. Otherwise the suite binary ($CNI_PLUGINS_BIN, else the newest of
# dist/cni-plugins, .build/{debug,release}/cni-plugins that is not older than the sources, else
# a fresh `swift build --product cni-plugins`) is installed into a temp dir like install.sh does.
# Sets E2E_CNI_PATH and E2E_RUNNER.

E2E_PLUGIN_NAMES=(flannel bridge host-local portmap loopback)

# True when $1 is newer than every source file (Package.swift, Sources/).
binary_is_fresh() {
    local bin="$1" root="$2"
    [ -x "$bin" ] || return 1
    [ -z "$(find "$root/Package.swift" "$root/Sources" -newer "$bin" -type f -print -quit 2>/dev/null)" ]
}

# Prints the path of an up-to-date suite binary, building a debug one when needed.
find_suite_binary() {
    local root="$1" cand
    if [ -n "${CNI_PLUGINS_BIN:-}" ]; then echo "$CNI_PLUGINS_BIN"; return; fi
    for cand in "$root/dist/cni-plugins" "$root/.build/release/cni-plugins" "$root/.build/debug/cni-plugins"; do
        if binary_is_fresh "$cand" "$root"; then echo "$cand"; return; fi
    done
    command -v swift >/dev/null || { echo "e2e: no up-to-date binary and no swift to build one" >&2; return 1; }
    echo "e2e: building the debug binary (swift build --product cni-plugins)" >&2
    (cd "$root" && swift build --product cni-plugins >&2) || return
    echo "$(cd "$root" && swift build --show-bin-path)/cni-plugins"
}

# Sets E2E_CNI_PATH / E2E_RUNNER; installs into $E2E_TMP/bin unless $CNI_PLUGIN_DIR is given.
resolve_plugins() {
    local root="$1" name bin
    if [ -n "${CNI_PLUGIN_DIR:-}" ]; then
        for name in "${E2E_PLUGIN_NAMES[@]}"; do
            [ -x "$CNI_PLUGIN_DIR/$name" ] || { echo "e2e: $CNI_PLUGIN_DIR/$name missing (CNI_PLUGIN_DIR)" >&2; return 1; }
        done
        E2E_CNI_PATH="$CNI_PLUGIN_DIR"
        E2E_RUNNER="${CNI_PLUGINS_BIN:-$CNI_PLUGIN_DIR/flannel}"
        echo "plugins: installed dir $CNI_PLUGIN_DIR (runner: $E2E_RUNNER as cni-exec)"
        return
    fi
    bin="$(find_suite_binary "$root")" || return
    [ -x "$bin" ] || { echo "e2e: $bin is not executable" >&2; return 1; }
    mkdir -p "$E2E_TMP/bin"
    cp "$bin" "$E2E_TMP/bin/.cni-plugins" && chmod 0755 "$E2E_TMP/bin/.cni-plugins" || return
    for name in "${E2E_PLUGIN_NAMES[@]}"; do
        ln -f "$E2E_TMP/bin/.cni-plugins" "$E2E_TMP/bin/$name" || return
    done
    E2E_CNI_PATH="$E2E_TMP/bin"
    E2E_RUNNER="$E2E_TMP/bin/flannel"
    echo "plugins: $bin installed into $E2E_CNI_PATH as ${E2E_PLUGIN_NAMES[*]} (hard links)"
}
