#!/usr/bin/python3
"""Prints the CNI plugin calls recorded by the tracing wrappers of scripts/lib/cri-trace.sh.

Usage: trace_print.py [--sequence | --failed] TRACE_DIR
  (default)   every call in start order, delegated calls indented under their caller: the
              environment containerd (or the delegating plugin) set, stdin, exit status,
              stdout and stderr (JSON compacted to one line).
  --sequence  one line per call: COMMAND plugin ifname netns=<path|empty> [via parent] exit=N
  --failed    only the calls that exited non-zero (one line each); prints nothing if none.
"""
import json
import os
import sys


def compact(text):
    text = text.strip()
    if not text:
        return ""
    try:
        return json.dumps(json.loads(text), separators=(",", ":"), sort_keys=False)
    except ValueError:
        return text.replace("\n", "\\n")


def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def load(trace_dir):
    calls = {}
    for name in os.listdir(trace_dir):
        if not name.startswith("call.") or "." in name[len("call."):]:
            continue
        path = os.path.join(trace_dir, name)
        call = {}
        for line in read(path).splitlines():
            key, _, value = line.partition("=")
            call[key] = value
        # the parent is recorded by path; the trace dir may have been renamed since
        call["parent"] = os.path.basename(call.get("parent", ""))
        call["stdin"] = read(path + ".in")
        call["stdout"] = read(path + ".out")
        call["stderr"] = read(path + ".err")
        calls[name] = call
    for call in calls.values():
        depth, parent = 0, call.get("parent", "")
        while parent in calls and depth < 10:
            depth, parent = depth + 1, calls[parent].get("parent", "")
        call["depth"] = depth
        call["via"] = calls[call["parent"]]["plugin"] if call.get("parent", "") in calls else ""
    return sorted(calls.values(), key=lambda c: float(c.get("start") or 0))


def one_line(call):
    netns = call.get("CNI_NETNS") or "empty"
    via = f" via {call['via']}" if call["via"] else ""
    return f"{call.get('CNI_COMMAND') or '?'} {call.get('plugin')} {call.get('CNI_IFNAME') or '-'} netns={netns}{via} exit={call.get('exit', 'none')}"


def sequence_lines(calls):
    return [one_line(call) for call in calls]


def failed_lines(calls):
    return [
        one_line(call) + f": {compact(call['stdout']) or compact(call['stderr'])}"
        for call in calls
        if call.get("exit") != "0"
    ]


def report_lines(calls):
    counts = {}
    for call in calls:
        counts[call.get("CNI_COMMAND") or "?"] = counts.get(call.get("CNI_COMMAND") or "?", 0) + 1
    direct = sum(1 for call in calls if not call["via"])
    lines = [f"{len(calls)} plugin calls ({', '.join(f'{n} {c}' for c, n in counts.items()) or 'none'}), "
             f"{direct} by the runtime, {len(calls) - direct} delegated (indented under their caller)"]
    t0 = float(calls[0].get("start") or 0) if calls else 0.0
    for call in calls:
        pad = "    " * call["depth"]
        start, end = float(call.get("start") or 0), float(call.get("end") or 0)
        took = f"{(end - start) * 1000:.0f} ms" if end else "no end recorded"
        lines.append(f"{pad}+{start - t0:7.3f}s {call.get('CNI_COMMAND')} {call.get('plugin')} -> exit {call.get('exit', 'none')} ({took})")
        for key in ("CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_ARGS", "CNI_PATH"):
            lines.append(f"{pad}      {key}={call.get(key, '')}")
        for key in ("stdin", "stdout", "stderr"):
            if call[key].strip():
                lines.append(f"{pad}      {key}: {compact(call[key])}")
    return lines


def load_dir(trace_dir):
    """The calls recorded in TRACE_DIR in start order; none when it does not exist."""
    return load(trace_dir) if os.path.isdir(trace_dir) else []


def main():
    args = sys.argv[1:]
    mode = args.pop(0) if args and args[0].startswith("--") else ""
    if len(args) != 1 or mode not in ("", "--sequence", "--failed"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    render = {"--sequence": sequence_lines, "--failed": failed_lines, "": report_lines}[mode]
    for line in render(load_dir(args[0])):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
