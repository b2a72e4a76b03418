#!/usr/bin/env python3
"""Alternating A/B of two builds of the suite: the flannel chain (flannel -> bridge -> host-local),
ADD then DEL, pod by pod, the order of the two sides flipped every pod, so machine load and
ordering effects (kernel teardown of earlier namespaces, filesystem state) hit both alike.

Run by scripts/bench-ab.sh inside a private node netns: bench_ab.py NODE PODS NAME=DIR NAME=DIR.
Each side has its own dataDirs; both use bridge cni0 of the node netns.
"""
import json, os, statistics, subprocess, sys, tempfile, time, shutil


def run(path, command, cid, netns, conf, cni_path):
    env = {"CNI_COMMAND": command, "CNI_CONTAINERID": cid, "CNI_NETNS": netns, "CNI_IFNAME": "eth0",
           "CNI_PATH": cni_path, "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
    t0 = time.perf_counter()
    r = subprocess.run([path], input=json.dumps(conf).encode(), env=env, capture_output=True)
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError(f"{path} {command} {cid} failed: {r.stdout.decode()}")
    return dt


def q(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p * (len(xs) - 1))))]


def main():
    node, pods = sys.argv[1], int(sys.argv[2])
    sides = [tuple(a.split("=", 1)) for a in sys.argv[3:5]]
    if not node or os.stat(f"/run/netns/{node}").st_ino != os.stat("/proc/self/ns/net").st_ino:
        sys.exit("bench_ab.py: refusing to run outside its private node namespace (use scripts/bench-ab.sh)")
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    tmp = tempfile.mkdtemp(prefix="cni-bench-ab.")
    subnet = os.path.join(tmp, "subnet.env")
    with open(subnet, "w") as f:
        f.write("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n")
    conf = {n: {"cniVersion": "1.0.0", "name": "cbr0", "type": "flannel", "subnetFile": subnet,
                "dataDir": os.path.join(tmp, n, "flannel"), "ipam": {"dataDir": os.path.join(tmp, n, "ipam")},
                "delegate": {"hairpinMode": True, "isDefaultGateway": True}} for n, _ in sides}
    add = {n: [] for n, _ in sides}
    dele = {n: [] for n, _ in sides}
    made = []
    try:
        for i in range(pods):
            for n, d in (sides if i % 2 == 0 else sides[::-1]):
                ns = f"bench-ab{os.getpid()}-{n}-{i}"
                subprocess.run(["ip", "netns", "add", ns], check=True)
                made.append(ns)
                add[n].append(run(os.path.join(d, "flannel"), "ADD", f"{n}{i}", f"/run/netns/{ns}", conf[n], d))
        for i in range(pods):
            for n, d in (sides if i % 2 == 0 else sides[::-1]):
                ns = f"bench-ab{os.getpid()}-{n}-{i}"
                dele[n].append(run(os.path.join(d, "flannel"), "DEL", f"{n}{i}", f"/run/netns/{ns}", conf[n], d))
    finally:
        for ns in made:
            subprocess.run(["ip", "netns", "del", ns], check=False)
        shutil.rmtree(tmp, ignore_errors=True)
    (a, _), (b, _) = sides
    print(f"flannel chain, {pods} pods per side, alternating (median / p90, ms)")
    for op, r in (("ADD", add), ("DEL", dele)):
        cells = "   ".join(f"{n} {statistics.median(r[n]) * 1000:.2f} / {q(r[n], .9) * 1000:.2f}" for n, _ in sides)
        print(f"  {op}: {cells}   {b}/{a} {statistics.median(r[b]) / statistics.median(r[a]):.2f}x")


if __name__ == "__main__":
    main()
