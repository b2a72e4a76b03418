#!/usr/bin/env python3
"""Sustained TCP rate for scripts/e2e-cri.sh's bandwidth check, measured on the node side.

  rate.py serve PORT TOTAL SKIP    accept one connection, read TOTAL bytes, close
  rate.py send HOST PORT TOTAL SKIP    connect (retrying up to 10 s), send TOTAL bytes, close

Prints the rate in bit/s over the last WINDOW seconds of the transfer, counting only bytes after
the first SKIP (the runtimes' default burst lets the first ~512 MiB, and the tokens that accrue
while they pass, through at line rate: what is shaped is the rate once the bucket is empty).
Gives up after 60 s; prints 0 when fewer than SKIP bytes moved.
"""
import socket
import sys
import time


WINDOW = 2.0


def rate(marks, skip):
    if not marks:
        return 0.0
    start = next(((t, n) for t, n in marks if n >= skip and t >= marks[-1][0] - WINDOW), None)
    if start is None or marks[-1][0] <= start[0]:
        return 0.0
    return (marks[-1][1] - start[1]) * 8 / (marks[-1][0] - start[0])


def serve(port, total, skip):
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("0.0.0.0", port))
    listener.listen(1)
    listener.settimeout(60)
    conn, _ = listener.accept()
    conn.settimeout(60)
    got, marks, deadline = 0, [], time.monotonic() + 60
    while got < total and time.monotonic() < deadline:
        b = conn.recv(1 << 20)
        if not b:
            break
        got += len(b)
        marks.append((time.monotonic(), got))
    conn.close()
    print(int(rate(marks, skip)))


def send(host, port, total, skip):
    deadline = time.monotonic() + 10
    while True:
        try:
            conn = socket.create_connection((host, port), timeout=60)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    chunk = b"\0" * (1 << 16)
    sent, marks, stop = 0, [], time.monotonic() + 60
    while sent < total and time.monotonic() < stop:
        conn.sendall(chunk)
        sent += len(chunk)
        marks.append((time.monotonic(), sent))
    conn.close()
    print(int(rate(marks, skip)))


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    else:
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
