#!/usr/bin/env python3
"""Side-by-side benchmark: our plugins, the reference Go plugins and the floor (scripts/bench/floor.c:
the kernel calls of the chain and nothing else), same chains, one run, interleaved pod by pod.

Must run inside a private node network namespace (bench.sh starts it with `ip netns exec`),
so the bridges, veths and rules the plugins create never touch the machine's root namespace. For each
chain it ADDs N pods (each in its own pod netns), every implementation in turn for each pod (the
order rotated pod by pod, so machine load and the kernel's background work hit all alike), then
DELs them the same way, timing every plugin exec the runtime would make, and records the peak RSS
of each plugin process. Prints medians, p90s and the ratios to the reference and to the floor.
"""
import json, os, resource, statistics, subprocess, sys, tempfile, time, shutil
from concurrent.futures import ThreadPoolExecutor

SUBNET = "10.244.1.0/24"


def sh(*argv, check=True):
    return subprocess.run(argv, check=check, capture_output=True, text=True)


RSS_WARMUP = 3  # extra pods run first through /usr/bin/time for peak RSS; not in the timings


def timed_exec(path, command, cid, netns, conf, cni_path, measure_rss=False, extra_env=None):
    """Exec one plugin in the current netns (the caller is inside the node netns); returns (seconds, maxrss KiB, stdout)."""
    env = {"CNI_COMMAND": command, "CNI_CONTAINERID": cid, "CNI_NETNS": netns, "CNI_IFNAME": "eth0",
           "CNI_PATH": cni_path, "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", **(extra_env or {})}
    rin, win = os.pipe()
    rout, wout = os.pipe()
    data = json.dumps(conf).encode()
    argv = [path]
    rss_file = None
    if measure_rss:
        # A process spawned from python inherits python's RSS high-water mark at exec, so the peak
        # RSS of the plugin itself is taken by GNU time, whose own footprint is tiny.
        fd, rss_file = tempfile.mkstemp(prefix="cni-bench-rss.")
        os.close(fd)
        argv = ["/usr/bin/time", "-f", "%M", "-o", rss_file, path]
    t0 = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=[
        (os.POSIX_SPAWN_DUP2, rin, 0), (os.POSIX_SPAWN_DUP2, wout, 1),
        (os.POSIX_SPAWN_CLOSE, win), (os.POSIX_SPAWN_CLOSE, rout)])
    os.close(rin); os.close(wout)
    try:
        os.write(win, data)  # a plugin may exit without reading stdin (VERSION)
    except BrokenPipeError:
        pass
    os.close(win)
    chunks = []
    while True:
        b = os.read(rout, 65536)
        if not b:
            break
        chunks.append(b)
    os.close(rout)
    _, status, ru = os.wait4(pid, 0)
    dt = time.perf_counter() - t0
    out = b"".join(chunks).decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{path} {command} {cid} failed: {out}")
    cpu = ru.ru_utime + ru.ru_stime  # the plugin and the processes it waited for (IPAM, iptables)
    maxrss = 0
    if rss_file:
        with open(rss_file) as f:
            maxrss = int(f.read().strip().split("\n")[-1])
        os.unlink(rss_file)
    return dt, maxrss, out, cpu


# The chains, in the order they run: (kind, label, plugin execs the client makes per pod).
CHAINS = [("bridge", "bridge+host-local", 1),
          ("flannel", "flannel chain", 1),
          ("portmap", "flannel + portmap (1 hostPort)", 2),
          ("k3s", "k3s: flannel+portmap+bandwidth", 3)]

# What containerd passes for kubelet's ingress/egress-bandwidth annotations of 100M (its
# capitalised keys, the default bursts).
BANDWIDTH = {"IngressRate": 100000000, "IngressBurst": 4294967295,
             "EgressRate": 100000000, "EgressBurst": 4294967295}


