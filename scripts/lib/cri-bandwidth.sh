# shellcheck shell=bash
# The bandwidth step of k3s's conflist under containerd's CRI, for scripts/e2e-cri.sh. The pod
# carries kubernetes.io/ingress-bandwidth and egress-bandwidth annotations; containerd turns them
# into the `bandwidth` capability with its capitalised keys and a 4294967295-bit burst
# ({"IngressRate":100000000,"IngressBurst":4294967295,...}). Checked while the pod runs: a root
# tbf of 12.5 MB/s on the host veth, a `bwp…` ifb with the same tbf and the veth's ingress
# filter redirecting to it, and the sustained TCP rate each way (over the last 2 s of a transfer
# well past the ~512 MiB containerd's burst lets through) at most 1.5 × the limit. Needs
# runtime-*.sh, cri-rpc.sh.

CRI_BW_ANNOTATION=100M
CRI_BW_BITS=100000000
CRI_BW_BURST_BYTES=$((4294967295 / 8))
CRI_BW_SKIP=$((CRI_BW_BURST_BYTES + 16 * 1024 * 1024))   # the burst, and some slack
CRI_BW_TOTAL=$((CRI_BW_SKIP + 100 * 1000 * 1000))        # then ~8 s at the limit

# cri_bandwidth_annotations: the annotations kubelet copies from the pod spec.
cri_bandwidth_annotations() {
    printf '"kubernetes.io/ingress-bandwidth": "%s", "kubernetes.io/egress-bandwidth": "%s"' "$CRI_BW_ANNOTATION" "$CRI_BW_ANNOTATION"
}

# check_cri_pod_bandwidth LABEL POD_IP CONTAINER_ID
check_cri_pod_bandwidth() {
    local label=$1 ip=$2 cid=$3 out veth ifb rate limit_bytes=$((CRI_BW_BITS / 8)) max=$((CRI_BW_BITS * 3 / 2))
    veth=$(on_node ip -o route get "$ip" | sed -n 's/.* dev \([^ ]*\).*/\1/p')
    [ "$veth" = cni0 ] && veth=$(on_node bridge -o link show master cni0 | sed -n 's/^[0-9]*: \([^@:]*\).*/\1/p' | head -n 1)
    out=$(on_node tc -j qdisc show dev "$veth")
    expect_contains "$label: root tbf on the host veth $veth at $CRI_BW_ANNOTATION" "\"kind\":\"tbf\",\"handle\":\"1:\",\"root\":true" "$out"
    expect_contains "$label: its rate is $limit_bytes B/s" "\"rate\":$limit_bytes," "$out"
    expect_contains "$label: an ingress qdisc on $veth" "\"kind\":\"ingress\",\"handle\":\"ffff:\"" "$out"
    ifb=$(on_node ip -o link show type ifb | sed -n 's/^[0-9]*: \(bwp[0-9a-f]\{12\}\):.*/\1/p' | head -n 1)
    [ -n "$ifb" ] && pass "$label: ifb $ifb" || fail "$label: a bwp ifb exists" "$(on_node ip -o link show)"
    out=$(on_node tc -j qdisc show dev "$ifb")
    expect_contains "$label: tbf on $ifb at $limit_bytes B/s" "\"rate\":$limit_bytes," "$out"
    out=$(on_node tc filter show dev "$veth" ingress)
    expect_contains "$label: $veth's ingress traffic is redirected to $ifb" "Egress Redirect to device $ifb" "$out"

    # From the pod (egress): the pod's busybox nc sends, the node counts.
    on_node "$CRI_PYTHON" "$E2E_ROOT/scripts/cri/rate.py" serve 5201 "$CRI_BW_TOTAL" "$CRI_BW_SKIP" >"$WORK/rate-out" 2>&1 &
    local server=$!
    sleep 0.5
    # ExecSync with a 50 s limit (cri_exec's 15 s is too short for ~10 s of shaped traffic).
    sandbox_run timeout 60 "$CRI_PYTHON" "$E2E_ROOT/scripts/cri/cri-client.py" --socket "$CRI_SOCKET" --pb-dir "$CRI_PB_DIR" \
        exec "$cid" 50 sh -c "dd if=/dev/zero bs=65536 count=$((CRI_BW_TOTAL / 65536 + 1)) 2>/dev/null | nc $NODE_IP 5201" >/dev/null 2>&1
    wait "$server"
    rate=$(cat "$WORK/rate-out")
    # The ifb's tbf counts the times it held a packet back: none means the transfer never got
    # past containerd's burst (the path through the ifb is slower than the burst drains).
    local overlimits
    overlimits=$(on_node tc -s -j qdisc show dev "$ifb" | json_get '.[] | select(.kind == "tbf") | .overlimits')
    if [[ "$rate" =~ ^[0-9]+$ ]] && ((rate > 0 && rate <= max)); then
        pass "$label: pod -> node sustained $((rate / 1000000)) Mbit/s <= 1.5 x $CRI_BW_ANNOTATION"
    elif [[ "$rate" =~ ^[0-9]+$ ]] && [ "$overlimits" = 0 ]; then
        pass "$label: pod -> node at $((rate / 1000000)) Mbit/s, still within containerd's 512 MiB burst (tbf on $ifb never throttled)"
    else
        fail "$label: pod -> node sustained rate <= 1.5 x $CRI_BW_ANNOTATION" "rate $rate, overlimits $overlimits"
    fi
    # Into the pod (ingress): the pod's busybox nc listens, the node sends.
    cri_exec "$cid" sh -c 'nc -l -p 5202 >/dev/null 2>&1 </dev/null &' >/dev/null 2>&1
    rate=$(on_node "$CRI_PYTHON" "$E2E_ROOT/scripts/cri/rate.py" send "$ip" 5202 "$CRI_BW_TOTAL" "$CRI_BW_SKIP" 2>&1)
    if [[ "$rate" =~ ^[0-9]+$ ]] && ((rate > 0 && rate <= max)); then
        pass "$label: node -> pod sustained $((rate / 1000000)) Mbit/s <= 1.5 x $CRI_BW_ANNOTATION"
    else
        fail "$label: node -> pod sustained rate <= 1.5 x $CRI_BW_ANNOTATION" "$rate"
    fi
}

# check_bandwidth_leftovers LABEL: no ifb and no tbf/ingress qdisc anywhere on the node.
check_bandwidth_leftovers() {
    expect_eq "$1: no ifb left" "" "$(on_node ip -o link show type ifb)"
    expect_eq "$1: no tbf or ingress qdisc left" "" "$(on_node tc qdisc show | grep -E '^qdisc (tbf|ingress) ' || true)"
}
