#!/usr/bin/python3
"""Unit tests of the CRI e2e driver's pure parts (no root, no containerd): the counted checks,
the trace reader, the pod and container configs kubelet would send, the runtime spec's netns,
and the rate parser. Run: python3 -m unittest discover -s scripts/cri -p 'test_*.py'
"""
import contextlib
import io
import json
import os
import tempfile
import unittest

import bandwidth
import pod
import trace_print
from checks import Checks


def quiet(fn, *args):
    with contextlib.redirect_stdout(io.StringIO()) as out:
        result = fn(*args)
    return result, out.getvalue()


class ChecksTests(unittest.TestCase):
    def test_counts_and_result_file(self):
        c = Checks()
        quiet(c.expect_eq, "same", "a", "a")
        _, printed = quiet(c.expect_eq, "differs", "a\nb", "a\nc")
        quiet(c.expect_contains, "contains", "needle", "hay needle hay")
        quiet(c.expect_contains, "missing", "needle", "hay")
        c.measure("step", 12)
        self.assertIn("  FAIL  differs\n        expected: b\n        actual:   c\n", printed)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "result.json")
            c.write(path)
            with open(path, encoding="utf-8") as f:
                result = json.load(f)
        self.assertEqual(result, {"passed": 2, "failures": ["differs", "missing"], "measures": ["step: 12 ms"], "skip": ""})


class TraceTests(unittest.TestCase):
    def write_call(self, d, name, parent, command, plugin, netns, code):
        with open(os.path.join(d, name), "w", encoding="utf-8") as f:
            f.write(f"start=1.{name[-1]}\nplugin={plugin}\nparent={parent}\nCNI_COMMAND={command}\n"
                    f"CNI_NETNS={netns}\nCNI_IFNAME=eth0\nexit={code}\nend=2.0\n")
        for ext, text in ((".in", '{"a": 1}'), (".out", ""), (".err", "")):
            with open(os.path.join(d, name + ext), "w", encoding="utf-8") as f:
                f.write(text)

    def test_sequence_nests_delegates_and_lists_failures(self):
        with tempfile.TemporaryDirectory() as d:
            self.write_call(d, "call.1", "", "ADD", "flannel", "/var/run/netns/cni-x", 0)
            self.write_call(d, "call.2", f"{d}/call.1", "ADD", "bridge", "/var/run/netns/cni-x", 0)
            self.write_call(d, "call.3", "", "DEL", "flannel", "", 1)
            calls = trace_print.load_dir(d)
        self.assertEqual(trace_print.sequence_lines(calls), [
            "ADD flannel eth0 netns=/var/run/netns/cni-x exit=0",
            "ADD bridge eth0 netns=/var/run/netns/cni-x via flannel exit=0",
            "DEL flannel eth0 netns=empty exit=1",
        ])
        self.assertEqual(trace_print.failed_lines(calls), ["DEL flannel eth0 netns=empty exit=1: "])
        self.assertEqual(trace_print.load_dir(os.path.join(d, "gone")), [])


class PodConfigTests(unittest.TestCase):
    settings = {"cri_dir": "/run/e2e-cri", "host_port": 8080, "cgroup_parent": "e2e-cri-x", "web_image": "web:1"}

    def test_sandbox_config_carries_port_dns_and_bandwidth_annotations(self):
        config = pod.pod_config(self.settings, "web-k3s", "u1", with_bandwidth=True)
        self.assertEqual(config["port_mappings"], [{"protocol": "TCP", "container_port": 80, "host_port": 8080}])
        self.assertEqual(config["dns_config"]["searches"][0], "e2e-cri.svc.cluster.local")
        self.assertEqual(config["annotations"]["kubernetes.io/ingress-bandwidth"], "100M")
        self.assertEqual(config["linux"]["cgroup_parent"], "e2e-cri-x/podu1")
        self.assertNotIn("kubernetes.io/egress-bandwidth", pod.pod_config(self.settings, "w", "u", False)["annotations"])

    def test_container_config_serves_the_pod_name(self):
        config = pod.container_config(self.settings, "web-031")
        self.assertEqual(config["envs"], [{"key": "POD_NAME", "value": "web-031"}])
        self.assertEqual(config["image"], {"image": "web:1"})

    def test_netns_from_the_verbose_status(self):
        spec = {"runtimeSpec": {"linux": {"namespaces": [{"type": "pid"}, {"type": "network", "path": "/var/run/netns/cni-1"}]}}}
        self.assertEqual(pod.sandbox_netns({"info": {"info": json.dumps(spec)}}), "/var/run/netns/cni-1")
        self.assertEqual(pod.sandbox_netns({"info": {"info": "not json"}}), "")
        self.assertEqual(pod.sandbox_netns({}), "")


class RateTests(unittest.TestCase):
    def test_only_plain_numbers_are_rates(self):
        self.assertEqual(bandwidth.parse_rate("155245906"), 155245906)
        self.assertIsNone(bandwidth.parse_rate(""))
        self.assertIsNone(bandwidth.parse_rate("rate.py: no connection"))


if __name__ == "__main__":
    unittest.main()
