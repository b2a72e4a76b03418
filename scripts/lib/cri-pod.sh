# shellcheck shell=bash
# One pod through containerd's CRI plugin, as kubelet drives it, for scripts/e2e-cri.sh:
# RunPodSandbox (hostPort $HOST_PORT -> 80/TCP, cluster DNS, network namespace POD) ->
# PodSandboxStatus (IP) -> CreateContainer/StartContainer (busybox httpd on :80) -> traffic
# (node -> pod IP, node -> hostPort via node IP / gateway / 127.0.0.1, client netns -> pod IP
# and hostPort, hairpin pod -> its own hostPort) -> StopContainer -> StopPodSandbox twice ->
# RemoveContainer -> RemovePodSandbox, then nothing of the pod may be left on the node.
# Needs runtime-*.sh, cri-node.sh, cri-rpc.sh, cri-images.sh; CGROUP_PARENT from the caller.

CRI_POD_NAMESPACE=e2e-cri
CRI_DNS_SERVER=10.96.0.10
CRI_LIVE_PODS=()   # sandbox IDs not removed yet (cleanup removes them)
CRI_POD_BANDWIDTH=""  # non-empty: the pod carries bandwidth annotations (cri-bandwidth.sh)

# cri_pod_config NAME UID: the PodSandboxConfig kubelet builds for a pod with one container
# port 80 published as hostPort $HOST_PORT (kuberuntime_sandbox.go: labels, log directory,
# DNS from the cluster DNS settings, cgroupfs parent, namespace options).
cri_pod_config() {
    local name=$1 uid=$2
    cat <<JSON
{"metadata": {"name": "$name", "uid": "$uid", "namespace": "$CRI_POD_NAMESPACE", "attempt": 0},
 "hostname": "$name",
 "log_directory": "$CRI_DIR/pods/${CRI_POD_NAMESPACE}_${name}_$uid",
 "dns_config": {"servers": ["$CRI_DNS_SERVER"],
                "searches": ["$CRI_POD_NAMESPACE.svc.cluster.local", "svc.cluster.local", "cluster.local"],
                "options": ["ndots:5"]},
 "port_mappings": [{"protocol": "TCP", "container_port": 80, "host_port": $HOST_PORT}],
 "labels": {"io.kubernetes.pod.name": "$name", "io.kubernetes.pod.namespace": "$CRI_POD_NAMESPACE",
            "io.kubernetes.pod.uid": "$uid"},
 "annotations": {"kubernetes.io/config.source": "api"${CRI_POD_BANDWIDTH:+, $(cri_bandwidth_annotations)}},
 "linux": {"cgroup_parent": "$CGROUP_PARENT/pod$uid",
           "security_context": {"namespace_options": {"network": "POD", "pid": "CONTAINER", "ipc": "POD"}}}}
JSON
}

# cri_container_config POD_NAME: the web container: writes POD_NAME (downward-API style env)
# as its index page and serves it on :80; exits at once on SIGTERM.
cri_container_config() {
    local pod=$1
    cat <<JSON
{"metadata": {"name": "web", "attempt": 0},
 "image": {"image": "$CRI_WEB_IMAGE"},
 "command": ["/bin/sh", "-c", "mkdir -p /www/site && echo \"\$POD_NAME\" > /www/site/index.html && trap 'exit 0' TERM; httpd -f -p 80 -h /www/site & wait"],
 "envs": [{"key": "POD_NAME", "value": "$pod"}],
 "labels": {"io.kubernetes.container.name": "web", "io.kubernetes.pod.name": "$pod",
            "io.kubernetes.pod.namespace": "$CRI_POD_NAMESPACE"},
 "log_path": "web/0.log"}
JSON
}

# cri_pod_netns ID: the pod's netns path, from the verbose PodSandboxStatus (runtime spec).
cri_pod_netns() {
    cri_call PodSandboxStatus "{\"pod_sandbox_id\": \"$1\", \"verbose\": true}" 30 2>/dev/null |
        json_get '.info.info | fromjson | .runtimeSpec.linux.namespaces[] | select(.type == "network") | .path'
}

# cri_remove_pod ID: StopPodSandbox + RemovePodSandbox, quietly (cleanup of a failed run).
cri_remove_pod() {
    cri_call StopPodSandbox "{\"pod_sandbox_id\": \"$1\"}" 60 >/dev/null 2>&1
    cri_call RemovePodSandbox "{\"pod_sandbox_id\": \"$1\"}" 60 >/dev/null 2>&1
}

