#!/usr/bin/env bash
# Usage: scripts/bench-fsync.sh [BINARY] [ROUNDS]   (default: the built cni-plugins, 200 rounds)
# What host-local's fsyncs cost: ADD+DEL rounds of the host-local plugin alone (no netns or link
# is touched: host-local only writes its store) against a store on the filesystem of /var/tmp,
# with boot-scoped reservations (the default: no fsync per reservation) and with
# "releaseOnReboot": false (each reservation and its directory fsynced). Prints medians and p90s.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-}"
if [ -z "$bin" ]; then
    for c in .build/release/cni-plugins .build/debug/cni-plugins; do [ -x "$c" ] && { bin="$c"; break; }; done
fi
[ -n "$bin" ] && [ -x "$bin" ] || { echo "bench-fsync: build first (swift build) or pass the binary" >&2; exit 1; }
rounds="${2:-200}"
dir=$(mktemp -d /var/tmp/cni-bench-fsync.XXXXXX)
trap 'rm -rf "$dir"' EXIT
ln -s "$(readlink -f "$bin")" "$dir/host-local"
echo "store filesystem: $(df -T "$dir" | awk 'NR==2 {print $2, $1}'), rounds: $rounds, binary: $bin"
python3 - "$dir" "$rounds" <<'PY'
import json, os, statistics, subprocess, sys, time
d, rounds = sys.argv[1], int(sys.argv[2])
def conf(durable):
    ipam = {"type": "host-local", "dataDir": f"{d}/store-{int(durable)}", "ranges": [[{"subnet": "10.250.0.0/16"}]]}
    if durable: ipam["releaseOnReboot"] = False
    return json.dumps({"cniVersion": "1.0.0", "name": "bench", "type": "host-local", "ipam": ipam}).encode()
def run(cmd, cid, data):
    # CNI_NETNS: the plugin's own netns, on purpose (host-local never enters it): hence the override.
    env = {"CNI_COMMAND": cmd, "CNI_CONTAINERID": cid, "CNI_NETNS": "/proc/self/ns/net", "CNI_NETNS_OVERRIDE": "1",
           "CNI_IFNAME": "eth0", "CNI_PATH": d, "PATH": "/usr/bin:/bin"}
    t0 = time.perf_counter()
    p = subprocess.run([f"{d}/host-local"], input=data, env=env, capture_output=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0: sys.exit(f"{cmd} failed: {p.stdout.decode()}")
    return dt * 1000
# The two variants alternate, call by call, so machine load and disk activity hit both alike.
res = {False: ([], []), True: ([], [])}
for durable in (False, True):
    run("ADD", "warm", conf(durable)); run("DEL", "warm", conf(durable))
for i in range(rounds):
    for durable in (False, True):
        res[durable][0].append(run("ADD", f"c{i}", conf(durable)))
for i in range(rounds):
    for durable in (False, True):
        res[durable][1].append(run("DEL", f"c{i}", conf(durable)))
def p(xs, q): return sorted(xs)[int(q * (len(xs) - 1))]
print(f"{'host-local':<34}{'ADD median':>12}{'ADD p90':>10}{'DEL median':>12}")
for durable, label in ((False, "boot-scoped (no fsync, default)"), (True, "releaseOnReboot:false (2 fsyncs)")):
    a, dl = res[durable]
    print(f"{label:<34}{statistics.median(a):>10.2f}ms{p(a, .9):>8.2f}ms{statistics.median(dl):>10.2f}ms")
diff = statistics.median(res[True][0]) - statistics.median(res[False][0])
print(f"fsync cost per ADD (median difference): {diff:.2f} ms")
PY
