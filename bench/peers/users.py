#!/usr/bin/env python3
"""Simulated users for bench/peers/run.sh (python3 stdlib only, 127.0.0.1 only).

Each user is a browser: a name, a cookie jar (every Set-Cookie it was sent, honouring Max-Age=0
and past Expires as deletion), and a keep-alive connection to the proxy under test (http.client);
with --shared-conn all users of one invocation take turns on ONE keep-alive connection instead
(much faster on a loaded machine; every peer routes each request on its own, so the results are
the same).
The state of all users (names, jars, the backend that served their login) lives in a JSON file, so
run.sh can call this script between the events it applies to the proxy and the backends.

    users.py login  --port P --state F --users N [--tsv T --peer NAME --event E --step S]
    users.py check  --port P --state F --tsv T --peer NAME --event E --step S
                    [--relogin] [--at-risk BACKEND]
    users.py churn  --port P --state F --tsv T --peer NAME --event E --step S --fraction X
    users.py cookies --state F --out FILE      # one Cookie header value per user (for wrk)
    users.py spread --state F                  # sessions per backend, one "NAME COUNT" a line
    (login, check and churn also take --shared-conn, --max-tries N, --timeout S)

Definitions (the same for every proxy):
  * A user is LOGGED OUT by a check when GET /whoami with its cookies answers 401 (the backend
    that got the request does not hold its in-memory session), any 5xx, or fails at the
    connection level even after one reconnect.
  * A LOGIN is GET /login?user=NAME, then GET /whoami. If that /whoami does not answer 200 the
    login "did not stick" (the user was logged out right after logging in) and the user logs in
    again, up to --max-tries times. Hashing on the application's own session cookie behaves like
    this: the login request has no cookie, the application picks the id, and the id's hash names a
    backend that is usually not the one that created the session.
  * --relogin: after the check, every user it logged out logs in again (as above), so the next
    event starts with every user logged in. Those logins are not counted as log-outs; their
    attempts are reported in the login_tries column.
  * churn: a deterministic FRACTION of the users (the same users for every proxy) log out
    voluntarily (GET /logout, which expires DEMOSESSION) and log in again: sessions that end and
    start during a drain's grace period. Voluntary log-outs are never counted.

A connection that fails on a reused keep-alive connection before any response byte (the proxy
closed it, e.g. an old HAProxy or nginx process after a reload) is retried once on a new
connection, as browsers do. Each invocation opens fresh connections, so the check after an event
always measures the proxy's new configuration, never an old process still serving an old
connection.

One TSV row per invocation (--tsv): peer, event, step, users, checked, ok, out_401, out_5xx,
out_err, at_risk (users recorded on --at-risk before the check), at_risk_out, floor, login_tries,
logins, first_try_fail, gave_up, spread (sessions per backend after the step), seconds.
"""

import argparse
import email.utils
import hashlib
import http.client
import json
import os
import sys
import time

TSV_FIELDS = ["peer", "event", "step", "users", "checked", "ok", "out_401", "out_5xx", "out_err",
              "at_risk", "at_risk_out", "floor", "login_tries", "logins", "first_try_fail", "gave_up",
              "spread", "seconds"]


class User:
    __slots__ = ("name", "jar", "backend", "conn", "used")

    def __init__(self, name, jar=None, backend=None):
        self.name = name
        self.jar = dict(jar or {})
        self.backend = backend
        self.conn = None
        self.used = False

    def cookie_header(self):
        return "; ".join(f"{k}={v}" for k, v in self.jar.items())

    def absorb(self, set_cookies):
        for line in set_cookies:
            parts = [p.strip() for p in line.split(";")]
            if not parts or "=" not in parts[0]:
                continue
            name, value = parts[0].split("=", 1)
            name = name.strip()
            delete = False
            has_max_age = False
            for attr in parts[1:]:
                key, _, val = attr.partition("=")
                key = key.strip().lower()
                if key == "max-age":
                    has_max_age = True
                    try:
                        delete = int(val.strip()) <= 0
                    except ValueError:
                        pass
            if not has_max_age:
                for attr in parts[1:]:
                    key, _, val = attr.partition("=")
                    if key.strip().lower() == "expires":
                        try:
                            when = email.utils.parsedate_to_datetime(val.strip())
                            delete = when.timestamp() <= time.time()
                        except (TypeError, ValueError):
                            pass
            if delete:
                self.jar.pop(name, None)
            else:
                self.jar[name] = value.strip()


