#!/usr/bin/env bash
# The whole test suite: the lint, unit tests, integration tests in private network namespaces (as root),
# the install check. Exits non-zero on any failure.
set -euo pipefail
. "$(dirname "$0")/lib/toolchain.sh"
cd "$(dirname "$0")/.."
# Lint first (seconds): the rules in .swift-format, among them no force unwrap, no `try!`, no
# implicitly unwrapped optional - a plugin that traps leaves the runtime without an error JSON.
# Layout is not linted: the pretty-printer pass would reflow the aligned continuation lines.
swift format lint --strict --parallel --debug-disable-pretty-print --configuration .swift-format \
    --recursive Sources Tests Package.swift || { echo "test.sh: swift format lint found problems" >&2; exit 1; }
scripts/deps.sh --test
# The scripts: shellcheck at warning level, following sourced libraries (-x); a variable set in
# one library and read in another is annotated where it is set.
shellcheck -x -S warning scripts/*.sh scripts/lib/*.sh scripts/cni-exec \
    || { echo "test.sh: shellcheck found problems" >&2; exit 1; }
# The CRI e2e driver's pure parts, with Debian's python3 (the one python3-grpcio belongs to).
/usr/bin/python3 -m unittest discover -s scripts/cri -p 'test_*.py' ||
    { echo "test.sh: the unit tests of scripts/cri failed" >&2; exit 1; }
if [ "$(id -u)" != 0 ]; then
    echo "note: not root - tests that create network namespaces will be skipped" >&2
fi
status=0
swift build --build-tests
log=$(mktemp "${TMPDIR:-/tmp}/swift-cni-test.XXXXXX.log")
echo "test.sh: the test output is also in $log" >&2
swift test --skip-build 2>&1 | tee "$log" || status=1
scripts/check-install.sh || status=1
for t in scripts/e2e-*.sh; do
    [ -x "$t" ] || continue  # each e2e script skips by itself when it needs root and is not
    echo "== $t"
    "$t" || status=1
done
exit $status
