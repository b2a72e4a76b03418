# shellcheck shell=bash
# The tracing plugin dir of scripts/e2e-cri.sh: containerd's CRI `bin_dir` holds one tiny
# shell script per plugin name, which records the call (CNI_COMMAND, CNI_CONTAINERID,
# CNI_NETNS, CNI_IFNAME, CNI_ARGS, CNI_PATH, stdin, then exit status, stdout, stderr) in a
# file of its own under the trace dir and runs the real plugin of the suite with the same
# environment, stdin and arguments. Since containerd passes CNI_PATH = bin_dir, the delegate
# calls flannel makes (bridge, host-local) go through the wrappers too; CNI_TRACE_PARENT
# (the caller's trace file) lets the printer nest them under their caller.
# scripts/cri/trace_print.py reads and prints the recorded calls in order.

# cri_trace_install WRAPPER_DIR REAL_DIR TRACE_DIR NAME...: writes the wrappers (in the sandbox).
cri_trace_install() {
    local wrappers=$1 real=$2 trace=$3
    shift 3
    sandbox_run bash -euc '
        wrappers=$1 real=$2 trace=$3
        shift 3
        mkdir -p "$wrappers" "$trace"
        for name; do
            cat > "$wrappers/$name" <<SH
#!/bin/sh
# CNI call tracer: records this call under $trace, then runs $real/$name.
f=\$(mktemp "$trace/call.XXXXXXXX") || exec "$real/$name" "\$@"
{
    echo "start=\$(date +%s.%N)"
    echo "plugin=$name"
    echo "parent=\${CNI_TRACE_PARENT:-}"
    echo "CNI_COMMAND=\${CNI_COMMAND:-}"
    echo "CNI_CONTAINERID=\${CNI_CONTAINERID:-}"
    echo "CNI_NETNS=\${CNI_NETNS:-}"
    echo "CNI_IFNAME=\${CNI_IFNAME:-}"
    echo "CNI_ARGS=\${CNI_ARGS:-}"
    echo "CNI_PATH=\${CNI_PATH:-}"
} > "\$f"
cat > "\$f.in"
CNI_TRACE_PARENT=\$f "$real/$name" "\$@" < "\$f.in" > "\$f.out" 2> "\$f.err"
rc=\$?
cat "\$f.out"
cat "\$f.err" >&2
echo "exit=\$rc" >> "\$f"
echo "end=\$(date +%s.%N)" >> "\$f"
exit \$rc
SH
            chmod 0755 "$wrappers/$name"
            [ -x "$real/$name" ] || { echo "cri-trace: $real/$name missing" >&2; exit 1; }
        done
    ' cri-trace "$wrappers" "$real" "$trace" "$@"
}
