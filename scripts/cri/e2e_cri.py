#!/usr/bin/python3
"""The CRI scenario of scripts/e2e-cri.sh, run inside its private node: containerd's CRI plugin
driven over its socket the way kubelet drives it, calling the plugin suite through each conflist.

Usage: e2e_cri.py SETTINGS.json RESULT.json
  SETTINGS.json: what scripts/e2e-cri.sh set up (the node's addresses, containerd's paths, the
  conflists to run, the images); RESULT.json: the checks' totals, failed names and measured
  times, which the script folds into its closing line.

For each conflist (kube-flannel's cniVersion 0.3.1 file, the 1.0.0 one, then k3s's flannel +
portmap + bandwidth with the pod's bandwidth annotations, scripts/cri/bandwidth.py): containerd
started on it, one pod through RunPodSandbox (hostPort -> 80/TCP), PodSandboxStatus,
Create/StartContainer, traffic from the node, from a client netns attached to the node and
hairpin from the pod, StopPodSandbox twice, RemovePodSandbox, then nothing may be left on the
node. At the end, every plugin call containerd made is printed (scripts/cri/trace_print.py) and
the traced sequence is checked.
"""
import json
import os
import shutil
import subprocess
import sys
import time
import uuid

import trace_print
from checks import Checks
from cri_client import CriClient, CriError
from node import Node, now_ms, run
from pod import PodRun


class Containerd:
    """containerd with its CRI plugin: config, log and socket under the settings' dir."""

    def __init__(self, settings):
        self.dir = settings["cri_dir"]
        self.socket = settings["socket"]
        self.conf_dir = settings["conf_dir"]
        self.process = None

    def install_conflist(self, path):
        """The only file of conf_dir, named as kube-flannel installs it."""
        for name in os.listdir(self.conf_dir):
            os.remove(os.path.join(self.conf_dir, name))
        shutil.copyfile(path, os.path.join(self.conf_dir, "10-flannel.conflist"))

    def start(self):
        """Starts containerd, waits up to 20 s for its socket; False if it did not come up."""
        with open(os.path.join(self.dir, "containerd.log"), "ab") as log:
            self.process = subprocess.Popen(
                ["containerd", "--config", os.path.join(self.dir, "config.toml")],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )
        for _ in range(200):
            if run("timeout", "5", "ctr", "--address", self.socket, "version")[0] == 0:
                return True
            if self.process.poll() is not None:
                return False
            time.sleep(0.1)
        return False

    def stop(self):
        """SIGTERM, up to 15 s to exit, then SIGKILL."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def log(self, lines=10):
        try:
            with open(os.path.join(self.dir, "containerd.log"), encoding="utf-8", errors="replace") as f:
                return "".join(f.readlines()[-lines:]).rstrip("\n")
        except OSError as err:
            return str(err)


def wait_network_ready(cri, seconds):
    """Waits for the runtime's NetworkReady condition; (True, "") or (False, the last answer)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            answer = cri.call("Status", {}, 10)
            conditions = answer.get("status", {}).get("conditions", [])
            if any(c.get("type") == "NetworkReady" and c.get("status") is True for c in conditions):
                return True, ""
            last = json.dumps(answer)
        except CriError as err:
            last = str(err)
        if time.monotonic() >= deadline:
            return False, last
        time.sleep(0.5)


def import_images(settings):
    """Both image archives into the CRI plugin's namespace (scripts/lib/cri-images.sh)."""
    lib = os.path.join(settings["repo"], "scripts/lib/cri-images.sh")
    return run("bash", "-c", '. "$1"; cri_import_images "$2" "$3" "$4"', "x", lib,
               settings["images_dir"], settings["socket"], settings["snapshotter"])


def run_conflist(checks, settings, node, containerd, index, label, conflist):
    """containerd (re)started on CONFLIST, one pod through it. False: skip the whole test."""
    print(f"== containerd CRI with conflists/{conflist} (cniVersion {label}) as "
          f"{containerd.conf_dir}/10-flannel.conflist", flush=True)
    try:
        containerd.install_conflist(os.path.join(settings["repo"], "conflists", conflist))
    except OSError as err:
        checks.fail(f"{label}: install the conflist", str(err))
        return True
    t0 = now_ms()
    if not containerd.start():
        if index == 1:
            checks.skip_reason = f"containerd (CRI plugin) cannot start on this machine: {containerd.log()}"
            return False
        checks.fail(f"{label}: containerd started", containerd.log())
        return True
    if index == 1:
        rc, out = import_images(settings)
        if not checks.expect("images imported with ctr -n k8s.io images import", rc == 0, out):
            return True
    cri = CriClient(settings["socket"], settings["pb_dir"])
    try:
        ready, last = wait_network_ready(cri, 30)
        if not ready:
            checks.fail(f"{label}: CRI Status NetworkReady within 30 s", f"{last}\n{containerd.log()}")
            return True
        checks.ok(f"{label}: CRI Status NetworkReady (the CRI plugin loaded the conflist)")
        checks.measure(f"{label}: containerd start until NetworkReady", now_ms() - t0)
        pod = PodRun(checks, settings, node, cri, label, with_bandwidth=(label == "k3s"))
        try:
            pod.run(f"web-{label.replace('.', '')}", str(uuid.uuid4()))
        finally:
            pod.remove_leftover()
    finally:
        cri.close()
    return True


def check_traces(checks, settings, runs):
    trace_dir = settings["trace_dir"]
    print(f"== plugin calls containerd made (through the tracing wrappers in {settings['bin_dir']})")
    for label, conflist in runs:
        print(f"-- cniVersion {label}: conflists/{conflist}")
        calls = trace_print.load_dir(os.path.join(trace_dir, label))
        for line in trace_print.report_lines(calls):
            print(line)
        seq = "\n".join(trace_print.sequence_lines(calls))
        checks.expect_contains(f"{label}: traced ADD flannel on eth0", "ADD flannel eth0 netns=/var/run/netns/cni-", seq)
        checks.expect_contains(f"{label}: traced ADD portmap on eth0", "ADD portmap eth0 netns=/var/run/netns/cni-", seq)
        checks.expect_contains(f"{label}: traced DEL flannel with the pod netns (StopPodSandbox)",
                               "DEL flannel eth0 netns=/var/run/netns/cni-", seq)
        checks.expect_contains(f"{label}: traced DEL flannel with an empty CNI_NETNS (netns gone)",
                               "DEL flannel eth0 netns=empty", seq)
        if label == "k3s":
            checks.expect_contains(f"{label}: traced ADD bandwidth on eth0", "ADD bandwidth eth0 netns=/var/run/netns/cni-", seq)
            checks.expect_contains(f"{label}: traced DEL bandwidth", "DEL bandwidth eth0", seq)
        checks.expect_eq(f"{label}: every traced plugin call exited 0", "", "\n".join(trace_print.failed_lines(calls)))


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        settings = json.load(f)
    checks = Checks()
    node = Node(settings)
    containerd = Containerd(settings)
    runs = [(r["label"], r["conflist"]) for r in settings["runs"]]
    try:
        for index, (label, conflist) in enumerate(runs, start=1):
            go_on = run_conflist(checks, settings, node, containerd, index, label, conflist)
            containerd.stop()
            if not go_on:
                return 0
            os.rename(os.path.join(settings["trace_dir"], "current"), os.path.join(settings["trace_dir"], label))
            os.makedirs(os.path.join(settings["trace_dir"], "current"))
        check_traces(checks, settings, runs)
    finally:
        containerd.stop()
        checks.write(sys.argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main())
