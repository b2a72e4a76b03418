"""One pod through containerd's CRI plugin, as kubelet drives it, for scripts/cri/e2e_cri.py:
RunPodSandbox (hostPort -> 80/TCP, cluster DNS, network namespace POD) -> PodSandboxStatus (IP)
-> CreateContainer/StartContainer (busybox httpd on :80) -> traffic (node -> pod IP, node ->
hostPort via node IP / gateway / 127.0.0.1, client netns -> pod IP and hostPort, hairpin pod ->
its own hostPort) -> StopContainer -> StopPodSandbox twice -> RemoveContainer ->
RemovePodSandbox, then nothing of the pod may be left on the node.
"""
import ipaddress
import json
import os
import re

import bandwidth
from cri_client import CriError
from node import now_ms, output

NAMESPACE = "e2e-cri"
DNS_SERVER = "10.96.0.10"
DNS_SEARCHES = [f"{NAMESPACE}.svc.cluster.local", "svc.cluster.local", "cluster.local"]


def pod_config(settings, name, uid, with_bandwidth):
    """The PodSandboxConfig kubelet builds for a pod with one container port 80 published as the
    hostPort (kuberuntime_sandbox.go: labels, log directory, DNS from the cluster DNS settings,
    cgroupfs parent, namespace options)."""
    annotations = {"kubernetes.io/config.source": "api"}
    if with_bandwidth:
        annotations.update(bandwidth.annotations())
    return {
        "metadata": {"name": name, "uid": uid, "namespace": NAMESPACE, "attempt": 0},
        "hostname": name,
        "log_directory": f"{settings['cri_dir']}/pods/{NAMESPACE}_{name}_{uid}",
        "dns_config": {"servers": [DNS_SERVER], "searches": DNS_SEARCHES, "options": ["ndots:5"]},
        "port_mappings": [{"protocol": "TCP", "container_port": 80, "host_port": settings["host_port"]}],
        "labels": {"io.kubernetes.pod.name": name, "io.kubernetes.pod.namespace": NAMESPACE,
                   "io.kubernetes.pod.uid": uid},
        "annotations": annotations,
        "linux": {"cgroup_parent": f"{settings['cgroup_parent']}/pod{uid}",
                  "security_context": {"namespace_options": {"network": "POD", "pid": "CONTAINER", "ipc": "POD"}}},
    }


def container_config(settings, pod):
    """The web container: writes POD (downward-API style env) as its index page and serves it on
    :80; exits at once on SIGTERM."""
    script = ("mkdir -p /www/site && echo \"$POD_NAME\" > /www/site/index.html && trap 'exit 0' TERM; "
              "httpd -f -p 80 -h /www/site & wait")
    return {
        "metadata": {"name": "web", "attempt": 0},
        "image": {"image": settings["web_image"]},
        "command": ["/bin/sh", "-c", script],
        "envs": [{"key": "POD_NAME", "value": pod}],
        "labels": {"io.kubernetes.container.name": "web", "io.kubernetes.pod.name": pod,
                   "io.kubernetes.pod.namespace": NAMESPACE},
        "log_path": "web/0.log",
    }


def sandbox_netns(status):
    """The pod's netns path, from a verbose PodSandboxStatus (the runtime spec)."""
    try:
        spec = json.loads(status.get("info", {}).get("info", ""))
        namespaces = spec["runtimeSpec"]["linux"]["namespaces"]
    except (ValueError, KeyError, TypeError):
        return ""
    return next((n.get("path", "") for n in namespaces if n.get("type") == "network"), "")


