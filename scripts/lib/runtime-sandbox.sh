# shellcheck shell=bash
# A private "node" for runtime end-to-end tests (sourced by scripts/e2e-runtime.sh).
#
# One holder process owns a new PID, mount and network namespace. Everything the runtimes
# write lands inside it:
#   - network: the holder's netns is the node (cni0, iptables rules, routes, ip_forward), the
#     root netns is never touched;
#   - mounts (private propagation): a tmpfs over the work dir, tmpfs on /run, /var/lib/cni,
#     /var/lib/containers, /var/lib/containerd and /dev/shm, overlays (upper on that tmpfs) on
#     /etc, /opt and /var/lib, so config files and plugin dirs can be replaced without
#     touching the machine's files;
#   - pids: killing the holder (pid 1 of the namespace) kills every process started inside,
#     containers included (their PID namespaces are nested in ours).
# Commands are run inside with `sandbox_run` (nsenter into the holder: unlike `ip netns exec`,
# this keeps the /sys/fs/cgroup mounts runc/crun need).

SANDBOX_DIR=""      # host path of the work dir (a tmpfs inside the sandbox, empty outside)
SANDBOX_PID=""      # host pid of the sandbox's pid 1
SANDBOX_UNSHARE=""  # host pid of the unshare process (child of this shell)

# sandbox_start DIR: creates the namespaces and the mounts. Returns non-zero with a message on
# stderr if the kernel refuses (no user-visible change is left behind in that case).
sandbox_start() {
    SANDBOX_DIR=$1
    mkdir -p "$SANDBOX_DIR"
    # pid 1 must reap the orphans it adopts (conmon, shims double-fork): a bash loop does.
    # If this shell dies (even by SIGKILL), unshare gets SIGKILL (pdeathsig) and takes pid 1,
    # hence the whole sandbox, with it (--kill-child).
    setpriv --pdeathsig KILL -- \
        unshare --pid --fork --kill-child --mount --net --propagation private --mount-proc \
        bash -c 'trap "" TERM INT HUP; while :; do sleep 1; done' </dev/null >/dev/null 2>&1 &
    SANDBOX_UNSHARE=$!
    local i child=""
    for ((i = 0; i < 100; i++)); do
        child=$(cat /proc/"$SANDBOX_UNSHARE"/task/*/children 2>/dev/null | awk '{print $1}') || true
        if [ -n "$child" ] && [ "$(readlink /proc/"$child"/ns/pid 2>/dev/null)" != "$(readlink /proc/self/ns/pid)" ] &&
            [ "$(readlink /proc/"$child"/ns/net 2>/dev/null)" != "$(readlink /proc/self/ns/net)" ]; then
            break
        fi
        child=""
        kill -0 "$SANDBOX_UNSHARE" 2>/dev/null || break
        sleep 0.05
    done
    if [ -z "$child" ]; then
        echo "sandbox: unshare --pid --mount --net failed" >&2
        return 1
    fi
    SANDBOX_PID=$child
    sandbox_run bash -euc '
        d=$1
        mount -t tmpfs -o mode=0755 e2e-runtime "$d"
        mkdir -p "$d/ovl"
        for m in /etc /opt /var/lib; do
            n=$(echo "$m" | tr / _)
            mkdir -p "$d/ovl/$n.upper" "$d/ovl/$n.work"
            mount -t overlay "e2e-runtime$n" -o "lowerdir=$m,upperdir=$d/ovl/$n.upper,workdir=$d/ovl/$n.work" "$m"
        done
        # drop our copies of the /run/netns mounts of the machine (private propagation: the
        # machine keeps its own) so the sandbox does not pin other namespaces
        umount -R -l /run/netns 2>/dev/null || true
        mount -t tmpfs -o mode=0755 e2e-runtime-run /run
        mkdir -p /run/netns /run/lock
        for m in /var/lib/cni /var/lib/containers /var/lib/containerd; do
            mkdir -p "$m"
            mount -t tmpfs -o mode=0755 e2e-runtime-varlib "$m"
        done
        mount -t tmpfs -o mode=1777 e2e-runtime-shm /dev/shm
        ip link set lo up
    ' sandbox-setup "$SANDBOX_DIR"
}

# sandbox_run CMD...: runs CMD inside the sandbox (pid, mount and network namespace), cwd /.
sandbox_run() {
    nsenter --target "$SANDBOX_PID" --mount --net --pid --wd=/ -- "$@"
}

# sandbox_alive: true while the holder exists.
sandbox_alive() {
    [ -n "$SANDBOX_PID" ] && kill -0 "$SANDBOX_PID" 2>/dev/null
}

# sandbox_stop: kills every process of the sandbox (SIGKILL to its pid 1), waits for the
# unshare process, removes the (host-side empty) work dir. Idempotent.
sandbox_stop() {
    if [ -n "$SANDBOX_PID" ]; then
        kill -KILL "$SANDBOX_PID" 2>/dev/null || true
    fi
    if [ -n "$SANDBOX_UNSHARE" ]; then
        kill -KILL "$SANDBOX_UNSHARE" 2>/dev/null || true
        wait "$SANDBOX_UNSHARE" 2>/dev/null || true
    fi
    SANDBOX_PID=""
    SANDBOX_UNSHARE=""
    if [ -n "$SANDBOX_DIR" ] && [ -d "$SANDBOX_DIR" ]; then
        # outside the sandbox the dir is empty: the tmpfs lived only in the sandbox's mount ns
        rmdir "$SANDBOX_DIR" 2>/dev/null || rm -rf --one-file-system "$SANDBOX_DIR"
    fi
    SANDBOX_DIR=""
}

# sandbox_remove_cgroups NAME: removes the (empty) cgroup directories named NAME (a glob, e.g.
# to sweep what a killed earlier run left) that runc created under this shell's cgroups for a
# relative cgroup parent, in every hierarchy. rmdir only removes empty cgroups.
sandbox_remove_cgroups() {
    local name=$1 d
    [ -n "$name" ] || return 0
    while IFS= read -r d; do
        find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
    done < <(find /sys/fs/cgroup -maxdepth 8 -type d -name "$name" 2>/dev/null)
    return 0
}
