#!/usr/bin/env python3
"""Node-scale benchmark: portmap and bridge ipMasq ADD/DEL on a node whose nat table already holds
a kube-proxy-like rule set (KUBE-SERVICES / KUBE-SVC-* / KUBE-SEP-*), ours vs the reference, in one run.

Runs inside the private node netns that bench-node-scale.sh created (refuses otherwise). For each
nat-table size the generated table is loaded with one iptables-restore, then ours and the
reference alternate, sample by sample, so machine load hits both alike. Prints medians, ratios
and our growth factor (median at this size / median on the empty table), writes the raw samples
as JSON and renders a PNG (latency vs nat-table size; ADD/DEL distributions) with matplotlib.

    bench_node_scale.py OURS_DIR REF_DIR NODE_NETNS OUT_PREFIX SIZE:SAMPLES...

With FLOOR_PLUGINS=DIR (scripts/bench/floor.c installed as DIR/portmap) portmap is also timed
against the floor: the same rules written with one iptables-restore per ADD and per DEL.
"""
import json, os, statistics, subprocess, sys, tempfile

sys.dont_write_bytecode = True  # importing bench.py must leave no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import timed_exec, sh  # noqa: E402

SUBNET = "10.244.1.0/24"


def kube_proxy_table(rules):
    """iptables-restore text for table nat with about `rules` rules, shaped like kube-proxy's."""
    services = max(0, rules // 5)
    chains = ["PREROUTING ACCEPT", "INPUT ACCEPT", "OUTPUT ACCEPT", "POSTROUTING ACCEPT"]
    lines = []
    if services:
        chains += ["KUBE-SERVICES -", "KUBE-NODEPORTS -", "KUBE-POSTROUTING -", "KUBE-MARK-MASQ -"]
        lines += ['-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
                  '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
                  '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
                  "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000"]
    for s in range(services):
        svc, sep = f"KUBE-SVC-{s:016X}", f"KUBE-SEP-{s:016X}"
        vip, pod = f"10.96.{s // 250}.{s % 250 + 1}", f"10.245.{s // 250}.{s % 250 + 2}"
        chains += [f"{svc} -", f"{sep} -"]
        lines += [f'-A KUBE-SERVICES -d {vip}/32 -p tcp -m comment --comment "ns/svc{s}:http cluster IP" -m tcp --dport 80 -j {svc}',
                  f'-A {svc} ! -s 10.244.0.0/16 -d {vip}/32 -p tcp -m comment --comment "ns/svc{s}:http cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ',
                  f'-A {svc} -m comment --comment "ns/svc{s}:http -> {pod}:8080" -j {sep}',
                  f'-A {sep} -s {pod}/32 -m comment --comment "ns/svc{s}:http" -j KUBE-MARK-MASQ',
                  f'-A {sep} -p tcp -m comment --comment "ns/svc{s}:http" -m tcp -j DNAT --to-destination {pod}:8080']
    if services:
        lines.append('-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS')
    return "*nat\n" + "".join(f":{c} [0:0]\n" for c in chains) + "\n".join(lines) + ("\n" if lines else "") + "COMMIT\n"


def load_table(rules):
    text = kube_proxy_table(rules)
    subprocess.run(["iptables-restore", "-w", "10"], input=text, text=True, check=True)
    subprocess.run(["nft", "delete", "table", "ip", "cni_hostport"], capture_output=True)
    count = sum(1 for line in text.splitlines() if line.startswith("-A "))
    return count


def portmap_conf(i, backend):
    conf = {"cniVersion": "1.0.0", "name": "cbr0", "type": "portmap", "capabilities": {"portMappings": True}, "snat": True,
            "runtimeConfig": {"portMappings": [{"hostPort": 30000 + i % 20000, "containerPort": 80, "protocol": "tcp"}]},
            "prevResult": {"cniVersion": "1.0.0", "interfaces": [{"name": "cni0"}, {"name": "veth0"}, {"name": "eth0", "sandbox": "/run/netns/none"}],
                           "ips": [{"address": f"10.244.1.{2 + i % 250}/24", "gateway": "10.244.1.1", "interface": 2}]}}
    if backend:
        conf["backend"] = backend
    return conf


def bridge_conf(data_dir):
    return {"cniVersion": "1.0.0", "name": "cbr0", "type": "bridge", "bridge": "cni0", "isGateway": True, "ipMasq": True,
            "hairpinMode": True, "ipam": {"type": "host-local", "dataDir": data_dir, "ranges": [[{"subnet": SUBNET}]]}}


class Sides:
    """The implementations measured; each sample runs all of them one after the other."""

    def __init__(self, ours, ref, floor=None):
        self.impls = [("ours", ours, None), ("reference", ref, None), ("ours-nft", ours, "nftables")]
        if floor:  # first, so its first ADD creates the shared chains the others then find
            self.impls.insert(0, ("floor", floor, "floor"))
        self.floor_state = None  # the floor's state directory, one per table size


def portmap_samples(sides, n, counter):
    out = {}
    for _ in range(n):
        for label, d, backend in sides.impls:
            i = next(counter)
            conf = portmap_conf(i, None if backend == "floor" else backend)
            env = {"FLOOR_DIR": sides.floor_state} if backend == "floor" else None
            a = timed_exec(os.path.join(d, "portmap"), "ADD", f"pm{i}", "/run/netns/none", conf, d, extra_env=env)[0]
            b = timed_exec(os.path.join(d, "portmap"), "DEL", f"pm{i}", "/run/netns/none", conf, d, extra_env=env)[0]
            out.setdefault(label, {"ADD": [], "DEL": [], "DEL gone": []})
            out[label]["ADD"].append(a)
            out[label]["DEL"].append(b)
            if backend == "floor":
                continue  # the floor knows there is nothing left to remove
            # DEL again: the container's rules are gone (a runtime retrying, or GC of a dead pod).
            c = timed_exec(os.path.join(d, "portmap"), "DEL", f"pm{i}", "/run/netns/none", conf, d)[0]
            out[label]["DEL gone"].append(c)
    return out


def bridge_samples(sides, n, counter, tmp):
    out = {}
    for _ in range(n):
        for label, d, backend in sides.impls:
            if backend:  # the nft variant and the floor are portmap's; bridge's nft masquerade is not what the table size affects
                continue
            i = next(counter)
            ns = f"nsb-{os.getpid()}-{i}"
            sh("ip", "netns", "add", ns)
            try:
                conf = bridge_conf(os.path.join(tmp, label))
                a, _, res, _ = timed_exec(os.path.join(d, "bridge"), "ADD", f"br{i}", f"/run/netns/{ns}", conf, d)
                conf["prevResult"] = json.loads(res)
                b = timed_exec(os.path.join(d, "bridge"), "DEL", f"br{i}", f"/run/netns/{ns}", conf, d)[0]
            finally:
                sh("ip", "netns", "del", ns, check=False)
            out.setdefault(label, {"ADD": [], "DEL": []})
            out[label]["ADD"].append(a)
            out[label]["DEL"].append(b)
    return out


def plot(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    sizes = sorted(results, key=int)
    fig, axes = plt.subplots(2, 2, figsize=(12, 9))
    styles = {"ours": ("tab:blue", "o"), "reference": ("tab:red", "s"), "ours-nft": ("tab:green", "^"), "floor": ("tab:gray", "v")}
    for col, scen in enumerate(("portmap", "bridge ipMasq")):
        ax = axes[0][col]
        for label, (color, marker) in styles.items():
            for op, ls in (("ADD", "-"), ("DEL", "--")):
                xs, ys = [], []
                for s in sizes:
                    v = results[s][scen].get(label, {}).get(op)
                    if v:
                        xs.append(results[s]["rules"]); ys.append(statistics.median(v) * 1000)
                if xs:
                    ax.plot(xs, ys, ls, color=color, marker=marker, label=f"{label} {op}")
        ax.set_title(f"{scen}: median latency vs nat-table size")
        ax.set_xlabel("rules in table nat (kube-proxy-like)")
        ax.set_ylabel("ms per plugin exec")
        ax.set_yscale("log")
        ax.grid(True, which="both", alpha=.3)
        ax.legend(fontsize=8)
        ax = axes[1][col]
        big = max((s for s in sizes if len(results[s][scen].get("ours", {}).get("ADD", [])) >= 3), key=int, default=sizes[-1])
        data, names = [], []
        for label in styles:
            for op in ("ADD", "DEL"):
                v = results[big][scen].get(label, {}).get(op)
                if v:
                    data.append([x * 1000 for x in v]); names.append(f"{label}\n{op}")
        if data:
            ax.boxplot(data, showfliers=True)
            ax.set_xticks(range(1, len(names) + 1), names, fontsize=8)
        ax.set_title(f"{scen}: ADD/DEL distribution, {results[big]['rules']} nat rules")
        ax.set_ylabel("ms")
        ax.set_yscale("log")
        ax.grid(True, axis="y", which="both", alpha=.3)
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def main():
    ours, ref, node, prefix = sys.argv[1:5]
    plan = [tuple(int(x) for x in a.split(":")) for a in sys.argv[5:]]
    if os.stat(f"/run/netns/{node}").st_ino != os.stat("/proc/self/ns/net").st_ino:
        sys.exit("bench_node_scale.py: refusing to run outside its private node namespace (use scripts/bench-node-scale.sh)")
    sh("ip", "link", "set", "lo", "up")
    sh("ip", "link", "add", "cni0", "type", "bridge", check=False)
    sh("ip", "addr", "add", "10.244.1.1/24", "dev", "cni0", check=False)
    sh("ip", "link", "set", "cni0", "up")
    tmp = tempfile.mkdtemp(prefix="cni-bench-scale.")
    sides = Sides(ours, ref, os.environ.get("FLOOR_PLUGINS"))
    counter = iter(range(10**9))
    results = {}
    try:
        for size, n in plan:
            rules = load_table(size)  # replaces table nat: the floor starts over with a fresh state
            sides.floor_state = tempfile.mkdtemp(dir=tmp, prefix="floor.")
            portmap_samples(sides, 1, counter)  # warm-up: shared chains, page cache
            pm = portmap_samples(sides, n, counter)
            sh("ip", "link", "del", "cni0", check=False)
            bridge_samples(sides, 1, counter, tmp)
            br = bridge_samples(sides, n, counter, tmp)
            results[str(size)] = {"rules": rules, "portmap": pm, "bridge ipMasq": br}
            print(f"  nat rules {rules:6d}: {n} samples each done", flush=True)
    finally:
        for ns in sh("ip", "netns", "list").stdout.split("\n"):
            name = ns.split(" ")[0]
            if name.startswith(f"nsb-{os.getpid()}-"):
                sh("ip", "netns", "del", name, check=False)
        subprocess.run(["rm", "-rf", tmp])

    base = str(min(int(s) for s in results))
    print(f"\n{'scenario':<15}{'op':<9}{'nat rules':>10}{'ref med':>10}{'ours med':>10}{'ours/ref':>9}{'growth':>8}{'nft med':>9}"
          f"{'floor med':>10}{'ours/floor':>11}{'floor growth':>13}{'n':>4}")
    for scen in ("portmap", "bridge ipMasq"):
        for op in ("ADD", "DEL", "DEL gone"):
            for s in sorted(results, key=int):
                r = results[s][scen]
                if op not in r["ours"]:
                    continue
                o, f = statistics.median(r["ours"][op]), statistics.median(r["reference"][op])
                g = o / statistics.median(results[base][scen]["ours"][op])
                nft = r.get("ours-nft", {}).get(op)
                nft_text = f"{statistics.median(nft) * 1000:9.1f}" if nft else f"{'-':>9}"
                fl, fl_base = r.get("floor", {}).get(op), results[base][scen].get("floor", {}).get(op)
                floor_text = (f"{statistics.median(fl) * 1000:10.1f}{o / statistics.median(fl):10.2f}x"
                              f"{statistics.median(fl) / statistics.median(fl_base):12.2f}x") if fl and fl_base else f"{'-':>10}{'-':>11}{'-':>13}"
                print(f"{scen:<15}{op:<9}{results[s]['rules']:>10}{f * 1000:10.1f}{o * 1000:10.1f}{o / f:8.2f}x{g:7.2f}x{nft_text}"
                      f"{floor_text}{len(r['ours'][op]):4d}")
    with open(prefix + ".json", "w") as fh:
        json.dump(results, fh, indent=1)
    try:
        plot(results, prefix + ".png")
        print(f"\nplot: {prefix}.png  raw samples: {prefix}.json")
    except ImportError:
        print(f"\nno matplotlib (scripts/deps.sh --test installs python3-matplotlib): no plot; raw samples: {prefix}.json")


if __name__ == "__main__":
    main()
