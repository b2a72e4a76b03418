# shellcheck shell=bash
# Sourced by scripts/e2e-cluster.sh: prints the state a user checks on a node (`ip route`,
# `bridge link`, the host-local files) as a shell session. Paths under the test's temp dir are
# printed as $TMP/...

# on NODE_OR_POD CMD...: prints "[root@NODE ~]# CMD" and the output, run in that namespace.
on() {
    local who="$1"; shift
    prompt "$who" "$*"
    in_ns "${E2E_PREFIX}$who" "$@" 2>&1 | sed "s|$E2E_TMP|\$TMP|g"
}

# on_sh NODE_OR_POD 'shell command': the same for a pipeline.
on_sh() {
    prompt "$1" "$2"
    in_ns "${E2E_PREFIX}$1" bash -c "$2" 2>&1 | sed "s|$E2E_TMP|\$TMP|g"
}

prompt() {
    if [[ "$1" == *p* ]]; then printf '[pod %s /]# %s\n' "$1" "$2"; else printf '[root@%s ~]# %s\n' "$1" "$2"; fi \
        | sed "s|$E2E_TMP|\$TMP|g"
}

show_ipam_files() {
    local n="$1" dir
    dir="$(ipam_dir "$n")/cbr0"
    on "$n" ls "$dir"
    on_sh "$n" "cd $dir && for f in 10.*; do printf '%s: ' \"\$f\"; cat -v \"\$f\"; echo; done"
}

show_state() {
    local backend="$1" n id
    echo "-- node state (what 'ip route', 'bridge link', 'cat subnet.env' show)"
    echo "   \$TMP/$E2E_PASS/nN/run/flannel is node nN's /run/flannel, \$TMP/$E2E_PASS/nN/lib/cni its /var/lib/cni"
    on n0 cat "$(node_dir n0)/run/flannel/subnet.env"
    for n in "${E2E_NODES[@]}"; do
        on "$n" ip route
        on "$n" bridge link
    done
    on n0 ip addr show cni0
    if command -v brctl >/dev/null; then on n0 brctl show cni0; else on n0 ip link show master cni0; fi
    if [ "$backend" = vxlan ]; then
        on n0 ip -d link show flannel.1
        on n0 ip addr show flannel.1
        on n0 ip neigh show dev flannel.1
        on n0 bridge fdb show dev flannel.1
    elif [ "$backend" = ipip ]; then
        on n0 ip -d link show flannel.ipip
        on n0 ip addr show flannel.ipip
    elif [ "$backend" = ipsec ]; then
        on n0 ip xfrm state
        on n0 ip xfrm policy
    fi
    show_ipam_files n0
    id="$(pod_id n0p0)"
    on n0 cat "$(flannel_dir n0)/$id"; echo
    on_sh n0 "iptables-save -t nat | grep -E 'CNI|HOSTPORT'"
    on n0p0 ip addr show eth0
    on n0p0 ip route
    on n1p1 ip route
}

show_after_del() {
    echo "-- node n0 after every DEL"
    on n0 bridge link
    on n0 ls -A "$(ipam_dir n0)/cbr0"
    on n0 ls -A "$(flannel_dir n0)"
    on_sh n0 "iptables-save -t nat | grep -E '^:CNI|^-A CNI' || true"
}