def chain_confs(kind, impl, data_dir, flannel_dir, subnet_file):
    """The conflist of `kind` for `impl` ("reference" gets the delegate config flannel would
    generate, run by the reference bridge: Debian ships no Go flannel)."""
    ipam = {"type": "host-local", "dataDir": data_dir, "ranges": [[{"subnet": SUBNET}]],
            "routes": [{"dst": "10.244.0.0/16"}]}
    bridge = {"cniVersion": "1.0.0", "name": "cbr0", "type": "bridge", "bridge": "cni0", "isGateway": True,
              "isDefaultGateway": True, "hairpinMode": True, "ipMasq": False, "mtu": 1450, "ipam": ipam}
    if kind == "bridge":
        return [bridge]
    if impl == "reference":
        confs = [bridge]
    else:
        confs = [{"cniVersion": "1.0.0", "name": "cbr0", "type": "flannel", "subnetFile": subnet_file,
                  "dataDir": flannel_dir, "ipam": {"dataDir": data_dir},
                  "delegate": {"hairpinMode": True, "isDefaultGateway": True}}]
    if kind in ("portmap", "k3s"):
        confs.append({"cniVersion": "1.0.0", "name": "cbr0", "type": "portmap", "capabilities": {"portMappings": True},
                      "snat": True})
    if kind == "k3s":
        confs.append({"cniVersion": "1.0.0", "name": "cbr0", "type": "bandwidth", "capabilities": {"bandwidth": True}})
    return confs


class Side:
    """One implementation in an interleaved scenario: its plugin dir, conflist, state and samples."""

    def __init__(self, name, plugin_dir, kind, role, tmp):
        self.name, self.dir = name, plugin_dir
        base = tempfile.mkdtemp(dir=tmp, prefix=name + ".")
        subnet_file = os.path.join(tmp, "subnet.env")
        shutil.copy(subnet_file, os.path.join(base, "subnet.env"))
        self.env = {"FLOOR_DIR": base} if role == "floor" else {}
        self.confs = chain_confs(kind, role, os.path.join(base, "ipam"), os.path.join(base, "flannel"), subnet_file)
        self.add_t, self.del_t, self.add_cpu, self.del_cpu, self.rss = [], [], [], [], {}
        self.per_plugin = {}  # (plugin type, "ADD"/"DEL") -> [seconds], measured pods only
        self.results = {}

    def run(self, command, i, ns, measured):
        """The chain's ADD (in order, each result the next one's prevResult) or DEL (reversed)."""
        cid = f"{self.name}{i}"
        total = cpu_total = 0.0
        prev = self.results.get(cid)
        for c in (self.confs if command == "ADD" else list(reversed(self.confs))):
            conf = dict(c)
            if c["type"] == "portmap":
                conf["runtimeConfig"] = {"portMappings": [{"hostPort": 20000 + i, "containerPort": 80, "protocol": "tcp"}]}
            if c["type"] == "bandwidth":
                conf["runtimeConfig"] = {"bandwidth": BANDWIDTH}
            if prev is not None:
                conf["prevResult"] = prev
            dt, maxrss, out, cpu = timed_exec(os.path.join(self.dir, c["type"]), command, cid, f"/run/netns/{ns}", conf,
                                              self.dir, measure_rss=not measured, extra_env=self.env)
            total += dt
            cpu_total += cpu
            if measured:
                self.per_plugin.setdefault((c["type"], command), []).append(dt)
            self.rss[c["type"]] = max(self.rss.get(c["type"], 0), maxrss)
            if command == "ADD":
                prev = json.loads(out)
        if command == "ADD":
            self.results[cid] = prev
        if measured:
            (self.add_t if command == "ADD" else self.del_t).append(total)
            (self.add_cpu if command == "ADD" else self.del_cpu).append(cpu_total)


def scenario(kind, impls, roles, pods, tmp):
    """Every implementation, pod by pod, the order rotated each pod: ADDs, then DELs.
    Returns {name: (add, del, rss, add_cpu, del_cpu, {(plugin, op): times})}."""
    sides = [Side(name, d, kind, roles[name], tmp) for name, d in impls]
    made = []
    try:
        for command in ("ADD", "DEL"):
            for i in range(pods + RSS_WARMUP):
                k = i % len(sides)
                for side in sides[k:] + sides[:k]:
                    ns = f"bench-p{os.getpid()}-{side.name}-{i}"
                    if command == "ADD":
                        sh("ip", "netns", "add", ns)
                        made.append(ns)
                    side.run(command, i, ns, measured=i >= RSS_WARMUP)
    finally:
        for ns in made:
            sh("ip", "netns", "del", ns, check=False)
    return {s.name: (s.add_t, s.del_t, s.rss, s.add_cpu, s.del_cpu, s.per_plugin) for s in sides}


