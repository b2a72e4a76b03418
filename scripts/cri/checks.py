"""Counted checks for scripts/e2e_cri.py, printed like scripts/lib/e2e-assert.sh's: "  ok    NAME"
or "  FAIL  NAME" with what differed indented below. The totals, the failed names and the
measured times go to a JSON file that scripts/e2e-cri.sh folds into its closing line.
"""
import difflib
import json
import os
import sys


class Checks:
    def __init__(self):
        self.passed = 0
        self.failures = []
        self.measures = []
        self.skip_reason = ""

    def ok(self, name):
        self.passed += 1
        print(f"  ok    {name}", flush=True)

    def fail(self, name, detail=""):
        self.failures.append(name)
        print(f"  FAIL  {name}", flush=True)
        for line in detail.split("\n") if detail else []:
            print(f"        {line}", flush=True)

    def expect(self, name, condition, detail=""):
        if condition:
            self.ok(name)
        else:
            self.fail(name, detail)
        return condition

    def expect_eq(self, name, expected, actual):
        if expected == actual:
            self.ok(name)
            return True
        diff = difflib.unified_diff(expected.split("\n"), actual.split("\n"), lineterm="", n=0)
        lines = []
        for line in list(diff)[2:]:
            if line.startswith("-"):
                lines.append("expected: " + line[1:])
            elif line.startswith("+"):
                lines.append("actual:   " + line[1:])
        self.fail(name, "\n".join(lines))
        return False

    def expect_contains(self, name, needle, text):
        return self.expect(name, needle in text, f"expected to contain: {needle}\nactual: {text}")

    def measure(self, name, ms):
        self.measures.append(f"{name}: {ms} ms")

    def write(self, path):
        """The results for the calling shell script (written aside, then renamed)."""
        result = {
            "passed": self.passed,
            "failures": self.failures,
            "measures": self.measures,
            "skip": self.skip_reason,
        }
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(result, f)
        os.replace(path + ".tmp", path)
        sys.stdout.flush()
