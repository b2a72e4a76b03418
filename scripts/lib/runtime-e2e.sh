# shellcheck shell=bash
# The life cycle every runtime end-to-end test shares (sourced by scripts/e2e-runtime.sh and
# scripts/e2e-cri.sh after runtime-sandbox.sh and the e2e-assert counters): skipping with a
# reason, starting the private node, and the final cleanup that prints the closing line.
# The caller sets NAME, WORK (a mktemp dir) and CGROUP_PARENT.

E2E_SKIP_REASON=""
# skip_all REASON: nothing was tested, for a reason outside the suite's control; exit 0. The
# two lines are printed last (by e2e_finish once the trap is installed).
skip_all() {
    E2E_SKIP_REASON=$*
    if [ -z "${E2E_TRAP_SET:-}" ]; then print_skip; fi
    exit 0
}
print_skip() {
    echo "$NAME: skipped: $E2E_SKIP_REASON"
    echo "$NAME: 0 passed, 0 failed, 1 skipped"
}

# e2e_begin: sweeps the empty cgroups a killed earlier run of NAME left, records the host state
# the test must not change, and starts the private node in WORK (skipping when the kernel
# refuses the namespaces or mounts).
e2e_begin() {
    # shellcheck disable=SC2034  # read by runtime-checks.sh
    E2E_START_MS=$(now_ms)
    sandbox_remove_cgroups "$NAME-*"
    # shellcheck disable=SC2034  # read by runtime-checks.sh and e2e-cri.sh
    E2E_HOST_BEFORE=$(host_snapshot)
    if ! sandbox_start "$WORK" 2>"$WORK.err"; then
        local setup_err
        setup_err=$(tail -n 3 "$WORK.err" | tr '\n' ' ')
        rm -f "$WORK.err"
        skip_all "cannot create private pid/mount/net namespaces with tmpfs and overlay mounts: $setup_err"
    fi
    rm -f "$WORK.err"
}

# e2e_finish RC: after the caller stopped what runs in the node, removes the node, its cgroups
# and WORK, then prints the skip lines or the summary and exits (1 on any failure).
e2e_finish() {
    local rc=$1
    sandbox_stop
    sandbox_remove_cgroups "$CGROUP_PARENT"
    [ ! -d "$WORK" ] || rmdir "$WORK" 2>/dev/null
    if [ -n "$E2E_SKIP_REASON" ] && ((E2E_PASSED + E2E_FAILED == 0)); then
        print_skip
        exit 0
    fi
    ((rc == 0)) || ((E2E_FAILED > 0)) || fail "aborted (exit status $rc)"
    summary
    exit $((E2E_FAILED > 0 ? 1 : 0))
}
