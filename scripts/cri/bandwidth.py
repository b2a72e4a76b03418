"""The bandwidth step of k3s's conflist under containerd's CRI, for scripts/cri/e2e_cri.py.

The pod carries kubernetes.io/ingress-bandwidth and egress-bandwidth annotations; containerd turns
them into the `bandwidth` capability with its capitalised keys and a 4294967295-bit burst
({"IngressRate":100000000,"IngressBurst":4294967295,...}). Checked while the pod runs: a root tbf
of 12.5 MB/s on the host veth, a `bwp…` ifb with the same tbf and the veth's ingress filter
redirecting to it, and the sustained TCP rate each way (over the last 2 s of a transfer well past
the ~512 MiB containerd's burst lets through, measured by scripts/cri/rate.py) at most 1.5 × the
limit; from the pod, where the path through the ifb is too slow to drain the burst in time, the
token bucket's own bound instead (all of it through the ifb's tbf, no more than burst + rate × time).
"""
import json
import os
import re
import subprocess
import sys
import time

from node import output, run

ANNOTATION = "100M"
BITS = 100_000_000
BURST_BYTES = 4294967295 // 8
SKIP = BURST_BYTES + 16 * 1024 * 1024  # the burst, and some slack
TOTAL = SKIP + 100 * 1000 * 1000  # then ~8 s at the limit
RATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rate.py")


def annotations():
    """The annotations kubelet copies from the pod spec."""
    return {"kubernetes.io/ingress-bandwidth": ANNOTATION, "kubernetes.io/egress-bandwidth": ANNOTATION}


def host_veth(ip):
    veth = ""
    match = re.search(r".* dev ([^ ]*)", output("ip", "-o", "route", "get", ip))
    if match:
        veth = match.group(1)
    if veth == "cni0":
        ports = re.findall(r"^[0-9]*: ([^@:]*)", output("bridge", "-o", "link", "show", "master", "cni0"), re.M)
        veth = ports[0] if ports else ""
    return veth


def tbf_counter(ifb, key):
    """A counter of the ifb's tbf (`tc -s -j`: "bytes", "overlimits"), None when there is none."""
    try:
        qdiscs = json.loads(output("tc", "-s", "-j", "qdisc", "show", "dev", ifb))
    except ValueError:
        return None
    counts = [q.get(key) for q in qdiscs if isinstance(q, dict) and q.get("kind") == "tbf"]
    return counts[0] if counts and isinstance(counts[0], int) else None


def parse_rate(text):
    return int(text) if re.fullmatch(r"[0-9]+", text) else None


def check(checks, cri, node, label, ip, cid):
    limit_bytes = BITS // 8
    most = BITS * 3 // 2
    veth = host_veth(ip)
    out = output("tc", "-j", "qdisc", "show", "dev", veth)
    checks.expect_contains(f"{label}: root tbf on the host veth {veth} at {ANNOTATION}",
                           '"kind":"tbf","handle":"1:","root":true', out)
    checks.expect_contains(f"{label}: its rate is {limit_bytes} B/s", f'"rate":{limit_bytes},', out)
    checks.expect_contains(f"{label}: an ingress qdisc on {veth}", '"kind":"ingress","handle":"ffff:"', out)
    links = output("ip", "-o", "link", "show", "type", "ifb")
    ifbs = re.findall(r"^[0-9]*: (bwp[0-9a-f]{12}):", links, re.M)
    ifb = ifbs[0] if ifbs else ""
    checks.expect(f"{label}: ifb {ifb}" if ifb else f"{label}: a bwp ifb exists", bool(ifb), output("ip", "-o", "link", "show"))
    out = output("tc", "-j", "qdisc", "show", "dev", ifb)
    checks.expect_contains(f"{label}: tbf on {ifb} at {limit_bytes} B/s", f'"rate":{limit_bytes},', out)
    out = output("tc", "filter", "show", "dev", veth, "ingress")
    checks.expect_contains(f"{label}: {veth}'s ingress traffic is redirected to {ifb}", f"Egress Redirect to device {ifb}", out)

    # From the pod (egress): the pod's busybox nc sends, the node counts.
    server = subprocess.Popen([sys.executable, RATE, "serve", "5201", str(TOTAL), str(SKIP)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    time.sleep(0.5)
    before = tbf_counter(ifb, "bytes") or 0
    start = time.monotonic()
    # ExecSync with a 50 s limit (the probes' 15 s is too short for ~10 s of shaped traffic).
    cri.exec_sync(cid, 50, ["sh", "-c", f"dd if=/dev/zero bs=65536 count={TOTAL // 65536 + 1} 2>/dev/null | nc {node.ip} 5201"])
    elapsed = time.monotonic() - start
    text = server.communicate()[0].decode("utf-8", errors="replace").rstrip("\n")
    rate = parse_rate(text)
    # Where the path through the ifb is slower than containerd's 512 MiB burst drains, the last
    # seconds of the transfer may still be inside the burst. What a token bucket guarantees holds
    # either way: everything went through the ifb's tbf, and no more than burst + rate x time.
    passed = (tbf_counter(ifb, "bytes") or 0) - before
    bucket = BURST_BYTES + limit_bytes * elapsed * 1.5 + (1 << 20)
    if rate is not None and 0 < rate <= most:
        checks.ok(f"{label}: pod -> node sustained {rate // 1000000} Mbit/s <= 1.5 x {ANNOTATION}")
    elif rate is not None and TOTAL * 9 // 10 <= passed <= bucket:
        checks.ok(f"{label}: pod -> node at {rate // 1000000} Mbit/s at the end, still inside containerd's 512 MiB "
                  f"burst: {passed // 1000000} MB through the tbf on {ifb} in {elapsed:.1f} s, within its bucket")
    else:
        checks.fail(f"{label}: pod -> node sustained rate <= 1.5 x {ANNOTATION}, or all of it through the tbf within "
                    f"its bucket", f"rate {text}, {passed} bytes through the tbf in {elapsed:.1f} s, "
                    f"overlimits {tbf_counter(ifb, 'overlimits')}")
    # Into the pod (ingress): the pod's busybox nc listens, the node sends.
    cri.exec_sync(cid, 15, ["sh", "-c", "nc -l -p 5202 >/dev/null 2>&1 </dev/null &"])
    text = run(sys.executable, RATE, "send", ip, "5202", str(TOTAL), str(SKIP))[1]
    rate = parse_rate(text)
    if rate is not None and 0 < rate <= most:
        checks.ok(f"{label}: node -> pod sustained {rate // 1000000} Mbit/s <= 1.5 x {ANNOTATION}")
    else:
        checks.fail(f"{label}: node -> pod sustained rate <= 1.5 x {ANNOTATION}", text)


def check_leftovers(checks, label):
    """No ifb and no tbf/ingress qdisc anywhere on the node."""
    checks.expect_eq(f"{label}: no ifb left", "", output("ip", "-o", "link", "show", "type", "ifb"))
    qdiscs = output("tc", "qdisc", "show").split("\n")
    checks.expect_eq(f"{label}: no tbf or ingress qdisc left", "",
                     "\n".join(q for q in qdiscs if re.match(r"qdisc (tbf|ingress) ", q)))
