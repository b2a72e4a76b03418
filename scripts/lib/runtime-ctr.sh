# shellcheck shell=bash
# containerd's `ctr run --cni` scenario of scripts/e2e-runtime.sh. ctr 1.6 (go-cni) loads the
# first conflist of /etc/cni/net.d (no loopback network: runc brings lo up), ADDs with the
# task's /proc/PID/ns/net and, when the task has exited, DELs with an EMPTY CNI_NETNS:
# the plugins must still release everything (IP, saved config, rules) and succeed, or ctr
# exits non-zero. The container ID the plugins see is "<namespace>-<id>" = default-e2e-ctr.

CTR_ID=e2e-ctr
CTR_CNI_ID=default-e2e-ctr
CTR_STATUS=/www/e2e-ctr-status

# The task: records what it sees, serves its name on :80, waits for $CTR_STATUS/stop.
ctr_task_script() {
    cat <<SH
s=$CTR_STATUS
ip -4 -o addr show dev eth0 > \$s/addr 2>&1
ip -4 route > \$s/route 2>&1
ip -o link show dev lo > \$s/lo 2>&1
ping -c 1 -W 2 $NODE_GATEWAY > \$s/ping 2>&1 && echo ok > \$s/ping-ok
httpd -p 80 -h /www/$CTR_ID
touch \$s/ready
i=0
while [ ! -e \$s/stop ] && [ \$i -lt 900 ]; do sleep 0.1; i=\$((i + 1)); done
SH
}

ctr_file() { on_node cat "$ROOTFS$CTR_STATUS/$1" 2>/dev/null; }

run_ctr_scenarios() {
    local i out ip waiter rc t0
    echo "== containerd: ctr run --cni (ADD; DEL with an empty CNI_NETNS after the task exits)"
    on_node sh -c 'containerd --config /etc/containerd/config.toml >/run/containerd.log 2>&1 &'
    for ((i = 0; i < 100; i++)); do
        on_node test -S /run/containerd/containerd.sock && break
        sleep 0.1
    done
    if ! on_node timeout 10 ctr version >/dev/null 2>&1; then
        fail "containerd started in the sandbox" "$(on_node tail -n 5 /run/containerd.log 2>&1)"
        return
    fi
    prepare_www "$CTR_ID"
    on_node sh -c 'rm -rf "$1"; mkdir -p "$1"' x "$ROOTFS$CTR_STATUS"
    t0=$(now_ms)
    on_node sh -c 'timeout 120 ctr run --rm --cni --env PATH=/bin --cgroup "$1" --rootfs "$2" "$3" /bin/sh -c "$4" \
        >/run/e2e-ctr.out 2>&1; echo $? > /run/e2e-ctr.rc' x "$CGROUP_PARENT/$CTR_ID" "$ROOTFS" "$CTR_ID" "$(ctr_task_script)" &
    waiter=$!
    for ((i = 0; i < 300; i++)); do
        on_node test -e "$ROOTFS$CTR_STATUS/ready" && break
        kill -0 "$waiter" 2>/dev/null || break
        sleep 0.1
    done
    if ! on_node test -e "$ROOTFS$CTR_STATUS/ready"; then
        wait "$waiter"
        fail "ctr run --cni $CTR_ID started" "$(on_node cat /run/e2e-ctr.out 2>&1)"
        return
    fi
    measure "ctr run --cni until the task runs (ADD)" $(($(now_ms) - t0))
    pass "ctr run --cni $CTR_ID started"
    out=$(ctr_file addr)
    ip=$(printf '%s\n' "$out" | sed -n 's/.* inet \([0-9.]*\)\/24 .*/\1/p' | head -n 1)
    case $ip in 10.244.1.*) pass "$CTR_ID: eth0 has $ip/24" ;; *) fail "$CTR_ID: eth0 address in $NODE_SUBNET" "$out" ;; esac
    expect_contains "$CTR_ID: lo is up" "UP" "$(ctr_file lo)"
    expect_contains "$CTR_ID: default route via $NODE_GATEWAY" "default via $NODE_GATEWAY dev eth0" "$(ctr_file route)"
    expect_eq "$CTR_ID: ping the gateway" ok "$(ctr_file ping-ok)"
    expect_eq "$CTR_ID: host-local reservation belongs to $CTR_CNI_ID" "$CTR_CNI_ID" "$(store_owner "$ip")"
    if ((NODE_USES_FLANNEL)); then
        check "$CTR_ID: flannel saved the delegate config" on_node test -s "/var/lib/cni/flannel/$CTR_CNI_ID"
    fi
    wait_http "node -> $CTR_ID $ip:80" "$CTR_ID" "http://$ip:80/"
    if [ -n "${E2E_POD_B_IP:-}" ]; then
        check "podman e2e-b -> $CTR_ID: ping $ip" pod_exec e2e-b ping -c 1 -W 2 "$ip"
        expect_eq "podman e2e-b -> $CTR_ID: http" "$CTR_ID" "$(http_get_pod e2e-b "http://$ip:80/")"
        check "$CTR_ID -> podman e2e-b: ping $E2E_POD_B_IP (ctr task exec)" \
            on_node timeout 20 ctr task exec --exec-id ping1 "$CTR_ID" /bin/ping -c 1 -W 2 "$E2E_POD_B_IP"
    fi
    t0=$(now_ms)
    on_node touch "$ROOTFS$CTR_STATUS/stop"
    wait "$waiter"
    measure "ctr run --cni: task exit to ctr exit (DEL, empty CNI_NETNS)" $(($(now_ms) - t0))
    rc=$(on_node cat /run/e2e-ctr.rc 2>/dev/null)
    out=$(on_node cat /run/e2e-ctr.out 2>/dev/null)
    # ctr's exit status is the task's; a failed DEL only shows in its output and in what is left
    if [ "$rc" == 0 ]; then pass "ctr run --cni exited 0"; else fail "ctr run --cni exited 0" "exit status ${rc:-?}: $out"; fi
    if grep -qiE 'error|fail' <<<"$out"; then fail "ctr run --cni: no error reported" "$out"; else pass "ctr run --cni: no error reported"; fi
    check_released "ctr DEL with empty CNI_NETNS" "$ip" "$CTR_CNI_ID"
    on_node timeout 10 ctr task kill -s KILL "$CTR_ID" >/dev/null 2>&1
    on_node timeout 10 ctr container rm "$CTR_ID" >/dev/null 2>&1
    return 0
}