cri_forget_pod() {
    local id=$1 i kept=()
    for i in "${CRI_LIVE_PODS[@]}"; do [ "$i" = "$id" ] || kept+=("$i"); done
    CRI_LIVE_PODS=("${kept[@]}")
}

# run_cri_pod LABEL NAME: the whole lifecycle of one pod named NAME.
run_cri_pod() {
    local label=$1 name=$2 uid config out id ip netns cid t0
    uid=$(cat /proc/sys/kernel/random/uuid)
    config=$(cri_pod_config "$name" "$uid")
    sandbox_run mkdir -p "$CRI_DIR/pods/${CRI_POD_NAMESPACE}_${name}_$uid"

    echo "== $label: RunPodSandbox (hostPort $HOST_PORT -> 80/TCP, DNS, network namespace POD)"
    t0=$(now_ms)
    if ! out=$(cri_call RunPodSandbox "{\"config\": $config}" 2>&1); then
        fail "$label: RunPodSandbox" "$out"
        check_pod_leftovers "$label (after the failed RunPodSandbox)" "" ""
        return 0
    fi
    measure "$label: RunPodSandbox (CNI ADD included)" $(($(now_ms) - t0))
    id=$(json_get .pod_sandbox_id <<<"$out")
    CRI_LIVE_PODS+=("$id")
    pass "$label: RunPodSandbox -> sandbox ${id:0:12}"

    out=$(cri_call PodSandboxStatus "{\"pod_sandbox_id\": \"$id\"}" 30 2>&1)
    expect_eq "$label: PodSandboxStatus state" SANDBOX_READY "$(json_get .status.state <<<"$out")"
    ip=$(json_get .status.network.ip <<<"$out")
    case $ip in "${NODE_GATEWAY%.*}".*) pass "$label: PodSandboxStatus IP $ip (in $NODE_SUBNET)" ;;
        *) fail "$label: PodSandboxStatus IP in $NODE_SUBNET" "$out" ;; esac
    expect_eq "$label: host-local reservation $ip belongs to the sandbox" "$id" "$(store_owner "$ip")"
    check "$label: flannel saved the delegate config" on_node test -s "/var/lib/cni/flannel/$id"
    netns=$(cri_pod_netns "$id")
    case $netns in /var/run/netns/cni-*) pass "$label: pod netns $netns" ;;
        *) fail "$label: pod netns is /var/run/netns/cni-<uuid>" "got '$netns'" ;; esac

    echo "== $label: CreateContainer / StartContainer (httpd on :80)"
    if ! out=$(cri_call CreateContainer "{\"pod_sandbox_id\": \"$id\", \"config\": $(cri_container_config "$name"), \"sandbox_config\": $config}" 2>&1); then
        fail "$label: CreateContainer" "$out"
    else
        cid=$(json_get .container_id <<<"$out")
        pass "$label: CreateContainer -> ${cid:0:12}"
        if out=$(cri_call StartContainer "{\"container_id\": \"$cid\"}" 2>&1); then
            pass "$label: StartContainer"
            check_cri_pod_traffic "$label" "$name" "$ip" "$id" "$cid"
            [ -z "$CRI_POD_BANDWIDTH" ] || check_cri_pod_bandwidth "$label" "$ip" "$cid"
        else
            fail "$label: StartContainer" "$out"
        fi
        if out=$(cri_call StopContainer "{\"container_id\": \"$cid\", \"timeout\": 10}" 30 2>&1); then
            pass "$label: StopContainer"
        else
            fail "$label: StopContainer" "$out"
        fi
    fi

    echo "== $label: StopPodSandbox twice, RemovePodSandbox (CNI DEL)"
    t0=$(now_ms)
    if out=$(cri_call StopPodSandbox "{\"pod_sandbox_id\": \"$id\"}" 2>&1); then pass "$label: StopPodSandbox"; else fail "$label: StopPodSandbox" "$out"; fi
    measure "$label: StopPodSandbox (CNI DEL included)" $(($(now_ms) - t0))
    check_released "$label: after StopPodSandbox" "$ip" "$id"
    expect_eq "$label: PodSandboxStatus state after StopPodSandbox" SANDBOX_NOTREADY \
        "$(cri_call PodSandboxStatus "{\"pod_sandbox_id\": \"$id\"}" 30 2>&1 | json_get .status.state)"
    if out=$(cri_call StopPodSandbox "{\"pod_sandbox_id\": \"$id\"}" 2>&1); then pass "$label: StopPodSandbox again (idempotent)"; else fail "$label: StopPodSandbox again" "$out"; fi
    if [ -n "${cid:-}" ]; then
        if out=$(cri_call RemoveContainer "{\"container_id\": \"$cid\"}" 2>&1); then pass "$label: RemoveContainer"; else fail "$label: RemoveContainer" "$out"; fi
    fi
    if out=$(cri_call RemovePodSandbox "{\"pod_sandbox_id\": \"$id\"}" 2>&1); then
        pass "$label: RemovePodSandbox"
        cri_forget_pod "$id"
    else
        fail "$label: RemovePodSandbox" "$out"
    fi
    out=$(cri_call PodSandboxStatus "{\"pod_sandbox_id\": \"$id\"}" 30 2>&1)
    expect_contains "$label: PodSandboxStatus after RemovePodSandbox: NotFound" NOT_FOUND "$out"
    check_pod_leftovers "$label" "$id" "$netns"
}