class PodRun:
    def __init__(self, checks, settings, node, cri, label, with_bandwidth):
        self.checks, self.settings, self.node, self.cri = checks, settings, node, cri
        self.label = label
        self.with_bandwidth = with_bandwidth
        self.live_sandbox = ""  # not removed yet: remove_leftover removes it

    def call(self, method, request, timeout=120):
        """(True, response) or (False, the error text)."""
        try:
            return True, self.cri.call(method, request, timeout)
        except CriError as err:
            return False, str(err)

    def step(self, name, method, request, timeout=120):
        ok, answer = self.call(method, request, timeout)
        self.checks.expect(name, ok, "" if ok else answer)
        return ok

    def sandbox_state(self, sandbox_id):
        ok, answer = self.call("PodSandboxStatus", {"pod_sandbox_id": sandbox_id}, 30)
        return answer.get("status", {}).get("state", "") if ok else ""

    def remove_leftover(self):
        """StopPodSandbox + RemovePodSandbox, quietly (the cleanup of a failed run)."""
        if self.live_sandbox:
            self.call("StopPodSandbox", {"pod_sandbox_id": self.live_sandbox}, 60)
            self.call("RemovePodSandbox", {"pod_sandbox_id": self.live_sandbox}, 60)
            self.live_sandbox = ""

    def run(self, name, uid):
        """The whole lifecycle of one pod named NAME."""
        checks, node, label = self.checks, self.node, self.label
        config = pod_config(self.settings, name, uid, self.with_bandwidth)
        os.makedirs(config["log_directory"], exist_ok=True)

        print(f"== {label}: RunPodSandbox (hostPort {node.host_port} -> 80/TCP, DNS, network namespace POD)", flush=True)
        t0 = now_ms()
        ok, answer = self.call("RunPodSandbox", {"config": config})
        if not ok:
            checks.fail(f"{label}: RunPodSandbox", answer)
            self.check_leftovers(f"{label} (after the failed RunPodSandbox)", "", "")
            return
        checks.measure(f"{label}: RunPodSandbox (CNI ADD included)", now_ms() - t0)
        sandbox = answer.get("pod_sandbox_id", "")
        self.live_sandbox = sandbox
        checks.ok(f"{label}: RunPodSandbox -> sandbox {sandbox[:12]}")

        ok, status = self.call("PodSandboxStatus", {"pod_sandbox_id": sandbox}, 30)
        status = status if ok else {}
        checks.expect_eq(f"{label}: PodSandboxStatus state", "SANDBOX_READY", status.get("status", {}).get("state", ""))
        ip = status.get("status", {}).get("network", {}).get("ip", "")
        try:
            in_subnet = ipaddress.ip_address(ip) in ipaddress.ip_network(node.subnet)
        except ValueError:
            in_subnet = False
        checks.expect(f"{label}: PodSandboxStatus IP {ip} (in {node.subnet})" if in_subnet
                      else f"{label}: PodSandboxStatus IP in {node.subnet}", in_subnet, json.dumps(status))
        checks.expect_eq(f"{label}: host-local reservation {ip} belongs to the sandbox", sandbox, node.store_owner(ip))
        saved = f"/var/lib/cni/flannel/{sandbox}"
        checks.expect(f"{label}: flannel saved the delegate config", os.path.isfile(saved) and os.path.getsize(saved) > 0,
                      f"$ test -s {saved}")
        ok, verbose = self.call("PodSandboxStatus", {"pod_sandbox_id": sandbox, "verbose": True}, 30)
        netns = sandbox_netns(verbose) if ok else ""
        checks.expect(f"{label}: pod netns {netns}" if netns.startswith("/var/run/netns/cni-")
                      else f"{label}: pod netns is /var/run/netns/cni-<uuid>",
                      netns.startswith("/var/run/netns/cni-"), f"got '{netns}'")

        print(f"== {label}: CreateContainer / StartContainer (httpd on :80)", flush=True)
        cid = self.run_container(name, ip, sandbox, config)

        print(f"== {label}: StopPodSandbox twice, RemovePodSandbox (CNI DEL)", flush=True)
        t0 = now_ms()
        self.step(f"{label}: StopPodSandbox", "StopPodSandbox", {"pod_sandbox_id": sandbox})
        checks.measure(f"{label}: StopPodSandbox (CNI DEL included)", now_ms() - t0)
        node.check_released(checks, f"{label}: after StopPodSandbox", ip, sandbox)
        checks.expect_eq(f"{label}: PodSandboxStatus state after StopPodSandbox", "SANDBOX_NOTREADY",
                         self.sandbox_state(sandbox))
        ok, answer = self.call("StopPodSandbox", {"pod_sandbox_id": sandbox})
        checks.expect(f"{label}: StopPodSandbox again (idempotent)" if ok else f"{label}: StopPodSandbox again", ok,
                      "" if ok else answer)
        if cid:
            self.step(f"{label}: RemoveContainer", "RemoveContainer", {"container_id": cid})
        if self.step(f"{label}: RemovePodSandbox", "RemovePodSandbox", {"pod_sandbox_id": sandbox}):
            self.live_sandbox = ""
        ok, answer = self.call("PodSandboxStatus", {"pod_sandbox_id": sandbox}, 30)
        checks.expect_contains(f"{label}: PodSandboxStatus after RemovePodSandbox: NotFound", "NOT_FOUND",
                               json.dumps(answer) if ok else answer)
        self.check_leftovers(label, sandbox, netns)

    def run_container(self, name, ip, sandbox, config):
        """Create, start, probe and stop the web container; its ID ("" if not created)."""
        checks, label = self.checks, self.label
        ok, answer = self.call("CreateContainer", {"pod_sandbox_id": sandbox,
                                                   "config": container_config(self.settings, name),
                                                   "sandbox_config": config})
        if not ok:
            checks.fail(f"{label}: CreateContainer", answer)
            return ""
        cid = answer.get("container_id", "")
        checks.ok(f"{label}: CreateContainer -> {cid[:12]}")
        if self.step(f"{label}: StartContainer", "StartContainer", {"container_id": cid}):
            self.check_traffic(name, ip, sandbox, cid)
            if self.with_bandwidth:
                bandwidth.check(checks, self.cri, self.node, label, ip, cid)
        self.step(f"{label}: StopContainer", "StopContainer", {"container_id": cid, "timeout": 10}, 30)
        return cid

    def exec(self, cid, *cmd):
        """ExecSync with a 15 s limit: the command's output."""
        return self.cri.exec_sync(cid, 15, list(cmd))[1].rstrip("\n")

    def check_traffic(self, name, ip, sandbox, cid):
        checks, node, label = self.checks, self.node, self.label
        node.wait_http(checks, f"{label}: node -> pod {ip}:80", name, f"http://{ip}:80/")
        checks.expect_contains(f"{label}: pod eth0 has {ip}/24", f"inet {ip}/24",
                               self.exec(cid, "ip", "-4", "-o", "addr", "show", "dev", "eth0"))
        checks.expect_contains(f"{label}: pod eth0 MTU {node.mtu} (FLANNEL_MTU)", f"mtu {node.mtu} ",
                               self.exec(cid, "ip", "-o", "link", "show", "dev", "eth0"))
        checks.expect_contains(f"{label}: pod default route via {node.gateway}", f"default via {node.gateway} dev eth0",
                               self.exec(cid, "ip", "-4", "route"))
        out = self.exec(cid, "cat", "/etc/resolv.conf")
        wanted = (f"nameserver {DNS_SERVER}", f"search {' '.join(DNS_SEARCHES)}", "options ndots:5")
        checks.expect(f"{label}: pod resolv.conf from the sandbox DNS config", all(w in out for w in wanted), out)
        print(f"== {label}: hostPort {node.host_port} -> pod:80", flush=True)
        node.check_hostport(checks, name, ip, sandbox)
        checks.expect_eq(f"{label}: client netns -> pod {ip}:80 (routed by the node)", name,
                         node.http_get_client(f"http://{ip}:80/"))
        port = node.host_port
        checks.expect_eq(f"{label}: client netns -> node {node.client_node_ip}:{port} (hostPort)", name,
                         node.http_get_client(f"http://{node.client_node_ip}:{port}/"))
        checks.expect_eq(f"{label}: client netns -> node {node.ip}:{port} (hostPort)", name,
                         node.http_get_client(f"http://{node.ip}:{port}/"))
        checks.expect_eq(f"{label}: pod -> its own hostPort via {node.ip} (hairpin)", name,
                         self.exec(cid, "timeout", "5", "wget", "-q", "-O", "-", f"http://{node.ip}:{port}/"))
        node.check_cni_inspect(checks, f"{label}: pod running")

    def check_leftovers(self, label, sandbox, netns):
        """After RemovePodSandbox (or a failed RunPodSandbox), nothing of any pod is left on the
        node: reservations, libcni cache, flannel's saved configs, veths on cni0, portmap rules,
        pod netns; cni-inspect finds no problem."""
        checks, node = self.checks, self.node
        checks.expect_eq(f"{label}: no host-local reservations left", "", node.store_ips())
        checks.expect_eq(f"{label}: libcni cache empty", "", node.listing("/var/lib/cni/results"))
        checks.expect_eq(f"{label}: flannel dataDir empty", "", node.listing("/var/lib/cni/flannel"))
        veths = output("ip", "-o", "link", "show", "master", "cni0") if os.path.exists("/sys/class/net/cni0") else ""
        checks.expect_eq(f"{label}: no veth left on cni0", "", veths)
        dn = [line for line in node.nat_rules().split("\n") if re.search(r"^:CNI-DN-|-j CNI-DN-", line)]
        checks.expect_eq(f"{label}: no CNI-DN-* chains left", "", "\n".join(dn))
        if sandbox:
            named = [line for line in node.all_rules().split("\n") if sandbox in line]
            checks.expect_eq(f"{label}: no iptables rule names the sandbox", "", "\n".join(named))
        bandwidth.check_leftovers(checks, label)
        left = [n for n in node.listing("/var/run/netns").split("\n") if n.startswith("cni-")]
        checks.expect_eq(f"{label}: no pod netns left in /var/run/netns", "", "\n".join(left))
        node.check_cni_inspect(checks, label)
