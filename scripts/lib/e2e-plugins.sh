# shellcheck shell=bash
# Sourced by scripts/e2e-cluster.sh: which plugin binaries the test runs.
#
# $CNI_PLUGIN_DIR set (e.g. after `scripts/install.sh DIR`): that directory is CNI_PATH and its
# `flannel` runs as cni-exec. Otherwise the suite binary (`suite_binary ROOT --dev`, see
# scripts/lib/suite-binary.sh) installs itself into a temp dir, as install.sh does.
# Sets E2E_CNI_PATH and E2E_RUNNER.

# shellcheck source=scripts/lib/suite-binary.sh
. "$(dirname "${BASH_SOURCE[0]}")/suite-binary.sh"
E2E_PLUGIN_NAMES=("${SUITE_PLUGIN_NAMES[@]}")

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
    bin="$(suite_binary "$root" --dev)" || return
    suite_install "$bin" "$E2E_TMP/bin" >/dev/null || return
    E2E_CNI_PATH="$E2E_TMP/bin"
    E2E_RUNNER="$E2E_TMP/bin/flannel"
    echo "plugins: $bin installed into $E2E_CNI_PATH as ${E2E_PLUGIN_NAMES[*]} (a copy per name)"
}
