# shellcheck shell=bash
# Sourced by the scripts/e2e-*.sh tests: counted checks and the closing line.
# Set E2E_NAME before calling finish. Every check prints "ok" or "FAIL" with what differed.
E2E_PASSED=0
E2E_FAILED=0
E2E_SKIPPED=0
E2E_FAILURES=()

pass() { E2E_PASSED=$((E2E_PASSED + 1)); echo "  ok    $1"; }

fail() {
    E2E_FAILED=$((E2E_FAILED + 1))
    E2E_FAILURES+=("$1")
    echo "  FAIL  $1"
    if [ -n "${2:-}" ]; then printf '%s\n' "$2" | sed 's/^/        /'; fi
}

# skip NAME_AND_REASON: a check this machine cannot make (counted apart, not a failure).
skip() { E2E_SKIPPED=$((E2E_SKIPPED + 1)); echo "  skip  $1"; }

# check NAME CMD...: passes when CMD succeeds; on failure shows CMD's output.
check() {
    local name="$1" output; shift
    if output="$("$@" 2>&1)"; then pass "$name"; else fail "$name" "\$ $*"$'\n'"$output"; fi
}

expect_eq() {
    if [ "$2" == "$3" ]; then pass "$1"; else
        fail "$1" "$(diff <(printf '%s\n' "$2") <(printf '%s\n' "$3") | sed 's/^</expected:/; s/^>/actual:  /' | grep -v '^---' || true)"
    fi
}

expect_contains() {
    if [[ "$3" == *"$2"* ]]; then pass "$1"; else fail "$1" "expected to contain: $2"$'\n'"actual: $3"; fi
}

expect_not_contains() {
    if [[ "$3" != *"$2"* ]]; then pass "$1"; else fail "$1" "expected not to contain: $2"$'\n'"actual: $3"; fi
}

# Prints the closing line and exits 1 when anything failed.
finish() {
    if ((E2E_FAILED)); then
        echo "failed checks:"
        printf '  - %s\n' "${E2E_FAILURES[@]}"
    fi
    local skipped=""
    ((E2E_SKIPPED == 0)) || skipped=", $E2E_SKIPPED skipped"
    echo "${E2E_NAME:-e2e}: $E2E_PASSED passed, $E2E_FAILED failed$skipped"
    ((E2E_FAILED == 0))
    exit $?
}