class Client:
    """shared=True: every user's requests go over one keep-alive connection (used only to log in
    the throughput users quickly; proxies route each request on its own either way)."""

    def __init__(self, port, timeout, shared=False):
        self.port = port
        self.timeout = timeout
        self.shared = shared
        self.conn = None
        self.used = False

    def get(self, user, path):
        """(status, x_backend, body); status 0 = connection-level failure."""
        holder = self if self.shared else user
        for attempt in (1, 2):
            if holder.conn is None:
                holder.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
                holder.used = False
            reused = holder.used
            try:
                headers = {"Host": "peers.test"}
                cookie = user.cookie_header()
                if cookie:
                    headers["Cookie"] = cookie
                holder.conn.request("GET", path, headers=headers)
                resp = holder.conn.getresponse()
                body = resp.read()
                holder.used = True
                user.absorb(resp.msg.get_all("Set-Cookie") or [])
                if resp.will_close:
                    holder.conn.close()
                    holder.conn = None
                return resp.status, resp.getheader("X-Backend", "-"), body.decode("utf-8", "replace")
            except (http.client.RemoteDisconnected, http.client.BadStatusLine, ConnectionError,
                    BrokenPipeError, OSError) as exc:
                holder.conn.close()
                holder.conn = None
                if attempt == 1 and reused:
                    continue  # a stale keep-alive connection: browsers retry once
                return 0, "-", f"{type(exc).__name__}: {exc}"
        return 0, "-", "unreachable"

    def close_all(self, users):
        for holder in [self, *users]:
            if holder.conn is not None:
                holder.conn.close()
                holder.conn = None