# check_cri_pod_traffic LABEL NAME IP SANDBOX_ID CONTAINER_ID
check_cri_pod_traffic() {
    local label=$1 name=$2 ip=$3 id=$4 cid=$5 out
    wait_http "$label: node -> pod $ip:80" "$name" "http://$ip:80/"
    out=$(cri_exec "$cid" ip -4 -o addr show dev eth0 2>&1)
    expect_contains "$label: pod eth0 has $ip/24" "inet $ip/24" "$out"
    out=$(cri_exec "$cid" ip -o link show dev eth0 2>&1)
    expect_contains "$label: pod eth0 MTU $NODE_MTU (FLANNEL_MTU)" "mtu $NODE_MTU " "$out"
    out=$(cri_exec "$cid" ip -4 route 2>&1)
    expect_contains "$label: pod default route via $NODE_GATEWAY" "default via $NODE_GATEWAY dev eth0" "$out"
    out=$(cri_exec "$cid" cat /etc/resolv.conf 2>&1)
    if [[ "$out" == *"nameserver $CRI_DNS_SERVER"* && "$out" == *"search $CRI_POD_NAMESPACE.svc.cluster.local svc.cluster.local cluster.local"* && "$out" == *"options ndots:5"* ]]; then
        pass "$label: pod resolv.conf from the sandbox DNS config"
    else
        fail "$label: pod resolv.conf from the sandbox DNS config" "$out"
    fi
    echo "== $label: hostPort $HOST_PORT -> pod:80"
    check_hostport "$name" "$ip" "$id"
    expect_eq "$label: client netns -> pod $ip:80 (routed by the node)" "$name" "$(http_get_client "http://$ip:80/")"
    expect_eq "$label: client netns -> node $CRI_CLIENT_NODE_IP:$HOST_PORT (hostPort)" "$name" "$(http_get_client "http://$CRI_CLIENT_NODE_IP:$HOST_PORT/")"
    expect_eq "$label: client netns -> node $NODE_IP:$HOST_PORT (hostPort)" "$name" "$(http_get_client "http://$NODE_IP:$HOST_PORT/")"
    out=$(cri_exec "$cid" timeout 5 wget -q -O - "http://$NODE_IP:$HOST_PORT/" 2>&1)
    expect_eq "$label: pod -> its own hostPort via $NODE_IP (hairpin)" "$name" "$out"
    check_cni_inspect "$label: pod running"
}

# check_pod_leftovers LABEL ID NETNS: after RemovePodSandbox (or a failed RunPodSandbox),
# nothing of any pod is left on the node: reservations, libcni cache, flannel's saved
# configs, veths on cni0, portmap rules, pod netns; cni-inspect finds no problem.
check_pod_leftovers() {
    local label=$1 id=$2 netns=$3 out
    expect_eq "$label: no host-local reservations left" "" "$(store_ips)"
    expect_eq "$label: libcni cache empty" "" "$(on_node sh -c 'ls /var/lib/cni/results 2>/dev/null')"
    expect_eq "$label: flannel dataDir empty" "" "$(on_node sh -c 'ls /var/lib/cni/flannel 2>/dev/null')"
    expect_eq "$label: no veth left on cni0" "" "$(on_node sh -c 'ip link show cni0 >/dev/null 2>&1 || exit 0; ip -o link show master cni0 2>&1')"
    expect_eq "$label: no CNI-DN-* chains left" "" "$(nat_rules | grep -E '^:CNI-DN-|-j CNI-DN-' || true)"
    if [ -n "$id" ]; then
        expect_eq "$label: no iptables rule names the sandbox" "" "$(all_rules | grep -F -- "$id" || true)"
    fi
    check_bandwidth_leftovers "$label"
    expect_eq "$label: no pod netns left in /var/run/netns" "" "$(on_node sh -c 'ls /var/run/netns 2>/dev/null | grep "^cni-"')"
    check_cni_inspect "$label"
}
