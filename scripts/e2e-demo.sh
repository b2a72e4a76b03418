#!/usr/bin/env bash
# Runs scripts/demo.sh (the newcomer's first run) as a test: it must succeed, show the pings,
# the hostPort answers and cni-inspect's "node ready for pods", and leave no namespace, temp
# dir or root-netns link behind.
# Closing line: "e2e-demo: N passed, M failed"; exits non-zero on failure, 0 (skip) if not root.
set -uo pipefail
E2E_ROOT="$(cd "$(dirname "$0")/.." && pwd)"
E2E_NAME=e2e-demo
if [ "$(id -u)" != 0 ]; then
    echo "e2e-demo: skipped: needs root (creates network namespaces)"
    exit 0
fi
# shellcheck source=scripts/lib/e2e-assert.sh
. "$E2E_ROOT/scripts/lib/e2e-assert.sh"

links_before="$(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | sort)"
temps_before="$(ls -d /tmp/cni-demo.* 2>/dev/null | sort)"
out="$(timeout 300 "$E2E_ROOT/scripts/demo.sh" 2>&1)"
rc=$?
printf '%s\n' "$out" | sed 's/^/  | /'
expect_eq "demo.sh exits 0" 0 "$rc"
expect_contains "pod1 pings pod2" "ok: pod1 -> pod2 (10.244.1." "$out"
expect_contains "pod2 pings pod1" "ok: pod2 -> pod1 (10.244.1." "$out"
expect_contains "hostPort answers the node" 'ok: from node: http://198.18.0.10:8080/ answered "hello from pod1"' "$out"
expect_contains "hostPort answers the other pod" 'ok: from pod2: http://198.18.0.10:8080/ answered "hello from pod1"' "$out"
expect_contains "cni-inspect's verdict on the node with its two pods" $'== cni-inspect for this node\nnode ready for pods' "$out"
expect_contains "cni-inspect lists both pods" "demo-pod2" "$out"
expect_contains "clean after DEL" "ok: cni-inspect: no pods, no reservations, no hostPorts, no problems" "$out"
expect_not_contains "no step failed" "FAILED" "$out"
expect_eq "no demo namespace left" "" "$(ip netns list | awk '{print $1}' | grep '^cnidemo' || true)"
expect_eq "no demo temp dir left" "$temps_before" "$(ls -d /tmp/cni-demo.* 2>/dev/null | sort)"
links_after="$(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | sort)"
expect_eq "root netns links unchanged" "$links_before" "$links_after"
finish
