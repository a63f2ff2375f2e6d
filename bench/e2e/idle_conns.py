#!/usr/bin/env python3
"""Memory cost of idle keep-alive client connections on an HTTP proxy (python3 stdlib only).

    idle_conns.py --port 19110 --pid 12345 [--conns 10000] [--host 127.0.0.1] [--path /]

Reads the proxy's VmRSS from /proc/PID/status, opens CONNS TCP connections to HOST:PORT, sends one
small HTTP/1.1 request on each and reads its whole response, so every connection is a real idle
keep-alive connection that has served a request (not just an accepted socket). After a short
settle it reads VmRSS again and prints the growth per still-open connection, then closes them all.

Only user-space memory (RSS) is counted; kernel socket buffers are not, for any proxy. The last
line is machine-readable for bench/e2e/run.sh:

    RESULT conns=10000 open=10000 failed=0 rss_before_kb=... rss_after_kb=... bytes_per_conn=...

Exit status: 0 if at least 95% of the connections were opened and are still open, else 1.
"""

import argparse
import os
import resource
import socket
import sys
import time


def vm_kb(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not found for pid {pid}")


def read_response(sock: socket.socket) -> tuple[int, bool]:
    """Reads one response; returns (status, server_keeps_alive). Content-Length or chunked."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed before response head")
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    if "content-length" in headers:
        need = int(headers["content-length"])
        while len(rest) < need:
            chunk = sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed inside body")
            rest += chunk
    elif headers.get("transfer-encoding") == "chunked":
        while not rest.endswith(b"0\r\n\r\n"):
            chunk = sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed inside chunked body")
            rest += chunk
    keep_alive = headers.get("connection") != "close"
    return status, keep_alive


def still_open(sock: socket.socket) -> bool:
    # Non-blocking peek: a timeout socket would first wait up to its timeout for readability.
    sock.setblocking(False)
    try:
        return sock.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True  # nothing to read and no EOF: idle and open
    except OSError:
        return False


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True, help="proxy process to measure")
    ap.add_argument("--conns", type=int, default=10000)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--path", default="/")
    ap.add_argument("--settle", type=float, default=1.0, help="seconds before the 2nd reading")
    ap.add_argument("--timeout", type=float, default=5.0, help="per-connection I/O timeout")
    args = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = args.conns + 64
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
        if hard < want:
            print(f"idle_conns: fd limit {hard} < {want}; lowering --conns", file=sys.stderr)
            args.conns = hard - 64

    request = (f"GET {args.path} HTTP/1.1\r\nHost: {args.host}:{args.port}\r\n"
               "User-Agent: tether-idle-conns\r\n\r\n").encode()
    rss_before = vm_kb(args.pid, "VmRSS")
    socks, failed, closed_by_server = [], 0, 0
    started = time.monotonic()
    for i in range(args.conns):
        try:
            s = socket.create_connection((args.host, args.port), timeout=args.timeout)
            s.sendall(request)
            status, keep_alive = read_response(s)
            if status != 200:
                raise ConnectionError(f"status {status}")
            if not keep_alive:
                closed_by_server += 1
                s.close()
                continue
            socks.append(s)
        except (OSError, ConnectionError, ValueError, IndexError) as e:
            failed += 1
            if failed <= 3:
                print(f"idle_conns: connection {i}: {e}", file=sys.stderr)
    opened_s = time.monotonic() - started
    time.sleep(args.settle)
    open_now = sum(1 for s in socks if still_open(s))
    rss_after = vm_kb(args.pid, "VmRSS")
    for s in socks:
        s.close()

    delta_bytes = (rss_after - rss_before) * 1024
    per_conn = delta_bytes / open_now if open_now else float("nan")
    print(f"opened {len(socks)}/{args.conns} keep-alive connections in {opened_s:.1f}s "
          f"({failed} failed, {closed_by_server} closed by server); {open_now} still open "
          f"after {args.settle:.1f}s")
    print(f"proxy pid {args.pid} VmRSS {rss_before} kB -> {rss_after} kB: "
          f"{per_conn:.0f} bytes per idle connection")
    print(f"RESULT conns={args.conns} open={open_now} failed={failed} "
          f"rss_before_kb={rss_before} rss_after_kb={rss_after} bytes_per_conn={per_conn:.0f}")
    return 0 if open_now >= 0.95 * args.conns else 1


if __name__ == "__main__":
    sys.exit(main())
