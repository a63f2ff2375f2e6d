#!/usr/bin/env python3
"""Soak tether under churn: sustained session load while backends die, the config reloads, a
backend drains, slow clients trickle headers and malformed requests arrive (python3 stdlib only,
127.0.0.1 only, bounded in time; bench/soak/run.sh is the entry point and documents the knobs).

What runs, for --duration seconds:
  * 4 demo apps (in-memory login sessions, examples/demo_app): app1..app3 serve; app4 is the
    backend the reloads add and remove (added in `state: drain`, so it never holds a session and
    removing it logs nobody out: the reloads exercise carry-over, health reconcile and routing
    rebuilds, and every log-out left is one a kill caused);
  * tether with 2 workers, ring + bounded loads, learn_cookie + stick table + affinity cookie,
    active and passive health checks, access log in JSON to a file;
  * --users users logged in through tether; wrk replays their cookies on /whoami (bench/peers/
    sessions.lua) in segments of --segment seconds, with fresh cookies each segment;
  * every --kill-every seconds one of app1..app3 (in turn) gets SIGKILL and is restarted
    --dead seconds later: its in-memory sessions are gone;
  * every --reload-every seconds a reload (POST /reload) alternately adds and removes app4;
  * every --drain-every seconds app2 is drained or undrained through the admin API;
  * --slow-clients connections that send a header byte a second (tether's client_header timeout
    closes them; they reconnect);
  * a malformed request every --malformed-every seconds on a fresh connection (must get a 4xx).
After each segment the churn pauses, every user is checked (users.py check --relogin): a user
logged out must have had its session on a backend killed during that segment.

Sampled every 5 s: tether's RSS, open file descriptors and upstream pool connections (/metrics).

Pass (exit 0) when: tether never exits (and exits 0 on SIGTERM at the end); every 5xx in the
access log is on a backend that was dead at that moment (killed, up to --grace seconds after its
restart); every log-out is on a killed backend; every malformed request got a 4xx; the file
descriptor count returns to its baseline once the load stops; and, when --window seconds of
samples exist, RSS and fd counts level off (projected growth over the window under 5 % of the
mean, or 2 MiB / 20 fds). With --idle-conns N it also checks that N idle keep-alive connections
leave the wrk clients' p99 within 2x of the p99 without them.
"""

import argparse
import json
import os
import random
import re
import resource
import selectors
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
USERS_PY = os.path.join(ROOT, "bench", "peers", "users.py")
SESSIONS_LUA = os.path.join(ROOT, "bench", "peers", "sessions.lua")


