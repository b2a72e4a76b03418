#!/bin/sh
# /init of the scripts/e2e-vm.sh virtual machines (busybox sh, PID 1 of an initramfs; the VM is
# private, so the node is the VM's own root network namespace). Loads the kernel modules listed
# in /etc/vm-modules, puts /var/lib/cni on ext4 (a loop device), installs the suite binary
# /opt/suite/cni-plugins into /opt/cni/bin, then tests, with each firewall backend (iptables
# through iptables-nft, and nftables): every plugin's VERSION; the flannel chain
# (/etc/vm-test/flannel-BACKEND.conflist, cniVersion 1.1.0) ADD/CHECK/DEL of two pods run by the
# suite's cni-exec: addresses, cni0, MTU 1450, routes, ping both ways, ipMasq rules, hostPort
# 8080 -> pod1:80 from another netns, from the node and from the other pod, the stale UDP
# conntrack entry of hostPort 53 deleted by ADD; kill -9 of the whole process group mid-ADD then
# DEL leaving the node as it was; GC releasing a pod the runtime forgot; `cni-inspect --json`
# clean at the end. Prints "vm-test: N passed, M failed" and reboots (qemu -no-reboot exits).
export PATH=/usr/sbin:/usr/bin
export HOME=/root
/usr/bin/busybox mount -t proc proc /proc
/usr/bin/busybox --install -s /usr/bin
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# What udev/systemd and container runtimes make on every node (nft -f /dev/stdin needs it).
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mkdir -p /run/netns /run/flannel /var/lib/cni /etc/cni/net.d /opt/cni/bin /www
# busybox sh runs its own ip/tc applets for bare names: iproute2's by full path.
IP=/usr/sbin/ip
BIN=/opt/suite/cni-plugins
CONF=/etc/cni/net.d/10-flannel.conflist
PASSED=0
FAILED=0

pass() { PASSED=$((PASSED + 1)); echo "  ok    $1"; }
fail() { FAILED=$((FAILED + 1)); echo "  FAIL  $1"; [ -z "${2:-}" ] || printf '%s\n' "$2" | sed 's/^/        /'; }
# check NAME CMD...: passes when CMD succeeds, else shows its output.
check() { n=$1; shift; if o=$("$@" 2>&1); then pass "$n"; else fail "$n" "\$ $*
$o"; fi; }
has() { case "$3" in *"$2"*) pass "$1" ;; *) fail "$1" "expected to contain: $2
actual: $3" ;; esac; }
hasnt() { case "$3" in *"$2"*) fail "$1" "expected not to contain: $2
actual: $3" ;; *) pass "$1" ;; esac; }
same() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "before:
$2
after:
$3"; fi; }
finish() {
    echo "vm-test: $PASSED passed, $FAILED failed"
    sync
    reboot -f
}

echo "vm-test: kernel $(uname -r) $(uname -m), $(grep -c ^processor /proc/cpuinfo) cpus"
loaded=0 missing=""
for m in $(cat /etc/vm-modules); do
    if insmod "/usr/lib/modules/$m.ko" 2>/tmp/insmod.err || grep -q "^$m " /proc/modules; then
        loaded=$((loaded + 1))
    else
        missing="$missing $m($(cat /tmp/insmod.err))"
    fi
done
[ -z "$missing" ] && pass "kernel modules loaded ($loaded)" || fail "kernel modules loaded" "failed:$missing"
sysctl -qw net.ipv4.ip_forward=1
# The plugins' state (/var/lib/cni: host-local store, flannel's saved configs, the result cache)
# on ext4, as on a node's disk: O_TMPFILE + linkat there, not only on the initramfs' own rootfs.
dd if=/dev/zero of=/run/var-lib-cni.img bs=1M count=32 2>/dev/null
if /usr/sbin/mke2fs -q -F -t ext4 /run/var-lib-cni.img && mount -o loop /run/var-lib-cni.img /var/lib/cni; then
    pass "/var/lib/cni on ext4 ($(grep ' /var/lib/cni ' /proc/mounts | cut -d' ' -f3))"
else
    fail "/var/lib/cni on ext4 (the tests go on with it on $(stat -f -c %T /var/lib/cni))"
fi
$IP link set lo up