def churn(impl, plugin_dir, workers, per_worker, tmp):
    data_dir = tempfile.mkdtemp(dir=tmp)
    conf = chain_confs("bridge", impl, data_dir, "", "")[0]

    def work(w):
        for k in range(per_worker):
            ns = f"bench-c{os.getpid()}-{w}-{k}"
            sh("ip", "netns", "add", ns)
            cid = f"churn{w}x{k}"
            _, _, out, _ = timed_exec(os.path.join(plugin_dir, "bridge"), "ADD", cid, f"/run/netns/{ns}", conf, plugin_dir)
            d = dict(conf); d["prevResult"] = json.loads(out)
            timed_exec(os.path.join(plugin_dir, "bridge"), "DEL", cid, f"/run/netns/{ns}", d, plugin_dir)
            sh("ip", "netns", "del", ns)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(workers) as ex:
        list(ex.map(work, range(workers)))
    return workers * per_worker / (time.perf_counter() - t0)


SETTLE_SECONDS = 5


def settle():
    """Let the kernel finish tearing down the pod netns just deleted: `ip netns del` returns
    before the namespace is destroyed (cleanup_net runs later, under rtnl_lock), and that work
    would otherwise slow down whichever implementation runs next."""
    time.sleep(SETTLE_SECONDS)


def q(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p * (len(xs) - 1))))]


def startup(impls, floor_dir, runs):
    """VERSION start-up (median wall and CPU of `runs` execs of bridge) per implementation, and
    of a static no-op under the same client: the client's own floor."""
    out = {}
    for impl, d in [("no-op (client floor)", floor_dir)] + impls:
        wall, cpu = [], []
        for _ in range(runs):
            dt, _, _, c = timed_exec(os.path.join(d, "bridge"), "VERSION", "v", "", {"cniVersion": "1.0.0"}, d)
            wall.append(dt)
            cpu.append(c)
        out[impl] = (statistics.median(wall), statistics.median(cpu))
    return out


def floor_chain(floor_dir, pods):
    """The same client running the static no-op as a one-plugin chain: median per ADD."""
    t = []
    for i in range(pods):
        dt, _, _, _ = timed_exec(os.path.join(floor_dir, "bridge"), "ADD", f"f{i}", "/run/netns/none", {"cniVersion": "1.0.0"}, floor_dir)
        t.append(dt)
    return statistics.median(t)