def load_state(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [User(d["name"], d["jar"], d.get("backend")) for d in json.load(f)]


def save_state(path, users):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump([{"name": u.name, "jar": u.jar, "backend": u.backend} for u in users], f)
    os.replace(tmp, path)


def login(client, user, max_tries):
    """Logs in until /whoami confirms the session. Returns attempts made (0 = gave up)."""
    for attempt in range(1, max_tries + 1):
        status, backend, _ = client.get(user, f"/login?user={user.name}")
        if status != 200:
            continue
        w_status, _, w_body = client.get(user, "/whoami")
        if w_status == 200 and w_body.startswith(user.name + " on "):
            user.backend = backend
            return attempt
    user.backend = None
    return 0


def spread(users):
    counts = {}
    for u in users:
        if u.backend:
            counts[u.backend] = counts.get(u.backend, 0) + 1
    return counts


def spread_text(users):
    counts = spread(users)
    return ",".join(f"{k}:{counts[k]}" for k in sorted(counts))


def churns(name, fraction):
    """Deterministic, proxy-independent choice of the users who end their session."""
    h = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")
    return h / 2**64 < fraction


class Row(dict):
    def __init__(self, args, users):
        super().__init__({k: 0 for k in TSV_FIELDS})
        self.update(peer=args.peer, event=args.event, step=args.step, users=len(users))
        self.t0 = time.monotonic()

    def add_login(self, tries):
        self["logins"] += 1
        if tries == 0:
            self["gave_up"] += 1
        else:
            self["login_tries"] += tries
            if tries > 1:
                self["first_try_fail"] += 1


def write_row(args, row, users):
    row["spread"] = spread_text(users)
    row["seconds"] = f"{time.monotonic() - row.t0:.1f}"
    if args.tsv:
        new = not os.path.exists(args.tsv)
        with open(args.tsv, "a") as f:
            if new:
                f.write("\t".join(TSV_FIELDS) + "\n")
            f.write("\t".join(str(row[k]) for k in TSV_FIELDS) + "\n")
    print(" ".join(f"{k}={row[k]}" for k in TSV_FIELDS if k not in ("peer",)), flush=True)


def cmd_login(args):
    users = load_state(args.state)
    client = Client(args.port, args.timeout, shared=args.shared_conn)
    have = {u.name for u in users}
    new = [User(f"{args.prefix}{i:05d}") for i in range(1, args.users + 1)]
    new = [u for u in new if u.name not in have]
    row = Row(args, new)
    for u in new:
        tries = login(client, u, args.max_tries)
        row.add_login(tries)
        if u.conn is not None:  # the user's own connection (none when shared)
            u.conn.close()
            u.conn = None
    client.close_all([])
    users.extend(new)
    row["users"] = len(users)
    write_row(args, row, users)
    save_state(args.state, users)
    if row["gave_up"]:
        print(f"users.py: {row['gave_up']} users could not log in within {args.max_tries} tries",
              file=sys.stderr)


def cmd_check(args):
    users = load_state(args.state)
    client = Client(args.port, args.timeout, shared=args.shared_conn)
    row = Row(args, users)
    out = []
    at_risk = {u.name for u in users if args.at_risk and u.backend == args.at_risk}
    row["at_risk"] = len(at_risk)
    # The fewest log-outs any balancer can achieve for this event: users whose session is on the
    # backend that goes away and who do not end it themselves before it does (--floor-churn).
    row["floor"] = sum(1 for u in users if u.name in at_risk
                       and not (args.floor_churn is not None and churns(u.name, args.floor_churn)))
    for u in users:
        if u.backend is None:
            continue  # never logged in (gave up): not a session to lose
        row["checked"] += 1
        status, backend, body = client.get(u, "/whoami")
        if status == 200 and body.startswith(u.name + " on "):
            row["ok"] += 1
            continue
        if status == 401:
            row["out_401"] += 1
        elif status >= 500:
            row["out_5xx"] += 1
        else:
            row["out_err"] += 1
        if u.name in at_risk:
            row["at_risk_out"] += 1
        out.append(u)
    if args.relogin:
        for u in out:
            row.add_login(login(client, u, args.max_tries))
    client.close_all(users)
    write_row(args, row, users)
    if args.out_users:
        with open(args.out_users, "a") as f:
            for u in out:
                f.write(f"{args.peer}\t{args.event}\t{args.step}\t{u.name}\n")
    save_state(args.state, users)


def cmd_churn(args):
    users = load_state(args.state)
    client = Client(args.port, args.timeout, shared=args.shared_conn)
    row = Row(args, users)
    for u in users:
        if u.backend is None or not churns(u.name, args.fraction):
            continue
        row["checked"] += 1
        client.get(u, "/logout")  # voluntary: whatever it answers is not a log-out we count
        u.backend = None
        row.add_login(login(client, u, args.max_tries))
    client.close_all(users)
    write_row(args, row, users)
    save_state(args.state, users)


def cmd_cookies(args):
    users = load_state(args.state)
    with open(args.out, "w") as f:
        for u in users:
            if u.backend is not None:
                f.write(u.cookie_header() + "\n")


def cmd_spread(args):
    for k, v in sorted(spread(load_state(args.state)).items()):
        print(k, v)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("cmd", choices=["login", "check", "churn", "cookies", "spread"])
    p.add_argument("--port", type=int)
    p.add_argument("--state", required=True)
    p.add_argument("--users", type=int, default=2000)
    p.add_argument("--prefix", default="u")
    p.add_argument("--max-tries", type=int, default=20)
    p.add_argument("--timeout", type=float, default=10.0)
    p.add_argument("--tsv")
    p.add_argument("--peer", default="?")
    p.add_argument("--event", default="-")
    p.add_argument("--step", default="-")
    p.add_argument("--relogin", action="store_true")
    p.add_argument("--shared-conn", dest="shared_conn", action="store_true",
                   help="one keep-alive connection for all users instead of one per user")
    p.add_argument("--at-risk", dest="at_risk")
    p.add_argument("--fraction", type=float, default=0.5)
    p.add_argument("--floor-churn", dest="floor_churn", type=float,
                   help="check: at-risk users who churn at this fraction are not in the floor")
    p.add_argument("--out", help="cookies: output file")
    p.add_argument("--out-users", dest="out_users", help="check: append logged-out users here")
    args = p.parse_args()
    if args.cmd in ("login", "check", "churn") and not args.port:
        p.error("--port is required")
    {"login": cmd_login, "check": cmd_check, "churn": cmd_churn, "cookies": cmd_cookies,
     "spread": cmd_spread}[args.cmd](args)


if __name__ == "__main__":
    main()
