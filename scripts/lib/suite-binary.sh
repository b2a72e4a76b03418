# shellcheck shell=bash
# Sourced by every script that runs the suite: the one way to find the suite binary and to
# install it under the plugin names.
#
#   suite_binary ROOT [--dev] [--no-build]
#     Prints the path of the suite binary: $CNI_PLUGINS_BIN when set; else ROOT/dist/cni-plugins
#     when it is newer than every source file; else, with --dev, a fresh
#     .build/{release,debug}/cni-plugins; else builds one (scripts/build.sh: the static release
#     binary into dist/; with --dev a debug build, quicker). --no-build: never build, take
#     dist/cni-plugins even when stale, fail when there is none.
#   suite_install BINARY DIR
#     `BINARY install DIR`: the binary copies itself into DIR under each plugin name, one file
#     per name, each written to a temp file and renamed into place.

# shellcheck disable=SC2034  # used by the scripts that source this file
SUITE_PLUGIN_NAMES=(flannel bridge host-local portmap loopback bandwidth)

# True when $1 exists and is newer than every source file (Package.swift, Sources/) under $2.
suite_binary_is_fresh() {
    local bin="$1" root="$2"
    [ -x "$bin" ] || return 1
    [ -z "$(find "$root/Package.swift" "$root/Sources" -newer "$bin" -type f -print -quit 2>/dev/null)" ]
}

suite_binary() {
    local root="$1" dev=0 build=1 cand
    shift
    while (($#)); do
        case "$1" in
            --dev) dev=1 ;;
            --no-build) build=0 ;;
            *) echo "suite_binary: unknown option $1" >&2; return 2 ;;
        esac
        shift
    done
    if [ -n "${CNI_PLUGINS_BIN:-}" ]; then
        [ -x "$CNI_PLUGINS_BIN" ] || { echo "CNI_PLUGINS_BIN=$CNI_PLUGINS_BIN is not executable" >&2; return 1; }
        echo "$CNI_PLUGINS_BIN"; return 0
    fi
    if ((build == 0)); then
        [ -x "$root/dist/cni-plugins" ] || { echo "no $root/dist/cni-plugins (run scripts/build.sh or set CNI_PLUGINS_BIN)" >&2; return 1; }
        echo "$root/dist/cni-plugins"; return 0
    fi
    if suite_binary_is_fresh "$root/dist/cni-plugins" "$root"; then echo "$root/dist/cni-plugins"; return 0; fi
    if ((dev)); then
        for cand in "$root/.build/release/cni-plugins" "$root/.build/debug/cni-plugins"; do
            if suite_binary_is_fresh "$cand" "$root"; then echo "$cand"; return 0; fi
        done
        command -v swift >/dev/null || { echo "no up-to-date suite binary and no swift to build one" >&2; return 1; }
        echo "building the debug binary (swift build --product cni-plugins)" >&2
        (cd "$root" && swift build --product cni-plugins >&2) || return
        echo "$(cd "$root" && swift build --show-bin-path)/cni-plugins"
        return 0
    fi
    echo "building dist/cni-plugins (scripts/build.sh)" >&2
    "$root/scripts/build.sh" >/dev/null || return
    echo "$root/dist/cni-plugins"
}

suite_install() {
    local bin="$1" dir="$2"
    (exec -a cni-plugins "$bin" install "$dir") || { echo "installing $bin into $dir failed" >&2; return 1; }
}
