#!/usr/bin/env python3
"""Side-by-side benchmark: our plugins vs the reference Go plugins, same configs, one run.

Must run inside a private node network namespace (bench.sh starts it with `ip netns exec`),
so the bridges, veths and rules the plugins create never touch the machine's root namespace. For each scenario
it ADDs N pods (each in its own pod netns) then DELs them, timing every plugin exec the
runtime would make, and records the peak RSS of each plugin process (wait4 rusage).
Prints a table with medians, p90s and ours/reference ratios.
"""
import json, os, resource, statistics, subprocess, sys, tempfile, time, shutil
from concurrent.futures import ThreadPoolExecutor

SUBNET = "10.244.1.0/24"


def sh(*argv, check=True):
    return subprocess.run(argv, check=check, capture_output=True, text=True)


RSS_WARMUP = 3  # extra pods run first through /usr/bin/time for peak RSS; not in the timings


def timed_exec(path, command, cid, netns, conf, cni_path, measure_rss=False):
    """Exec one plugin in the current netns (the caller is inside the node netns); returns (seconds, maxrss KiB, stdout)."""
    env = {"CNI_COMMAND": command, "CNI_CONTAINERID": cid, "CNI_NETNS": netns, "CNI_IFNAME": "eth0",
           "CNI_PATH": cni_path, "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
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


# k3s's chain (conflists/10-flannel-k3s.conflist): flannel, portmap, bandwidth, with containerd's
# capability for 100M annotations both ways.
BANDWIDTH = {"IngressRate": 100000000, "IngressBurst": 4294967295, "EgressRate": 100000000, "EgressBurst": 4294967295}


def chain_confs(kind, impl, data_dir, flannel_dir, subnet_file):
    if kind == "k3s":
        return chain_confs("flannel", impl, data_dir, flannel_dir, subnet_file) + [
            {"cniVersion": "1.0.0", "name": "cbr0", "type": "portmap", "capabilities": {"portMappings": True}, "snat": True},
            {"cniVersion": "1.0.0", "name": "cbr0", "type": "bandwidth", "capabilities": {"bandwidth": True}}]
    ipam = {"type": "host-local", "dataDir": data_dir, "ranges": [[{"subnet": SUBNET}]],
            "routes": [{"dst": "10.244.0.0/16"}]}
    bridge = {"cniVersion": "1.0.0", "name": "cbr0", "type": "bridge", "bridge": "cni0", "isGateway": True,
              "isDefaultGateway": True, "hairpinMode": True, "ipMasq": False, "mtu": 1450, "ipam": ipam}
    if kind == "flannel":
        if impl == "ours":
            return [{"cniVersion": "1.0.0", "name": "cbr0", "type": "flannel", "subnetFile": subnet_file,
                     "dataDir": flannel_dir, "ipam": {"dataDir": data_dir},
                     "delegate": {"hairpinMode": True, "isDefaultGateway": True}}]
        # Reference side: the delegate config flannel would generate, run by the reference bridge.
        gen = dict(bridge)
        gen["ipam"] = {"dataDir": data_dir, "ranges": [[{"subnet": SUBNET}]], "routes": [{"dst": "10.244.0.0/16"}],
                       "type": "host-local"}
        return [gen]
    confs = [bridge]
    if kind == "portmap":
        confs.append({"cniVersion": "1.0.0", "name": "cbr0", "type": "portmap", "capabilities": {"portMappings": True},
                      "snat": True})
    return confs


def scenario(kind, impl, plugin_dir, pods, tmp):
    data_dir = tempfile.mkdtemp(dir=tmp)
    flannel_dir = tempfile.mkdtemp(dir=tmp)
    subnet_file = os.path.join(tmp, "subnet.env")
    confs = chain_confs(kind, impl, data_dir, flannel_dir, subnet_file)
    add_t, del_t, rss = [], [], {}
    add_cpu, del_cpu = [], []
    per_plugin = {"ADD": {}, "DEL": {}}  # plugin type -> wall times of its execs (after warm-up)
    results = {}
    total_pods = pods + RSS_WARMUP
    for i in range(total_pods):
        ns = f"bench-p{os.getpid()}-{i}"
        sh("ip", "netns", "add", ns)
        cid = f"bench{i}"
        total = 0.0
        cpu_total = 0.0
        prev = None
        for j, c in enumerate(confs):
            conf = dict(c)
            if c["type"] == "portmap":
                conf["runtimeConfig"] = {"portMappings": [{"hostPort": 20000 + i, "containerPort": 80, "protocol": "tcp"}]}
            if c["type"] == "bandwidth":
                conf["runtimeConfig"] = {"bandwidth": BANDWIDTH}
            if prev is not None:
                conf["prevResult"] = prev
            dt, maxrss, out, cpu = timed_exec(os.path.join(plugin_dir, c["type"]), "ADD", cid, f"/run/netns/{ns}", conf, plugin_dir,
                                              measure_rss=i < RSS_WARMUP)
            total += dt
            cpu_total += cpu
            rss[c["type"]] = max(rss.get(c["type"], 0), maxrss)
            if i >= RSS_WARMUP:
                per_plugin["ADD"].setdefault(c["type"], []).append(dt)
            prev = json.loads(out)
        results[cid] = (ns, prev)
        if i >= RSS_WARMUP:
            add_t.append(total)
            add_cpu.append(cpu_total)
    for i in range(total_pods):
        cid = f"bench{i}"
        ns, prev = results[cid]
        total = 0.0
        cpu_total = 0.0
        for c in reversed(confs):
            conf = dict(c)
            if c["type"] == "portmap":
                conf["runtimeConfig"] = {"portMappings": [{"hostPort": 20000 + i, "containerPort": 80, "protocol": "tcp"}]}
            if c["type"] == "bandwidth":
                conf["runtimeConfig"] = {"bandwidth": BANDWIDTH}
            conf["prevResult"] = prev
            dt, maxrss, _, cpu = timed_exec(os.path.join(plugin_dir, c["type"]), "DEL", cid, f"/run/netns/{ns}", conf, plugin_dir,
                                            measure_rss=i < RSS_WARMUP)
            total += dt
            cpu_total += cpu
            rss[c["type"]] = max(rss.get(c["type"], 0), maxrss)
            if i >= RSS_WARMUP:
                per_plugin["DEL"].setdefault(c["type"], []).append(dt)
        if i >= RSS_WARMUP:
            del_t.append(total)
            del_cpu.append(cpu_total)
        sh("ip", "netns", "del", ns)
    return add_t, del_t, rss, add_cpu, del_cpu, per_plugin


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
    # bench.py NODE PODS FLOOR_DIR NAME=DIR... (the first NAME is the reference, ratios are to it)
    node, pods, floor_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    impls = [tuple(a.split("=", 1)) for a in sys.argv[4:]]
    ref_name = impls[0][0]
    if not node or os.stat(f"/run/netns/{node}").st_ino != os.stat("/proc/self/ns/net").st_ino:
        sys.exit("bench.py: refusing to run outside its private node namespace (use scripts/bench.sh)")
    sh("ip", "link", "set", "lo", "up")
    tmp = tempfile.mkdtemp(prefix="cni-bench.")
    with open(os.path.join(tmp, "subnet.env"), "w") as f:
        f.write("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n")
    rows = []
    try:
        starts = startup(impls, floor_dir, max(50, pods * 2))
        floor = floor_chain(floor_dir, max(50, pods))
        for kind in ("bridge", "portmap", "flannel", "k3s"):
            r = {}
            for impl, d in impls:
                # Fresh bridge per side: tear the previous one down (in the private node netns only).
                sh("ip", "link", "del", "cni0", check=False)
                settle()
                r[impl] = scenario(kind, "reference" if impl == ref_name else "ours", d, pods, tmp)
            rows.append((kind, r))
        churn_rows = []
        for workers in (1, 2):
            c = {}
            for impl, d in impls:
                sh("ip", "link", "del", "cni0", check=False)
                settle()
                c[impl] = churn("reference" if impl == ref_name else "ours", d, workers, max(10, pods // 5), tmp)
            churn_rows.append((workers, c))
    finally:
        for ns in sh("ip", "netns", "list").stdout.split("\n"):
            name = ns.split(" ")[0]
            if name.startswith(f"bench-p{os.getpid()}-") or name.startswith(f"bench-c{os.getpid()}-"):
                sh("ip", "netns", "del", name, check=False)
        shutil.rmtree(tmp, ignore_errors=True)

    names = [n for n, _ in impls]
    col = lambda text: f"{text:>18}"
    print(f"\nstart-up: CNI_COMMAND=VERSION of bridge, median of {max(50, pods * 2)} execs (ms, wall / CPU)")
    for impl, (w, c) in starts.items():
        print(f"  {impl:<34}{w * 1000:8.2f} / {c * 1000:6.2f}")
    print(f"client floor for one plugin exec (static no-op as a one-plugin ADD, median): {floor * 1000:.2f} ms")

    labels = {"bridge": "bridge+host-local", "portmap": "+portmap (1 mapping)", "flannel": "flannel chain",
              "k3s": "k3s chain (+portmap+bandwidth)"}
    print(f"\n{'median / p90 (ms)':<27}" + "".join(col(n) for n in names) + "".join(col(n + "/" + ref_name) for n in names[1:]))
    for kind, r in rows:
        for op, idx in (("ADD", 0), ("DEL", 1)):
            cells = "".join(col(f"{statistics.median(r[n][idx]) * 1000:.2f}/{q(r[n][idx], .9) * 1000:.2f}") for n in names)
            ratios = "".join(col(f"{statistics.median(r[n][idx]) / statistics.median(r[ref_name][idx]):.2f}x") for n in names[1:])
            print(f"{labels[kind] + ' ' + op:<27}{cells}{ratios}")
    # Plugin-side time: the client execs each conflist entry once (the chain's own execs, e.g.
    # the reference bridge running host-local, are plugin-side); subtract the floor per entry.
    execs = {"bridge": 1, "portmap": 2, "flannel": 1, "k3s": 3}
    print(f"\n{'plugin-side ADD (median - floor per exec, ms)':<47}" + "".join(col(n) for n in names) + "".join(col(n + "/" + ref_name) for n in names[1:]))
    for kind, r in rows:
        side = {n: statistics.median(r[n][0]) - execs[kind] * floor for n in names}
        print(f"{labels[kind]:<47}" + "".join(col(f"{side[n] * 1000:.2f}") for n in names)
              + "".join(col(f"{side[n] / side[ref_name]:.2f}x" if side[ref_name] > 0 else "-") for n in names[1:]))
    for kind, r in rows:
        if kind != "k3s":
            continue
        for op in ("ADD", "DEL"):
            side = {n: statistics.median(r[n][5][op]["bandwidth"]) - floor for n in names}
            print(f"{'bandwidth alone ' + op + ' (k3s chain)':<47}" + "".join(col(f"{side[n] * 1000:.2f}") for n in names)
                  + "".join(col(f"{side[n] / side[ref_name]:.2f}x" if side[ref_name] > 0 else "-") for n in names[1:]))
    print(f"\n{'CPU time (user+sys, ms, median)':<27}" + "".join(col(n) for n in names))
    for kind, r in rows:
        for op, idx in (("ADD", 3), ("DEL", 4)):
            print(f"{labels[kind] + ' ' + op:<27}" + "".join(col(f"{statistics.median(r[n][idx]) * 1000:.2f}") for n in names))
    print(f"\n{'churn ADD+DEL bridge, pods/s':<27}" + "".join(col(n) for n in names))
    for workers, c in churn_rows:
        print(f"{f'{workers} worker(s)':<27}" + "".join(col(f"{c[n]:.1f}") for n in names))
    print(f"\n{'peak RSS (KiB) per process':<27}" + "".join(col(n) for n in names))
    for kind, r in rows:
        for plugin in sorted(set().union(*(set(r[n][2]) for n in names))):
            print(f"{kind + ': ' + plugin:<27}" + "".join(col(f"{r[n][2].get(plugin, 0)}") for n in names))


if __name__ == "__main__":
    main()
