# shellcheck shell=bash
# The scenarios of scripts/e2e-runtime.sh (podman, ctr, final state). Needs runtime-sandbox.sh,
# runtime-node.sh and runtime-checks.sh, and ROOTFS / CGROUP_PARENT from the caller.

HOST_PORT=8080

# A container command serving its own name over HTTP on :80 that exits at once on SIGTERM
# (busybox httpd as pid 1 would ignore it and make every stop wait for SIGKILL).
serve_cmd() { echo "trap 'exit 0' TERM; httpd -f -p 80 -h /www/$1 & wait"; }

# prepare_www NAME...: /www/NAME/index.html = NAME in the rootfs.
prepare_www() {
    on_node sh -c 'r=$1; shift; for n; do mkdir -p "$r/www/$n"; echo "$n" > "$r/www/$n/index.html"; done' x "$ROOTFS" "$@"
}

# pm_run NAME [podman run args...] --rootfs DIR CMD...: `podman run -d` on our network, in our
# cgroup parent, with NET_RAW (podman drops it; busybox ping needs it).
pm_run() {
    local name=$1
    shift
    pm run -d --name "$name" --network "$NODE_NETWORK" --cgroup-parent "$CGROUP_PARENT" \
        --cap-add NET_RAW "$@"
}

# wait_http LABEL EXPECTED URL: the first GET from the node, retried for up to ~10 s while the
# server starts (use a pod IP: a closed port refuses at once, a hostPort could hang 5 s).
wait_http() {
    local label=$1 want=$2 url=$3 got="" deadline=$(($(date +%s) + 10))
    while :; do
        got=$(http_get_node "$url")
        [ "$got" == "$want" ] && break
        (($(date +%s) < deadline)) || break
        sleep 0.3
    done
    expect_eq "$label" "$want" "$got"
}

# timed NAME CMD...: runs CMD, records its wall time, leaves its output in $OUT and status in $RC.
timed() {
    local label=$1 t0
    shift
    t0=$(now_ms)
    OUT=$("$@" 2>&1)
    RC=$?
    measure "$label" $(($(now_ms) - t0))
    return $RC
}

# expect_no_cni_error LABEL: $OUT (a runtime's output) reports no failed plugin call. podman
# and ctr only log a failed DEL ("plugin type=... failed (delete)") and still exit 0.
expect_no_cni_error() {
    local errs
    errs=$(grep -E 'plugin type=.*failed|cni plugin .* failed|failed to (set ?up|tear ?down|clean ?up) .*network' <<<"$OUT" || true)
    if [ -z "$errs" ]; then pass "$1: no CNI error reported"; else fail "$1: no CNI error reported" "$errs"; fi
}

# check_hostport NAME IP ID: portmap's rules for NAME and its hostPort reached from the node
# (node address, gateway on cni0, localhost: route_localnet + SNAT).
check_hostport() {
    local name=$1 ip=$2 id=$3 nat host
    nat=$(nat_rules)
    expect_contains "$name: portmap DNAT ${HOST_PORT} -> $ip:80" "--to-destination $ip:80" "$nat"
    expect_contains "$name: portmap entry rule names the container" "id: \\\"$id\\\"" "$nat"
    for host in "$NODE_IP" "$NODE_GATEWAY" 127.0.0.1; do
        expect_eq "$name: hostPort from the node via $host:$HOST_PORT" "$name" "$(http_get_node "http://$host:$HOST_PORT/")"
    done
}

