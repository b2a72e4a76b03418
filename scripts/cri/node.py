"""Probes of the private node for scripts/cri/e2e_cri.py, which runs inside it (the sandbox of
scripts/lib/runtime-sandbox.sh): the commands run directly, in the node's network and mount
namespaces. Every probe that could hang runs under `timeout`. What each probe checks matches
scripts/lib/runtime-checks.sh and runtime-scenarios.sh, which the podman and ctr e2e use.
"""
import hashlib
import os
import subprocess
import time

NO_ANSWER = "<no answer within 5 s>"


def run(*cmd, stdin=None):
    """(exit status, stdout and stderr together without trailing newlines), like bash's $(cmd 2>&1)."""
    try:
        proc = subprocess.run(
            cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False
        )
    except OSError as err:
        return 127, str(err)
    return proc.returncode, proc.stdout.decode("utf-8", errors="replace").rstrip("\n")


def output(*cmd):
    return run(*cmd)[1]


def now_ms():
    return time.monotonic_ns() // 1_000_000


class Node:
    """The node's settings (scripts/lib/runtime-node.sh, cri-node.sh) and its probes."""

    def __init__(self, settings):
        self.ip = settings["node_ip"]
        self.gateway = settings["node_gateway"]
        self.subnet = settings["node_subnet"]
        self.mtu = settings["node_mtu"]
        self.network = settings["node_network"]
        self.uses_flannel = settings["node_uses_flannel"]
        self.host_port = settings["host_port"]
        self.inspect = settings["inspect"]
        self.client_netns = settings["client_netns"]
        self.client_node_ip = settings["client_node_ip"]

    # ---- host-local's store, libcni's cache, rules -------------------------------------------
    def store_dir(self):
        return f"/var/lib/cni/networks/{self.network}"

    def store_owner(self, ip):
        """The container ID line of host-local's reservation file, "" if none."""
        try:
            with open(os.path.join(self.store_dir(), ip), encoding="utf-8") as f:
                return f.readline().rstrip("\n").replace("\r", "")
        except OSError:
            return ""

    def store_ips(self):
        """Every reserved IP of the network, one per line, sorted."""
        try:
            names = os.listdir(self.store_dir())
        except OSError:
            return ""
        ips = [n for n in names if n.count(".") == 3 and all(p.isdigit() for p in n.split("."))]
        return "\n".join(sorted(ips))

    @staticmethod
    def listing(path):
        """The names in PATH as `ls` shows them (no dotfiles), one per line; "" when it is missing."""
        try:
            return "\n".join(sorted(n for n in os.listdir(path) if not n.startswith(".")))
        except OSError:
            return ""

    @staticmethod
    def nat_rules():
        return output("iptables-save", "-t", "nat")

    @staticmethod
    def all_rules():
        return output("iptables-save") + "\n" + output("ip6tables-save")

    # ---- traffic ------------------------------------------------------------------------------
    @staticmethod
    def http_get(*prefix_and_url):
        """GET with busybox wget, 5 s limit (`timeout`: busybox 1.35's wget -T segfaults)."""
        *prefix, url = prefix_and_url
        rc, out = run(*prefix, "timeout", "5", "busybox", "wget", "-q", "-O", "-", url)
        if rc in (124, 143):
            out = f"{out}\n{NO_ANSWER}" if out else NO_ANSWER
        return out

    def http_get_node(self, url):
        return self.http_get(url)

    def http_get_client(self, url):
        return self.http_get("nsenter", f"--net=/run/netns/{self.client_netns}", url)

    def wait_http(self, checks, label, want, url):
        """The first GET from the node, retried for up to ~10 s while the server starts."""
        deadline = time.monotonic() + 10
        while True:
            got = self.http_get_node(url)
            if got == want or time.monotonic() >= deadline:
                break
            time.sleep(0.3)
        checks.expect_eq(label, want, got)

    # ---- the checks the other runtime e2e share -----------------------------------------------
    def check_hostport(self, checks, name, ip, sandbox_id):
        """portmap's rules for the pod and its hostPort reached from the node (node address,
        gateway on cni0, localhost: route_localnet + SNAT)."""
        nat = self.nat_rules()
        checks.expect_contains(f"{name}: portmap DNAT {self.host_port} -> {ip}:80", f"--to-destination {ip}:80", nat)
        checks.expect_contains(f"{name}: portmap entry rule names the container", f'id: \\"{sandbox_id}\\"', nat)
        for host in (self.ip, self.gateway, "127.0.0.1"):
            checks.expect_eq(
                f"{name}: hostPort from the node via {host}:{self.host_port}",
                name,
                self.http_get_node(f"http://{host}:{self.host_port}/"),
            )

    def check_released(self, checks, label, ip, sandbox_id):
        """Nothing of the sandbox is left on the node after DEL."""
        left = ""
        if ip and self.store_owner(ip):
            left += f"host-local reservation {self.store_dir()}/{ip}; "
        if any(sandbox_id in name for name in self.listing("/var/lib/cni/results").split("\n") if name):
            left += "libcni cache entry (the DEL failed); "
        if self.uses_flannel and os.path.lexists(f"/var/lib/cni/flannel/{sandbox_id}"):
            left += f"/var/lib/cni/flannel/{sandbox_id}; "
        chains = hashlib.sha512((self.network + sandbox_id).encode()).hexdigest()[:24]
        needles = (sandbox_id, f"CNI-{chains}", f"CNI-DN-{chains[:21]}")
        rules = "\n".join(line for line in self.all_rules().split("\n") if any(n in line for n in needles))
        if rules:
            left += f"iptables rules: {rules}; "
        checks.expect(f"{label}: IP {ip}, cache, saved config and rules released", not left, left)

    def check_cni_inspect(self, checks, label):
        """The `cni-inspect --json` we ship exits 0 in the node: node ready, no problem found."""
        rc, out = run(self.inspect, "--json")
        checks.expect(f"{label}: cni-inspect --json: no problems" + ("" if rc == 0 else f" (exit {rc})"), rc == 0, out)
