#!/usr/bin/env bash
# Builds the release multicall binary (Swift stdlib linked statically) into dist/.
# Prints the path of the stripped binary on stdout.
set -euo pipefail
. "$(dirname "$0")/lib/toolchain.sh"
cd "$(dirname "$0")/.."
# No $ORIGIN runpath: the plugin directory must never be searched for shared libraries.
swift build -c release --static-swift-stdlib --disable-local-rpath --product cni-plugins >&2
bin="$(swift build -c release --static-swift-stdlib --disable-local-rpath --show-bin-path)/cni-plugins"
mkdir -p dist
strip -o dist/cni-plugins.tmp "$bin"
mv -f dist/cni-plugins.tmp dist/cni-plugins
echo "$PWD/dist/cni-plugins"
