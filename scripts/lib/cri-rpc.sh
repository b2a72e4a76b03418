# shellcheck shell=bash
# CRI calls of scripts/e2e-cri.sh through scripts/cri/cri-client.py, run inside the sandbox
# against $CRI_SOCKET. Needs cri-node.sh and E2E_ROOT.

CRI_PB_DIR=$CRI_DIR/pb   # the message classes protoc generates from scripts/cri/runtime_v1.proto

# cri_call METHOD JSON [TIMEOUT]: one RuntimeService RPC; prints the response JSON, or the
# gRPC error on stderr with a non-zero status. `timeout` bounds the client as a whole.
cri_call() {
    local method=$1 request=$2 limit=${3:-120}
    printf '%s' "$request" | sandbox_run timeout $((limit + 10)) "$CRI_PYTHON" "$E2E_ROOT/scripts/cri/cri-client.py" \
        --socket "$CRI_SOCKET" --pb-dir "$CRI_PB_DIR" call "$method" --timeout "$limit"
}

# cri_exec CONTAINER_ID CMD...: ExecSync with a 15 s limit; the command's output and status.
cri_exec() {
    local id=$1
    shift
    sandbox_run timeout 60 "$CRI_PYTHON" "$E2E_ROOT/scripts/cri/cri-client.py" \
        --socket "$CRI_SOCKET" --pb-dir "$CRI_PB_DIR" exec "$id" 15 "$@"
}

# json_get FILTER: the jq FILTER applied to the JSON on stdin, strings printed raw, other values
# as JSON ("" when the input is not JSON, the filter fails or finds nothing, e.g. a missing key).
json_get() {
    jq -r "first(($1) | select(. != null))" 2>/dev/null || true
}

# cri_wait_network_ready SECONDS: waits for the runtime's NetworkReady condition (the CRI
# plugin loaded a CNI config). Prints the last Status response when it times out.
cri_wait_network_ready() {
    local deadline=$(($(date +%s) + $1)) out=""
    while :; do
        out=$(cri_call Status '{}' 10 2>&1)
        if [ "$(json_get '.status.conditions[] | select(.type == "NetworkReady") | .status' <<<"$out")" = true ]; then
            return 0
        fi
        (($(date +%s) < deadline)) || { echo "$out"; return 1; }
        sleep 0.5
    done
}