check "suite binary installs itself into /opt/cni/bin" $BIN install /opt/cni/bin
ln -s $BIN /usr/bin/cni-exec
ln -s $BIN /usr/bin/cni-inspect
for p in flannel bridge host-local portmap loopback bandwidth; do
    has "$p VERSION" '"1.1.0"' "$(CNI_COMMAND=VERSION /opt/cni/bin/$p </dev/null 2>&1)"
done
has "iptables is iptables-nft" "nf_tables" "$(iptables -V 2>&1)"
has "nft runs" "table" "$(nft add table ip vmprobe && nft list tables 2>&1; nft delete table ip vmprobe)"

# The node: eth0 198.18.0.10/24 towards a "client" netns (198.18.0.2, no route to the pods: a
# pod reaches it only masqueraded), and flanneld's lease (FLANNEL_IPMASQ=false: the bridge
# masquerades).
$IP netns add client
$IP link add eth0 type veth peer name uplink netns client
$IP addr add 198.18.0.10/24 dev eth0
$IP link set eth0 up
$IP -n client link set lo up
$IP -n client addr add 198.18.0.2/24 dev uplink
$IP -n client link set uplink up
# A node firewall matching on conntrack state (as kube-proxy's rules do): connections are tracked
# in the node netns from the start, not only once the plugins' NAT chains exist.
nft add table ip vmnode
nft add chain ip vmnode input '{ type filter hook input priority 0; policy accept; }'
nft add rule ip vmnode input ct state invalid counter
printf 'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=false\n' \
    >/run/flannel/subnet.env
echo "hello-from-pod1" >/www/index.html
CAP='{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"},{"hostPort":53,"containerPort":53,"protocol":"udp"}]}'

# newpod NAME: a pod netns with lo up by the loopback plugin, as containerd does for every pod.
newpod() {
    $IP netns add "$1"
    printf '{"cniVersion":"1.1.0","name":"cni-loopback","type":"loopback"}' | CNI_COMMAND=ADD CNI_CONTAINERID="$1" \
        CNI_NETNS="/run/netns/$1" CNI_IFNAME=lo CNI_PATH=/opt/cni/bin /opt/cni/bin/loopback >/dev/null \
        || fail "loopback ADD in $1"
}
# cni VERB POD [CAP_ARGS]: the chain through the suite's cni-exec.
cni() { CAP_ARGS="${3:-}" cni-exec "$1" "$CONF" "/run/netns/$2" "$2" eth0; }
pod_ip() { $IP -n "$1" -4 -o addr show dev eth0 2>/dev/null | awk '{print $4}' | cut -d/ -f1; }
# fetch NETNS IP PORT [PATH]: an HTTP GET with busybox nc (Debian 11's busybox wget crashes).
fetch() { printf 'GET /%s HTTP/1.0\r\n\r\n' "${4:-}" | $IP netns exec "$1" nc -w 5 "$2" "$3" 2>&1; }
# The node's state that must come back after DEL: links, nat rules, nft ruleset, IPAM store.
snapshot() {
    $IP -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | sort
    iptables-save -t nat 2>&1 | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//'
    nft list ruleset 2>&1 | sed 's/packets [0-9]* bytes [0-9]*//'
    ls /var/lib/cni/networks/cbr0 /var/lib/cni/flannel /var/lib/cni/results 2>&1
}
firewall() {
    if [ "$1" = iptables ]; then iptables-save -t nat 2>&1; else nft list ruleset 2>&1; fi
}