def log(msg):
    print(f"soak {time.strftime('%H:%M:%S')}: {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, seconds, proc=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def http(method, url, timeout=5):
    req = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError as e:
        return 0, str(e)


class App:
    def __init__(self, binary, name, port, workdir):
        self.binary, self.name, self.port = binary, name, port
        self.log = open(os.path.join(workdir, f"{name}.log"), "a")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([self.binary, "--name", self.name, "--listen",
                                      f"127.0.0.1:{self.port}"], stdout=self.log, stderr=self.log)
        if not wait_http(f"http://127.0.0.1:{self.port}/health", 10, self.proc):
            raise RuntimeError(f"{self.name} did not start")

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def tether_config(ports, with_app4, access_log):
    lines = [
        f'listen: ["127.0.0.1:{ports["tether"]}"]',
        "workers: 2",
        "backends:",
    ]
    for i in (1, 2, 3):
        lines.append(f'  - {{name: app{i}, address: "127.0.0.1:{ports[f"app{i}"]}"}}')
    if with_app4:
        lines.append(f'  - {{name: app4, address: "127.0.0.1:{ports["app4"]}", state: drain}}')
    lines += [
        "routing:",
        "  strategy: ring",
        "  balance_factor: 1.25",
        "  key:",
        "    - cookie: DEMOSESSION",
        "  learn_cookie: DEMOSESSION",
        "  stick_table: { size: 200000, idle_ttl: 30m }",
        "  affinity_cookie:",
        "    name: tether_affinity",
        "    ttl: 8h",
        '    secrets: ["soak-secret-0123456789abcdef"]',
        "health:",
        "  active: { type: http, path: /health, interval: 1s, timeout: 500ms, rise: 2, fall: 2 }",
        "  passive: { consecutive_failures: 3, eject_for: 2s, max_eject_for: 10s }",
        "  slow_start: 5s",
        "drain: { policy: keep }",
        "timeouts:",
        "  client_header: 5s",
        "  client_idle: 30s",
        "  connect: 1s",
        "  upstream_response: 10s",
        "  graceful_shutdown: 5s",
        "upstream:",
        "  idle_timeout: 5s",
        "limits:",
        "  max_connections: 20000",
        "admin:",
        f'  listen: "127.0.0.1:{ports["admin"]}"',
        "logging:",
        "  level: warn",
        f'  access_log: "{access_log}"',
        "  format: json",
    ]
    return "\n".join(lines) + "\n"


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def settled_fds(pid, seconds):
    """The fewest descriptors seen over `seconds`: health probes open and close their own."""
    low = None
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        n = fd_count(pid)
        low = n if low is None else min(low, n)
        time.sleep(0.2)
    return low


def pool_open(admin_port):
    status, body = http("GET", f"http://127.0.0.1:{admin_port}/metrics")
    if status != 200:
        return -1
    total = 0
    for line in body.splitlines():
        if line.startswith("tether_upstream_pool_connections{") and 'state="open"' in line:
            total += int(float(line.rsplit(" ", 1)[1]))
    return total


class Events:
    """Dead windows per backend, and everything that happened, with wall-clock times."""

    def __init__(self):
        self.lock = threading.Lock()
        self.dead = {}  # name -> [[killed_at, restarted_at or None], ...]
        self.log = []

    def note(self, what):
        with self.lock:
            self.log.append((time.time(), what))

    def killed(self, name):
        with self.lock:
            self.dead.setdefault(name, []).append([time.time(), None])
            self.log.append((time.time(), f"kill {name}"))

    def restarted(self, name):
        with self.lock:
            self.dead[name][-1][1] = time.time()
            self.log.append((time.time(), f"restart {name}"))

    def killed_between(self, t0, t1):
        with self.lock:
            return {n for n, ws in self.dead.items() for k, _ in ws if t0 <= k <= t1}

    def dead_at(self, name, t, grace):
        with self.lock:
            for killed, restarted in self.dead.get(name, []):
                end = (restarted or float("inf")) + grace
                if killed - 0.5 <= t <= end:
                    return True
        return False


class Churn(threading.Thread):
    """Kills, reloads and drains on their own schedules; paused while users are checked."""

    def __init__(self, args, apps, ports, events, config_path, access_log):
        super().__init__(daemon=True)
        self.args, self.apps, self.ports, self.events = args, apps, ports, events
        self.config_path, self.access_log = config_path, access_log
        self.stop = threading.Event()
        self.running = threading.Event()
        self.running.set()
        self.reloads_ok = self.reloads_failed = self.drains = 0
        self.errors = []

    def run(self):
        a = self.args
        now = time.monotonic()
        next_kill, next_reload, next_drain = now + a.kill_every, now + a.reload_every, now + a.drain_every
        victims, victim = ["app1", "app2", "app3"], 0
        with_app4, drained = False, False
        while not self.stop.is_set():
            self.running.wait()
            if self.stop.is_set():
                break
            now = time.monotonic()
            if now >= next_kill:
                name = victims[victim % 3]
                victim += 1
                self.apps[name].kill()
                self.events.killed(name)
                self.stop.wait(a.dead)
                try:
                    self.apps[name].start()
                except RuntimeError as e:
                    self.errors.append(str(e))
                self.events.restarted(name)
                next_kill = time.monotonic() + a.kill_every - a.dead
            if now >= next_reload:
                with_app4 = not with_app4
                with open(self.config_path, "w") as f:
                    f.write(tether_config(self.ports, with_app4, self.access_log))
                status, body = http("POST", f"http://127.0.0.1:{self.ports['admin']}/reload", 30)
                if status == 200:
                    self.reloads_ok += 1
                else:
                    self.reloads_failed += 1
                    self.errors.append(f"reload answered {status}: {body[:200]}")
                self.events.note(f"reload {'+app4' if with_app4 else '-app4'} -> {status}")
                next_reload = now + a.reload_every
            if now >= next_drain:
                drained = not drained
                action = "drain" if drained else "undrain"
                status, body = http("POST", f"http://127.0.0.1:{self.ports['admin']}/backends/app2/{action}")
                if status != 200:
                    self.errors.append(f"{action} app2 answered {status}: {body[:200]}")
                self.drains += 1
                self.events.note(f"{action} app2 -> {status}")
                next_drain = now + a.drain_every
            self.stop.wait(0.2)
        # Leave app2 serving new sessions again.
        if drained:
            http("POST", f"http://127.0.0.1:{self.ports['admin']}/backends/app2/undrain")


class SlowClients(threading.Thread):
    """Connections that trickle a request head one byte a second; reconnect when closed."""

    HEAD = b"GET /whoami HTTP/1.1\r\nHost: soak.test\r\nX-Slow: " + b"a" * 4096

    def __init__(self, port, count):
        super().__init__(daemon=True)
        self.port, self.count = port, count
        self.stop = threading.Event()
        self.reconnects = 0

    def run(self):
        sel = selectors.DefaultSelector()
        socks = {}

        def connect():
            try:
                s = socket.create_connection(("127.0.0.1", self.port), timeout=2)
                s.setblocking(False)
                socks[s] = 0
                sel.register(s, selectors.EVENT_READ)
            except OSError:
                pass

        for _ in range(self.count):
            connect()
        while not self.stop.is_set():
            for key, _ in sel.select(timeout=0):
                s = key.fileobj
                try:
                    data = s.recv(65536)
                except OSError:
                    data = b""
                if not data:  # closed (header timeout): reconnect
                    sel.unregister(s)
                    s.close()
                    socks.pop(s, None)
                    self.reconnects += 1
                    connect()
            for s in list(socks):
                at = socks[s]
                if at < len(self.HEAD):
                    try:
                        s.send(self.HEAD[at:at + 1])
                        socks[s] = at + 1
                    except OSError:
                        pass
            self.stop.wait(1.0)
        for s in socks:
            s.close()


MALFORMED = [
    b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n 2\r\n\r\n",
    b"GET / HTTP/1.1\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
    b"GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
]


class Malformed(threading.Thread):
    def __init__(self, port, every):
        super().__init__(daemon=True)
        self.port, self.every = port, every
        self.stop = threading.Event()
        self.sent = self.answered_4xx = 0
        self.bad = []

    def run(self):
        i = 0
        while not self.stop.is_set():
            req = MALFORMED[i % len(MALFORMED)]
            i += 1
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
                    s.sendall(req)
                    data = b""
                    while b"\r\n" not in data:
                        chunk = s.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                self.sent += 1
                m = re.match(rb"HTTP/1\.1 (\d{3})", data)
                if m and 400 <= int(m.group(1)) < 500:
                    self.answered_4xx += 1
                else:
                    self.bad.append((req[:40], data[:60]))
            except OSError as e:
                self.sent += 1
                self.bad.append((req[:40], str(e).encode()))
            self.stop.wait(self.every)


class Sampler(threading.Thread):
    def __init__(self, pid, admin_port, out_csv):
        super().__init__(daemon=True)
        self.pid, self.admin_port = pid, admin_port
        self.stop = threading.Event()
        self.samples = []  # (t, rss_kb, fds, pool_open)
        self.out = open(out_csv, "w")
        self.out.write("unix_time,rss_kb,fds,upstream_pool_open\n")

    def take(self):
        try:
            row = (time.time(), rss_kb(self.pid), fd_count(self.pid), pool_open(self.admin_port))
        except (FileNotFoundError, ProcessLookupError):
            return None
        self.samples.append(row)
        self.out.write(",".join(str(x) for x in row) + "\n")
        self.out.flush()
        return row

    def run(self):
        while not self.stop.is_set():
            self.take()
            self.stop.wait(5.0)


def slope_per_s(points):
    """Least-squares slope of (t, v) points."""
    if len(points) < 3:
        return 0.0
    ts = [p[0] for p in points]
    vs = [p[1] for p in points]
    mt, mv = statistics.mean(ts), statistics.mean(vs)
    den = sum((t - mt) ** 2 for t in ts)
    return sum((t - mt) * (v - mv) for t, v in zip(ts, vs)) / den if den else 0.0


def run_wrk(args, url, cookies, seconds, conns, latency=False):
    cmd = ["wrk", "-t1", f"-c{conns}", f"-d{seconds}s"]
    if latency:
        cmd.append("--latency")
    cmd += ["-s", SESSIONS_LUA, url, "--", cookies, "/whoami"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    statuses = {int(m.group(1)): int(m.group(2)) for m in re.finditer(r"^PEERS status (\d+) (\d+)$", out, re.M)}
    p99 = None
    m = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)$", out, re.M)
    if m:
        p99 = float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
    errors = 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors = sum(int(x) for x in m.groups())
    return statuses, p99, errors, out


def users_py(*argv):
    return subprocess.run([sys.executable, USERS_PY, *argv], capture_output=True, text=True,
                          timeout=1800)


def hold_idle(port, count):
    socks = []
    req = b"GET /health HTTP/1.1\r\nHost: soak.test\r\n\r\n"
    for _ in range(count):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(req)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    raise OSError("closed")
                data += chunk
            socks.append(s)
        except OSError:
            pass
    return socks


def parse_time(text):
    # "2026-12-03T20:40:01.123+0000"
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--tether", required=True)
    ap.add_argument("--demo-app", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--duration", type=int, default=1800)
    ap.add_argument("--segment", type=int, default=20,
                    help="seconds of load between user checks (one kill each with --kill-every 20)")
    ap.add_argument("--users", type=int, default=10000)
    ap.add_argument("--conns", type=int, default=64)
    ap.add_argument("--kill-every", type=float, default=20)
    ap.add_argument("--dead", type=float, default=3)
    ap.add_argument("--reload-every", type=float, default=10)
    ap.add_argument("--drain-every", type=float, default=15)
    ap.add_argument("--slow-clients", type=int, default=200)
    ap.add_argument("--malformed-every", type=float, default=0.5)
    ap.add_argument("--grace", type=float, default=5, help="seconds after a restart a 5xx may still be the dead backend's")
    ap.add_argument("--window", type=int, default=1200, help="seconds of samples the level-off check uses")
    ap.add_argument("--idle-conns", type=int, default=0)
    ap.add_argument("--command", default="")
    args = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(65536, hard), hard))
    os.makedirs(args.workdir, exist_ok=True)
    ports = {name: free_port() for name in ("app1", "app2", "app3", "app4", "tether", "admin")}
    apps = {f"app{i}": App(args.demo_app, f"app{i}", ports[f"app{i}"], args.workdir) for i in (1, 2, 3, 4)}
    access_log = os.path.join(args.workdir, "access.jsonl")
    config_path = os.path.join(args.workdir, "tether.yaml")
    with open(config_path, "w") as f:
        f.write(tether_config(ports, False, access_log))
    events = Events()
    failures = []
    tether = None
    threads = []
    try:
        for app in apps.values():
            app.start()
        tether_log = open(os.path.join(args.workdir, "tether.log"), "w")
        tether = subprocess.Popen([args.tether, "--config", config_path], stdout=tether_log, stderr=tether_log)
        if not wait_http(f"http://127.0.0.1:{ports['admin']}/status", 10, tether):
            raise RuntimeError("tether did not start")
        fds_baseline = settled_fds(tether.pid, 2)
        base = f"http://127.0.0.1:{ports['tether']}"
        state = os.path.join(args.workdir, "users.json")
        cookies = os.path.join(args.workdir, "cookies.txt")
        log(f"logging in {args.users} users")
        r = users_py("login", "--port", str(ports["tether"]), "--state", state, "--users", str(args.users), "--shared-conn")
        if r.returncode != 0:
            raise RuntimeError(f"login failed: {r.stderr[-500:]}")

        sampler = Sampler(tether.pid, ports["admin"], os.path.join(args.workdir, "samples.csv"))
        churn = Churn(args, apps, ports, events, config_path, access_log)
        slow = SlowClients(ports["tether"], args.slow_clients)
        bad = Malformed(ports["tether"], args.malformed_every)
        threads = [sampler, churn, slow, bad]
        for t in threads:
            t.start()
        started = time.time()
        segments = []
        logged_out_total = unexplained_logouts = 0
        wrk_status = {}
        wrk_errors = 0
        loaded = 0  # seconds of wrk load so far: --duration counts load, not the checks between
        last_check = time.time()
        seg = 0
        while loaded < args.duration:
            seg += 1
            users_py("cookies", "--state", state, "--out", cookies)
            seconds = max(1, min(args.segment, args.duration - loaded))
            loaded += seconds
            statuses, _, errors, _ = run_wrk(args, base, cookies, seconds, args.conns)
            for k, v in statuses.items():
                wrk_status[k] = wrk_status.get(k, 0) + v
            wrk_errors += errors
            churn.running.clear()  # no kill while the users are checked
            time.sleep(0.5)
            with open(state) as f:
                homes = {u["name"]: u["backend"] for u in json.load(f)}
            killed = events.killed_between(last_check, time.time())
            out_file = os.path.join(args.workdir, f"out-{seg}.tsv")
            users_py("check", "--port", str(ports["tether"]), "--state", state, "--relogin",
                     "--shared-conn", "--out-users", out_file, "--step", str(seg))
            last_check = time.time()
            churn.running.set()
            out = []
            if os.path.exists(out_file):
                with open(out_file) as f:
                    out = [line.rstrip("\n").split("\t")[3] for line in f if line.strip()]
            unexplained = [u for u in out if homes.get(u) not in killed]
            logged_out_total += len(out)
            unexplained_logouts += len(unexplained)
            segments.append((seg, seconds, sum(statuses.values()), statuses.get(401, 0),
                             sum(v for k, v in statuses.items() if k >= 500), sorted(killed), len(out), len(unexplained)))
            log(f"segment {seg}: {sum(statuses.values())} requests, killed {sorted(killed)}, "
                f"logged out {len(out)} ({len(unexplained)} unexplained)")
            if tether.poll() is not None:
                failures.append(f"tether exited with {tether.returncode} during segment {seg}")
                break
        ended = time.time()
        for t in threads:
            t.stop.set()
        churn.running.set()
        for t in threads:
            t.join(60)

        # The descriptors come back once the load stops: wait out upstream.idle_timeout (5 s) and
        # the slow clients' header timeout (5 s).
        fds_after = None
        for _ in range(10):
            if tether.poll() is not None:
                break
            fds_after = settled_fds(tether.pid, 2)
            if fds_after <= fds_baseline:
                break

        idle = None
        if args.idle_conns and tether.poll() is None:
            users_py("cookies", "--state", state, "--out", cookies)
            _, p99_alone, _, _ = run_wrk(args, base, cookies, 15, args.conns, latency=True)
            held = hold_idle(ports["tether"], args.idle_conns)
            _, p99_loaded, _, _ = run_wrk(args, base, cookies, 15, args.conns, latency=True)
            idle = (len(held), p99_alone, p99_loaded)
            for s in held:
                s.close()

        alive = tether.poll() is None
        rc = None
        if alive:
            tether.send_signal(signal.SIGTERM)
            try:
                rc = tether.wait(30)
            except subprocess.TimeoutExpired:
                tether.kill()
                rc = "killed"

        # ---- verdicts ----
        if not alive:
            failures.append(f"tether exited during the soak (code {tether.returncode})")
        elif rc != 0:
            failures.append(f"tether exited with {rc} after SIGTERM")
        five_xx, unexplained_5xx, log_lines, bad_lines = 0, [], 0, 0
        if os.path.exists(access_log):
            with open(access_log) as f:
                for line in f:
                    log_lines += 1
                    try:
                        rec = json.loads(line)
                    except ValueError:
                        bad_lines += 1
                        continue
                    if rec.get("status", 0) >= 500:
                        five_xx += 1
                        t = parse_time(rec["time"])
                        if not events.dead_at(rec.get("backend", "-"), t, args.grace):
                            unexplained_5xx.append(rec)
        if bad_lines:
            failures.append(f"{bad_lines} access log lines are not valid JSON")
        if unexplained_5xx:
            failures.append(f"{len(unexplained_5xx)} 5xx not on a dead backend, e.g. {unexplained_5xx[:3]}")
        if unexplained_logouts:
            failures.append(f"{unexplained_logouts} users logged out whose backend was not killed")
        if bad.bad:
            failures.append(f"{len(bad.bad)} malformed requests without a 4xx, e.g. {bad.bad[:3]}")
        if churn.errors:
            failures.append(f"churn errors: {churn.errors[:3]}")
        if fds_after is None or fds_after > fds_baseline:
            failures.append(f"file descriptors did not return to the baseline: {fds_baseline} -> {fds_after}")
        window = [s for s in sampler.samples if s[0] >= ended - args.window]
        level = None
        if sampler.samples and ended - started >= args.window:
            rss_slope = slope_per_s([(s[0], s[1]) for s in window])
            fd_slope = slope_per_s([(s[0], s[2]) for s in window])
            rss_mean = statistics.mean(s[1] for s in window)
            fd_mean = statistics.mean(s[2] for s in window)
            rss_growth = rss_slope * args.window
            fd_growth = fd_slope * args.window
            level = (rss_slope * 60, rss_growth, rss_mean, fd_slope * 60, fd_growth, fd_mean)
            if rss_growth > max(0.05 * rss_mean, 2048):
                failures.append(f"RSS keeps growing: {rss_growth:.0f} kB over the last {args.window} s")
            if fd_growth > max(0.05 * fd_mean, 20):
                failures.append(f"fds keep growing: {fd_growth:.0f} over the last {args.window} s")
        if idle and idle[1] and idle[2] and idle[2] > 2 * idle[1]:
            failures.append(f"p99 with {idle[0]} idle connections {idle[2]:.2f} ms > 2x {idle[1]:.2f} ms")

        write_report(args, ports, segments, wrk_status, wrk_errors, churn, slow, bad, sampler,
                     fds_baseline, fds_after, five_xx, unexplained_5xx, log_lines, logged_out_total,
                     unexplained_logouts, level, idle, failures, started, ended, events)
    except Exception as e:  # report, clean up, fail
        failures.append(f"soak aborted: {e}")
        log(f"ERROR: {e}")
        with open(args.report, "a") as f:
            f.write(f"\n**FAILED: soak aborted: {e}**\n")
    finally:
        for t in threads:
            t.stop.set()
        if tether is not None and tether.poll() is None:
            tether.kill()
            tether.wait()
        for app in apps.values():
            app.stop()
    for f in failures:
        log(f"FAIL: {f}")
    log("PASS" if not failures else "FAIL")
    return 0 if not failures else 1