run_podman_scenarios() {
    local ip_a id_a ip_b id_b ip_c id_c ip_d id_d out i
    prepare_www e2e-a e2e-b
    echo "== podman run -d: ADD ($( ((NODE_USES_FLANNEL)) && echo 'flannel -> ')bridge -> host-local, then portmap for -p $HOST_PORT:80)"
    if timed "podman run -d -p $HOST_PORT:80 (ADD incl. portmap)" pm_run e2e-a -p "$HOST_PORT:80" --rootfs "$ROOTFS" /bin/sh -c "$(serve_cmd e2e-a)"; then
        pass "podman run -d -p $HOST_PORT:80 e2e-a"
    else
        fail "podman run -d -p $HOST_PORT:80 e2e-a" "$OUT"
        pm rm -f -t 0 e2e-a >/dev/null 2>&1
        return
    fi
    if timed "podman run -d (ADD, no ports)" pm_run e2e-b --rootfs "$ROOTFS" /bin/sh -c "$(serve_cmd e2e-b)"; then
        pass "podman run -d e2e-b"
    else
        fail "podman run -d e2e-b" "$OUT"
        pm rm -f -t 0 e2e-a e2e-b >/dev/null 2>&1
        return
    fi
    ip_a=$(pod_ip e2e-a) id_a=$(pod_id e2e-a) ip_b=$(pod_ip e2e-b) id_b=$(pod_id e2e-b)
    check_pod_network e2e-a e2e-a "$ip_a" "$id_a"
    check_pod_network e2e-b e2e-b "$ip_b" "$id_b"
    check "ping e2e-a -> e2e-b ($ip_b)" pod_exec e2e-a ping -c 1 -W 2 "$ip_b"
    check "ping e2e-b -> e2e-a ($ip_a)" pod_exec e2e-b ping -c 1 -W 2 "$ip_a"
    wait_http "node -> e2e-a $ip_a:80 (pod IP)" e2e-a "http://$ip_a:80/"

    echo "== hostPort $HOST_PORT -> e2e-a:80"
    check_hostport e2e-a "$ip_a" "$id_a"
    expect_eq "e2e-b -> node $NODE_IP:$HOST_PORT (pod to hostPort)" e2e-a "$(http_get_pod e2e-b "http://$NODE_IP:$HOST_PORT/")"
    expect_eq "e2e-a -> its own hostPort via $NODE_IP (hairpin)" e2e-a "$(http_get_pod e2e-a "http://$NODE_IP:$HOST_PORT/")"
    expect_eq "e2e-a -> its own hostPort via $NODE_GATEWAY (hairpin)" e2e-a "$(http_get_pod e2e-a "http://$NODE_GATEWAY:$HOST_PORT/")"

    echo "== podman stop / start / rm -f"
    if timed "podman stop (DEL incl. portmap)" pm stop -t 5 e2e-a; then pass "podman stop e2e-a"; else fail "podman stop e2e-a" "$OUT"; fi
    expect_no_cni_error "podman stop e2e-a"
    check_released "podman stop e2e-a" "$ip_a" "$id_a"
    out=$(http_get_node "http://$NODE_IP:$HOST_PORT/")
    if [ "$out" != e2e-a ]; then pass "hostPort no longer reaches e2e-a after stop"; else fail "hostPort still reaches e2e-a after stop"; fi
    if timed "podman start (ADD again)" pm start e2e-a; then pass "podman start e2e-a"; else fail "podman start e2e-a" "$OUT"; fi
    ip_a=$(pod_ip e2e-a)
    check_pod_network "e2e-a restarted" e2e-a "$ip_a" "$id_a"
    wait_http "e2e-a restarted: node -> $ip_a:80 (pod IP)" e2e-a "http://$ip_a:80/"
    expect_eq "e2e-a restarted: hostPort from the node via $NODE_IP:$HOST_PORT" e2e-a "$(http_get_node "http://$NODE_IP:$HOST_PORT/")"
    if timed "podman rm -f (DEL of a running container)" pm rm -f -t 5 e2e-a; then pass "podman rm -f e2e-a"; else fail "podman rm -f e2e-a" "$OUT"; fi
    expect_no_cni_error "podman rm -f e2e-a"
    check_released "podman rm -f e2e-a" "$ip_a" "$id_a"

    echo "== podman run --rm (foreground)"
    on_node rm -f /run/e2e-c.cid
    if timed "podman run --rm (ADD + DEL, foreground)" pm run --rm --name e2e-c --network "$NODE_NETWORK" \
        --cgroup-parent "$CGROUP_PARENT" --cap-add NET_RAW --cidfile /run/e2e-c.cid --rootfs "$ROOTFS" \
        /bin/sh -c "ip -4 -o addr show dev eth0; ping -c 1 -W 2 $NODE_GATEWAY >/dev/null && echo gateway-ok; ping -c 1 -W 2 $ip_b >/dev/null && echo peer-ok"; then
        pass "podman run --rm e2e-c"
    else
        fail "podman run --rm e2e-c" "$OUT"
    fi
    ip_c=$(printf '%s\n' "$OUT" | sed -n 's/.* inet \([0-9.]*\)\/24 .*/\1/p' | head -n 1)
    expect_no_cni_error "podman run --rm e2e-c"
    id_c=$(on_node cat /run/e2e-c.cid 2>/dev/null)
    expect_contains "e2e-c: got an address in $NODE_SUBNET" "inet 10.244.1." "$OUT"
    expect_contains "e2e-c: ping the gateway" gateway-ok "$OUT"
    expect_contains "e2e-c: ping e2e-b" peer-ok "$OUT"
    check_released "podman run --rm e2e-c" "$ip_c" "${id_c:-e2e-c-id-unknown}"
    if pm container exists e2e-c; then fail "e2e-c removed by --rm"; else pass "e2e-c removed by --rm"; fi

    echo "== podman run -d --rm, exiting on its own (DEL by podman's cleanup process)"
    if pm_run e2e-d --rm --rootfs "$ROOTFS" /bin/sh -c "sleep 2" >/dev/null 2>&1; then pass "podman run -d --rm e2e-d"; else fail "podman run -d --rm e2e-d"; fi
    ip_d=$(pod_ip e2e-d) id_d=$(pod_id e2e-d)
    case $ip_d in 10.244.1.*) pass "e2e-d: got IP $ip_d" ;; *) fail "e2e-d: got IP '$ip_d'" ;; esac
    for ((i = 0; i < 100; i++)); do
        pm container exists e2e-d || break
        sleep 0.3
    done
    if pm container exists e2e-d; then fail "e2e-d removed by its cleanup process within 30 s"; else pass "e2e-d removed by its cleanup process"; fi
    check_released "podman cleanup process (e2e-d)" "$ip_d" "${id_d:-e2e-d-id-unknown}"
    E2E_POD_B_IP=$ip_b E2E_POD_B_ID=$id_b
}

# Runs after run_ctr_scenarios, which uses e2e-b as a peer.
finish_podman_scenarios() {
    [ -n "${E2E_POD_B_ID:-}" ] || return 0
    echo "== podman stop, then rm of the stopped container"
    if OUT=$(pm stop -t 5 e2e-b 2>&1); then pass "podman stop e2e-b"; else fail "podman stop e2e-b" "$OUT"; fi
    expect_no_cni_error "podman stop e2e-b"
    if OUT=$(pm rm e2e-b 2>&1); then pass "podman rm (stopped) e2e-b"; else fail "podman rm (stopped) e2e-b" "$OUT"; fi
    expect_no_cni_error "podman rm (stopped) e2e-b"
    check_released "podman stop + rm e2e-b" "$E2E_POD_B_IP" "$E2E_POD_B_ID"
}