round() {
    backend=$1
    echo "== flannel chain, $backend backend"
    cp "/etc/vm-test/flannel-$backend.conflist" "$CONF"
    # A UDP "connection" to the node's port 53 before it is a hostPort: portmap's ADD deletes it
    # through ctnetlink (kernel-filtered dump where the kernel has CTA_FILTER).
    $IP netns exec client nslookup -timeout=1 -retry=1 vm.test 198.18.0.10 >/dev/null 2>&1
    has "$backend: a UDP conntrack entry to the node's port 53" "dport=53 " "$(grep 'dst=198.18.0.10 ' /proc/net/nf_conntrack)"
    for pod in pod1 pod2; do
        newpod $pod
        caps=""; [ $pod = pod1 ] && caps=$CAP
        out=$(cni add $pod "$caps" 2>&1)
        has "$backend: ADD $pod returns an address in 10.244.1.0/24" '"10.244.1.' "$out"
    done
    hasnt "$backend: ADD with a UDP hostPort 53 deleted that conntrack entry" "dport=53 " \
        "$(grep 'dst=198.18.0.10 ' /proc/net/nf_conntrack)"
    ip1=$(pod_ip pod1); ip2=$(pod_ip pod2)
    out=$($IP -n pod1 addr show dev eth0 2>&1)
    has "$backend: pod1 eth0 $ip1/24" "inet $ip1/24" "$out"
    has "$backend: pod1 eth0 MTU 1450" "mtu 1450" "$out"
    has "$backend: pod2 eth0 $ip2/24" "inet $ip2/24" "$($IP -n pod2 addr show dev eth0 2>&1)"
    has "$backend: cni0 is the gateway 10.244.1.1/24" "inet 10.244.1.1/24" "$($IP addr show dev cni0 2>&1)"
    has "$backend: cni0 MTU 1450" "mtu 1450" "$($IP link show dev cni0 2>&1)"
    routes=$($IP -n pod1 route 2>&1)
    has "$backend: pod default route via the gateway" "default via 10.244.1.1" "$routes"
    has "$backend: pod route to the flannel network" "10.244.0.0/16 via 10.244.1.1" "$routes"
    check "$backend: ping pod1 -> pod2" $IP netns exec pod1 ping -c 1 -W 3 "$ip2"
    check "$backend: ping pod2 -> pod1" $IP netns exec pod2 ping -c 1 -W 3 "$ip1"
    if out=$(cni check pod1 "$CAP" 2>&1); then pass "$backend: CHECK pod1"; else
        fail "$backend: CHECK pod1" "$out
the node's rules:
$(firewall "$backend" | grep -v '^#')"
    fi
    check "$backend: CHECK pod2" cni check pod2
    fw=$(firewall "$backend")
    if [ "$backend" = iptables ]; then
        has "$backend: ipMasq rules (iptables-nft)" "-j MASQUERADE" "$fw"
        has "$backend: hostPort DNAT rules" "CNI-HOSTPORT-DNAT" "$fw"
    else
        has "$backend: ipMasq table" "table inet cni_plugins_masquerade" "$fw"
        has "$backend: ipMasq masquerade rule" "masquerade" "$fw"
        has "$backend: hostPort table" "table ip cni_hostport" "$fw"
    fi
    has "$backend: hostPort 8080 rule" "8080" "$fw"
    $IP netns exec pod1 httpd -p 80 -h /www
    has "$backend: pod1 httpd answers itself" "hello-from-pod1" "$(fetch pod1 127.0.0.1 80)"
    has "$backend: hostPort from another netns" "hello-from-pod1" "$(fetch client 198.18.0.10 8080)"
    has "$backend: hostPort from the other pod" "hello-from-pod1" "$(fetch pod2 198.18.0.10 8080)"
    has "$backend: hostPort from the node" "hello-from-pod1" "$(printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 5 198.18.0.10 8080 2>&1)"
    has "$backend: pod reaches the client through the masquerade" "hello-client" \
        "$($IP netns exec client sh -c 'echo hello-client > /tmp/c.html; httpd -p 8081 -h /tmp' && fetch pod2 198.18.0.2 8081 c.html)"
    insp=$(cni-inspect 2>&1)
    has "$backend: cni-inspect with two pods: ready" "node ready for pods" "$(echo "$insp" | head -n 1)"
    has "$backend: cni-inspect lists pod2" "pod2" "$insp"
    $IP netns pids pod1 | xargs -r kill; $IP netns pids client | xargs -r kill
    check "$backend: DEL pod1" cni del pod1 "$CAP"
    check "$backend: DEL pod2" cni del pod2
    check "$backend: DEL pod2 again (idempotent)" cni del pod2
    hasnt "$backend: no hostPort rule left" "8080" "$(firewall "$backend")"
    hasnt "$backend: no reservation left" "10.244" "$(ls /var/lib/cni/networks/cbr0 2>&1)"
    $IP netns del pod1; $IP netns del pod2

    # kill -9 of the whole process group mid-ADD, at a few points, then DEL: the node as before.
    before=$(snapshot)
    for d in 50000 200000 500000; do
        $IP netns add kpod
        CAP_ARGS=$CAP setsid cni-exec add "$CONF" /run/netns/kpod kpod eth0 >/dev/null 2>&1 &
        pid=$!
        usleep $d
        kill -9 "-$pid" 2>/dev/null
        wait $pid 2>/dev/null
        check "$backend: DEL after kill -9 at ${d}us" cni del kpod "$CAP"
        $IP netns del kpod
        same "$backend: node as before after kill -9 at ${d}us + DEL" "$before" "$(snapshot)"
    done

    # GC: a pod the runtime forgot (its cached result gone) is released; a pod it knows stays.
    newpod gcpod; newpod keep
    cni add gcpod "$CAP" >/dev/null 2>&1
    cni add keep >/dev/null 2>&1
    gcip=$(pod_ip gcpod); keepip=$(pod_ip keep)
    rm -f /var/lib/cni/results/cbr0-gcpod-eth0
    check "$backend: GC" cni-exec gc "$CONF"
    check "$backend: GC released the forgotten pod's $gcip" test ! -e "/var/lib/cni/networks/cbr0/$gcip"
    check "$backend: GC kept the known pod's $keepip" test -e "/var/lib/cni/networks/cbr0/$keepip"
    if [ "$backend" = iptables ]; then
        hasnt "$backend: GC removed the forgotten pod's hostPort" "8080" "$(firewall "$backend")"
    else
        # nftables rules name only the container, not the network: portmap's GC leaves them
        # (docs/plugins/portmap.md); the runtime's DEL removes them.
        check "$backend: DEL the forgotten pod" cni del gcpod "$CAP"
    fi
    check "$backend: DEL the known pod" cni del keep
    $IP netns del gcpod; $IP netns del keep
}