def write_report(args, ports, segments, wrk_status, wrk_errors, churn, slow, bad, sampler,
                 fds_baseline, fds_after, five_xx, unexplained_5xx, log_lines, logged_out_total,
                 unexplained_logouts, level, idle, failures, started, ended, events):
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "?"
    total = sum(wrk_status.values())
    s5 = sum(v for k, v in wrk_status.items() if k >= 500)
    kills = sum(1 for _, what in events.log if what.startswith("kill "))
    rss = [s[1] for s in sampler.samples]
    fds = [s[2] for s in sampler.samples]
    pool = [s[3] for s in sampler.samples if s[3] >= 0]
    with open(args.report, "w") as f:
        w = f.write
        w("# Soak under churn\n\n")
        w(f"- date: {datetime.utcfromtimestamp(started).strftime('%Y-%m-%dT%H:%M:%SZ')}; commit {commit}; "
          f"host: {os.cpu_count()} CPUs, load at end {os.getloadavg()[0]:.2f}\n")
        if args.command:
            w(f"- command: `{args.command}`\n")
        w(f"- {ended - started:.0f} s of wrk -t1 -c{args.conns} on /whoami with {args.users} session cookies "
          f"(segments of {args.segment} s), tether 2 workers, ring + balance_factor 1.25, learn_cookie, stick table, "
          f"affinity cookie, active + passive health\n")
        w(f"- churn: {kills} kills (SIGKILL, restart after {args.dead:.0f} s, every {args.kill_every:.0f} s over app1..app3), "
          f"{churn.reloads_ok} reloads ok / {churn.reloads_failed} failed (app4 added in drain state and removed, "
          f"every {args.reload_every:.0f} s), {churn.drains} drain/undrain of app2, {args.slow_clients} slow clients "
          f"({slow.reconnects} reconnects after the header timeout), {bad.sent} malformed requests\n\n")
        w("| check | result |\n|---|---|\n")
        w(f"| tether stays up, exits 0 on SIGTERM | {'yes' if not any('exit' in x for x in failures) else 'NO'} |\n")
        w(f"| requests (wrk) | {total:,}; 5xx {s5:,}; socket errors {wrk_errors:,}; statuses "
          f"{', '.join(f'{k}: {v:,}' for k, v in sorted(wrk_status.items()))} |\n")
        w(f"| 5xx in the access log ({log_lines:,} lines) | {five_xx:,}, of which not on a backend dead at that moment: "
          f"**{len(unexplained_5xx)}** |\n")
        w(f"| users logged out | {logged_out_total:,}, of which on a backend that was not killed: **{unexplained_logouts}** |\n")
        w(f"| malformed requests answered 4xx | {bad.answered_4xx:,} of {bad.sent:,} |\n")
        w(f"| file descriptors: start / peak / after the load | {fds_baseline} / {max(fds) if fds else '-'} / {fds_after} |\n")
        if rss:
            w(f"| RSS MiB: min / max / last | {min(rss) / 1024:.1f} / {max(rss) / 1024:.1f} / {rss[-1] / 1024:.1f} |\n")
        if pool:
            w(f"| upstream pool connections: min / max | {min(pool)} / {max(pool)} |\n")
        if level:
            w(f"| level-off over the last {args.window} s | RSS {level[0]:+.1f} kB/min "
              f"({level[1]:+.0f} kB over the window, mean {level[2] / 1024:.1f} MiB); fds {level[3]:+.2f}/min "
              f"({level[4]:+.1f} over the window, mean {level[5]:.0f}) |\n")
        if idle:
            w(f"| p99 without / with {idle[0]:,} idle keep-alive connections | {idle[1]} ms / {idle[2]} ms |\n")
        w(f"\n**{'PASS' if not failures else 'FAIL'}**\n\n")
        for x in failures:
            w(f"- {x}\n")
        w("\n| segment | seconds | requests | 401 | 5xx | killed | logged out | unexplained |\n")
        w("|---:|---:|---:|---:|---:|---|---:|---:|\n")
        for s in segments:
            w(f"| {s[0]} | {s[1]} | {s[2]:,} | {s[3]:,} | {s[4]:,} | {' '.join(s[5]) or '-'} | {s[6]:,} | {s[7]} |\n")
        w("\nSamples (every 5 s: unix time, RSS kB, fds, upstream pool connections) are in the soak's "
          "work directory as samples.csv.\n")


if __name__ == "__main__":
    sys.exit(main())
