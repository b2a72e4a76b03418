#!/usr/bin/python3
"""A minimal CRI (runtime.v1) client, talking to a runtime's socket as kubelet does.

As a module (scripts/cri/e2e_cri.py): `CriClient(socket, pb_dir)`, whose `call(method, request)`
takes and returns the proto3 JSON form of the messages as dicts (field names as in
runtime_v1.proto) and raises `CriError` when the RPC fails, and whose `exec_sync(id, timeout, cmd)`
returns (exit code, stdout + stderr).

As a command, for poking a runtime by hand:
  cri_client.py --socket PATH --pb-dir DIR call METHOD [--timeout S]  < request.json
      Sends one RuntimeService RPC; the response is printed as JSON.
  cri_client.py --socket PATH --pb-dir DIR exec CONTAINER_ID TIMEOUT CMD...
      ExecSync: prints the command's stdout / stderr, exits with its exit code.

The message classes are generated from runtime_v1.proto (next to this file) into DIR with
protoc on first use; the RPCs are called through grpc's generic unary-unary stubs, so only
Debian's python3-grpcio, python3-protobuf and protobuf-compiler are needed.
Exit status: 0 on success, 1 when the RPC failed (gRPC status code and message on stderr),
2 on usage errors.
"""
import argparse
import os
import subprocess
import sys

import grpc
from google.protobuf import json_format

SERVICE = "runtime.v1.RuntimeService"
PROTO = "runtime_v1.proto"


def load_messages(pb_dir):
    here = os.path.dirname(os.path.abspath(__file__))
    target = os.path.join(pb_dir, "runtime_v1_pb2.py")
    if not os.path.exists(target):
        # generated aside and renamed, so a concurrent client never imports a partial file
        scratch = f"{pb_dir}/.gen-{os.getpid()}"
        os.makedirs(scratch, exist_ok=True)
        subprocess.run(["protoc", "-I", here, "--python_out", scratch, os.path.join(here, PROTO)], check=True)
        os.replace(os.path.join(scratch, "runtime_v1_pb2.py"), target)
        os.rmdir(scratch)
    sys.path.insert(0, pb_dir)
    import runtime_v1_pb2  # noqa: E402 (generated above)

    return runtime_v1_pb2


def method_types(pb, method):
    """(request class, response class) of a RuntimeService method, or None if unknown."""
    desc = pb.DESCRIPTOR.services_by_name["RuntimeService"].methods_by_name.get(method)
    if desc is None:
        return None
    return getattr(pb, desc.input_type.name), getattr(pb, desc.output_type.name)


def rpc(channel, pb, method, request, timeout):
    _, response_class = method_types(pb, method)
    call = channel.unary_unary(
        f"/{SERVICE}/{method}",
        request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=response_class.FromString,
    )
    return call(request, timeout=timeout)


class CriError(Exception):
    """A failed RPC: "CODE: details" (e.g. "NOT_FOUND: ..."), or a request the proto rejects."""


class CriClient:
    def __init__(self, socket_path, pb_dir):
        self.pb = load_messages(pb_dir)
        self.channel = grpc.insecure_channel(f"unix://{socket_path}")

    def close(self):
        self.channel.close()

    def call(self, method, request=None, timeout=120):
        """One RuntimeService RPC with REQUEST (a dict); the response as a dict."""
        types = method_types(self.pb, method)
        if types is None:
            raise CriError(f"unknown method {method}")
        try:
            message = json_format.ParseDict(request or {}, types[0]())
            response = rpc(self.channel, self.pb, method, message, timeout)
        except grpc.RpcError as err:
            raise CriError(f"{method}: {err.code().name}: {err.details()}") from None
        except json_format.ParseError as err:
            raise CriError(f"{method}: bad request: {err}") from None
        return json_format.MessageToDict(
            response, preserving_proto_field_name=True, including_default_value_fields=True
        )

    def exec_sync(self, container_id, timeout, cmd):
        """ExecSync: (exit code, stdout then stderr as text); (-1, the error) when the RPC fails."""
        request = self.pb.ExecSyncRequest(container_id=container_id, cmd=cmd, timeout=timeout)
        try:
            response = rpc(self.channel, self.pb, "ExecSync", request, timeout + 30)
        except grpc.RpcError as err:
            return -1, f"ExecSync: {err.code().name}: {err.details()}"
        text = (response.stdout + response.stderr).decode("utf-8", errors="replace")
        return response.exit_code, text


def main():
    parser = argparse.ArgumentParser(description="minimal CRI runtime.v1 client")
    parser.add_argument("--socket", required=True)
    parser.add_argument("--pb-dir", required=True)
    sub = parser.add_subparsers(dest="mode", required=True)
    call = sub.add_parser("call")
    call.add_argument("method")
    call.add_argument("--timeout", type=float, default=120)
    exe = sub.add_parser("exec")
    exe.add_argument("container_id")
    exe.add_argument("timeout", type=int)
    exe.add_argument("cmd", nargs=argparse.REMAINDER)
    args = parser.parse_args()

    pb = load_messages(args.pb_dir)
    channel = grpc.insecure_channel(f"unix://{args.socket}")
    try:
        if args.mode == "call":
            types = method_types(pb, args.method)
            if types is None:
                print(f"cri_client: unknown method {args.method}", file=sys.stderr)
                return 2
            request = json_format.Parse(sys.stdin.read() or "{}", types[0]())
            response = rpc(channel, pb, args.method, request, args.timeout)
            print(json_format.MessageToJson(
                response, preserving_proto_field_name=True, including_default_value_fields=True, indent=None
            ))
            return 0
        request = pb.ExecSyncRequest(container_id=args.container_id, cmd=args.cmd, timeout=args.timeout)
        response = rpc(channel, pb, "ExecSync", request, args.timeout + 30)
        sys.stdout.buffer.write(response.stdout)
        sys.stderr.buffer.write(response.stderr)
        return response.exit_code
    except grpc.RpcError as err:
        print(f"cri_client: {args.mode} {getattr(args, 'method', 'ExecSync')}: {err.code().name}: {err.details()}", file=sys.stderr)
        return 1
    except json_format.ParseError as err:
        print(f"cri_client: bad request JSON: {err}", file=sys.stderr)
        return 2
    finally:
        channel.close()


if __name__ == "__main__":
    sys.exit(main())