def main():
    # bench.py NODE PODS NOOP_DIR FLOOR_DIR NAME=DIR... (the first NAME is the reference; ratios are
    # to it and to the floor, the kernel calls alone: scripts/bench/floor.c installed under the plugin names)
    node, pods, noop_dir, floor_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    impls = [tuple(a.split("=", 1)) for a in sys.argv[5:]]
    ref_name = impls[0][0]
    roles = {n: ("reference" if n == ref_name else "ours") for n, _ in impls}
    roles["floor"] = "floor"
    if not node or os.stat(f"/run/netns/{node}").st_ino != os.stat("/proc/self/ns/net").st_ino:
        sys.exit("bench.py: refusing to run outside its private node namespace (use scripts/bench.sh)")
    sh("ip", "link", "set", "lo", "up")
    tmp = tempfile.mkdtemp(prefix="cni-bench.")
    with open(os.path.join(tmp, "subnet.env"), "w") as f:
        f.write("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n")
    rows = []
    churn_rows = []
    try:
        starts = startup(impls, noop_dir, max(50, pods * 2))
        noop = floor_chain(noop_dir, max(50, pods))
        for kind, _, _ in CHAINS:
            if os.environ.get("CHAINS") and kind not in os.environ["CHAINS"].split():
                continue
            # A fresh bridge per chain (in the private node netns only). The floor goes first on the
            # first pod: its batch declares portmap's shared chains, which the others then find.
            sh("ip", "link", "del", "cni0", check=False)
            settle()
            rows.append((kind, scenario(kind, [("floor", floor_dir)] + impls, roles, pods, tmp)))
        for workers in ((1, 2) if os.environ.get("CHURN") != "none" else ()):
            c = {}
            for impl, d in impls:
                sh("ip", "link", "del", "cni0", check=False)
                settle()
                c[impl] = churn(roles[impl], d, workers, max(10, pods // 5), tmp)
            churn_rows.append((workers, c))
    finally:
        for ns in sh("ip", "netns", "list").stdout.split("\n"):
            name = ns.split(" ")[0]
            if name.startswith(f"bench-p{os.getpid()}-") or name.startswith(f"bench-c{os.getpid()}-"):
                sh("ip", "netns", "del", name, check=False)
        shutil.rmtree(tmp, ignore_errors=True)

    names = [n for n, _ in impls] + ["floor"]
    ours = [n for n, _ in impls[1:]]
    col = lambda text: f"{text:>16}"
    print(f"\nstart-up: CNI_COMMAND=VERSION of bridge, median of {max(50, pods * 2)} execs (ms, wall / CPU)")
    for impl, (w, c) in starts.items():
        print(f"  {impl:<34}{w * 1000:8.2f} / {c * 1000:6.2f}")
    print(f"client cost of one plugin exec (a static no-op as a one-plugin ADD, median): {noop * 1000:.2f} ms")

    labels = {kind: label for kind, label, _ in CHAINS}
    execs = {kind: n for kind, _, n in CHAINS}
    ratio_heads = "".join(col(f"{n}/{ref_name}") + col(f"{n}/floor") for n in ours)
    print(f"\ninterleaved, {pods} pods per chain and implementation")
    print(f"{'median / p90 (ms)':<36}" + "".join(col(n) for n in names) + ratio_heads)
    for kind, r in rows:
        for op, idx in (("ADD", 0), ("DEL", 1)):
            med = {n: statistics.median(r[n][idx]) for n in names}
            cells = "".join(col(f"{med[n] * 1000:.2f}/{q(r[n][idx], .9) * 1000:.2f}") for n in names)
            ratios = "".join(col(f"{med[n] / med[ref_name]:.2f}x") + col(f"{med[n] / med['floor']:.2f}x") for n in ours)
            print(f"{labels[kind] + ' ' + op:<36}{cells}{ratios}")
    # Plugin-side time: the client execs each conflist entry once (the chain's own execs, e.g.
    # the reference bridge running host-local, are plugin-side); subtract the no-op per entry.
    print(f"\n{'plugin-side (median - no-op per exec, ms)':<36}" + "".join(col(n) for n in names) + ratio_heads)
    for kind, r in rows:
        for op, idx in (("ADD", 0), ("DEL", 1)):
            side = {n: statistics.median(r[n][idx]) - execs[kind] * noop for n in names}
            ratio = lambda a, b: f"{a / b:.2f}x" if b > 0 else "-"
            print(f"{labels[kind] + ' ' + op:<36}" + "".join(col(f"{side[n] * 1000:.2f}") for n in names)
                  + "".join(col(ratio(side[n], side[ref_name])) + col(ratio(side[n], side["floor"])) for n in ours))
    # One plugin of a chain on its own: the median of its exec minus the no-op's.
    print(f"\n{'one plugin, plugin-side (ms)':<36}" + "".join(col(n) for n in names) + ratio_heads)
    for kind, r in rows:
        for plugin in ("bandwidth", "portmap"):
            for op in ("ADD", "DEL"):
                if not all((plugin, op) in r[n][5] for n in names):
                    continue
                side = {n: statistics.median(r[n][5][(plugin, op)]) - noop for n in names}
                ratio = lambda a, b: f"{a / b:.2f}x" if b > 0 else "-"
                print(f"{kind + ': ' + plugin + ' ' + op:<36}" + "".join(col(f"{side[n] * 1000:.2f}") for n in names)
                      + "".join(col(ratio(side[n], side[ref_name])) + col(ratio(side[n], side["floor"])) for n in ours))
    print(f"\n{'CPU time (user+sys, ms, median)':<36}" + "".join(col(n) for n in names))
    for kind, r in rows:
        for op, idx in (("ADD", 3), ("DEL", 4)):
            print(f"{labels[kind] + ' ' + op:<36}" + "".join(col(f"{statistics.median(r[n][idx]) * 1000:.2f}") for n in names))
    if churn_rows:
        print(f"\n{'churn ADD+DEL bridge, pods/s':<36}" + "".join(col(n) for n, _ in impls))
        for workers, c in churn_rows:
            print(f"{f'{workers} worker(s)':<36}" + "".join(col(f"{c[n]:.1f}") for n, _ in impls))
    print(f"\n{'peak RSS (KiB) per process':<36}" + "".join(col(n) for n in names))
    for kind, r in rows:
        for plugin in sorted(set().union(*(set(r[n][2]) for n in names))):
            print(f"{kind + ': ' + plugin:<36}" + "".join(col(f"{r[n][2].get(plugin, 0)}") for n in names))


if __name__ == "__main__":
    main()