for b in $(cat /etc/vm-test/backends); do round "$b"; done

# bandwidth, the k3s chain's last plugin, on this kernel and architecture: the tbf values (their
# arithmetic reads this kernel's /proc/net/psched), the ifb and the redirect to it, CHECK, DEL.
echo "== k3s chain: flannel, portmap, bandwidth"
K3S=/etc/vm-test/k3s.conflist
TC=/usr/sbin/tc
BW='{"bandwidth":{"ingressRate":8000000,"ingressBurst":800000,"egressRate":16000000,"egressBurst":1600000}}'
newpod bwpod
out=$(CAP_ARGS=$BW cni-exec add $K3S /run/netns/bwpod bwpod eth0 2>&1)
has "bandwidth: ADD reports the ifb" '"name":"bwp' "$(printf '%s' "$out" | tr -d ' \n')"
veth=$($IP -o link show master cni0 | awk -F': ' '{print $2}' | cut -d@ -f1 | head -n 1)
# (loading the ifb module also makes its own ifb0 and ifb1: ours is the bwp one)
ifb=$($IP -o link show type ifb | awk -F': ' '{print $2}' | cut -d@ -f1 | grep '^bwp' | head -n 1)
has "bandwidth: tbf 8Mbit on the host veth $veth" "rate 8Mbit burst 100000b" "$($TC qdisc show dev "$veth" 2>&1)"
has "bandwidth: ingress qdisc on $veth" "qdisc ingress ffff:" "$($TC qdisc show dev "$veth" 2>&1)"
has "bandwidth: $veth's ingress redirected to $ifb" "Redirect to device $ifb" "$($TC filter show dev "$veth" ingress 2>&1)"
has "bandwidth: tbf 16Mbit on $ifb" "rate 16Mbit burst 200000b" "$($TC qdisc show dev "$ifb" 2>&1)"
check "bandwidth: CHECK" env CAP_ARGS="$BW" cni-exec check $K3S /run/netns/bwpod bwpod eth0
check "bandwidth: DEL" env CAP_ARGS="$BW" cni-exec del $K3S /run/netns/bwpod bwpod eth0
hasnt "bandwidth: no bwp ifb left" ": bwp" "$($IP -o link show type ifb 2>&1)"
$IP netns del bwpod

echo "== cni-inspect --json at the end"
json=$(cni-inspect --json 2>&1); rc=$?
flat=$(printf '%s' "$json" | tr -d ' \n')
[ $rc = 0 ] && pass "cni-inspect exit 0" || fail "cni-inspect exit $rc" "$json"
for key in pods problems allocations hostPorts cachedResults; do
    has "cni-inspect: no $key" "\"$key\":[]" "$flat"
done
finish
