"""The cost of the load balancer and the shared state: two hosts behind HAProxy next to one
host served directly, in the same run (issue 21).

    python bench/balancer.py --database-url postgresql+psycopg://... [--redis-url URL]
                             [--duration 10] [--rounds 3] [--label NAME] [--pages NAME,NAME]

Starts, on free local ports:
- "direct": one host (`gunicorn -c gunicorn.conf.py wsgi:app`, WEB_CONCURRENCY=2), plain HTTP;
- "balancer": host A and host B (the same command, WEB_CONCURRENCY=1 each, so the two together
  have the direct host's 2 workers) behind HAProxy running deploy/haproxy.cfg, rendered by
  tests/test_multihost.py's render() (its addresses, ports and certificate substituted; TLS
  with a throwaway self-signed certificate), the hosts with TRUSTED_PROXIES=1 and
  SECURE_COOKIES=1 as the shipped configuration asks.
All three share the database and the Redis URL (RATELIMIT_STORAGE_URI); rate limits are off
(RATELIMIT_ENABLED=0) as in bench/run.py, or the bench account's posts would be refused.

On a two-core machine more hosts cannot add cores, so what is measured is what the balancer,
TLS and a second host on the same database cost: the 100-post thread page as a visitor and as a
member, and posting (bench/run.py's POST_LUA, with its stored-exactly-once check), each direct
and through the balancer, the two interleaved in every round (which goes first alternates);
`--pages` keeps some of the three (a quick look while changing something).
The goal: through the balancer at no less than GOAL (0.85) of direct, taken as the median of
each round's own ratio (the ratio of the medians is shown beside it). Around every measurement
the CPU time of each process group (the direct host, hosts A and B, HAProxy) and of wrk is read,
and reported per request. Prints a table and writes bench/results-balancer-<label>.json, with
the 1-minute load average sampled during the rounds.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from bench.run import (MEMBER, POST_LUA, REPORT_LUA, LoadSampler, check_badges, form_started,
                       free_port, loadavg_line, login, look, marker_counts, posting_checks_line,
                       refresh_statistics, renewed, split_names, targets, wait_for, wrk)

GOAL = 0.85
THREAD = "thread, 100 posts"
PAGES = [THREAD, THREAD + MEMBER, "posting"]
TARGETS = ["direct", "balancer"]
SHIPPED = ROOT / "deploy" / "haproxy.cfg"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="PostgreSQL (bench/generate.py filled it): the hosts share it")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15",
                        help="the hosts' shared limiter storage (RATELIMIT_STORAGE_URI)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement (10)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (3)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--label", help="results file: bench/results-balancer-<label>.json")
    parser.add_argument("--pages", type=lambda value: split_names(value, PAGES),
                        help=f"comma list of the measurements to run (all: {'; '.join(PAGES)})")
    args = parser.parse_args(argv)
    args.pages = [p for p in PAGES if p in (args.pages or PAGES)]
    if not args.database_url:
        parser.error("--database-url (or DATABASE_URL) is required")
    if not make_url(args.database_url).get_backend_name().startswith("postgresql"):
        parser.error("--database-url must be PostgreSQL: two hosts share one database")
    if not args.redis_url.startswith(("redis://", "rediss://", "unix://")):
        parser.error("--redis-url must be a redis:// URL")
    if args.duration < 1 or args.rounds < 1:
        parser.error("--duration and --rounds must be at least 1")
    return args


def rate(result: dict) -> float:
    """What a measurement is compared by: posts/s for posting, requests/s for a page."""
    return result["posts_per_s"] if "posts_per_s" in result else result["rps"]


def summarise(runs: dict[str, dict[str, list[dict]]]) -> dict:
    """Medians per page and target, and each page's balancer/direct ratio of its rate with the
    goal check."""
    summary = {}
    for page, by_target in runs.items():
        if not all(by_target.get(t) for t in TARGETS):
            continue
        entry = {}
        for target in TARGETS:
            med = {k: statistics.median(r[k] for r in by_target[target])
                   for k in ("rps", "p50_ms", "p99_ms")}
            if page == "posting":
                med["posts_per_s"] = statistics.median(r["posts_per_s"]
                                                       for r in by_target[target])
            if all("cpu_ms" in r for r in by_target[target]):
                med["cpu_ms"] = {k: statistics.median(r["cpu_ms"][k] for r in by_target[target])
                                 for k in ("app", "haproxy", "wrk")}
            entry[target] = med
        direct = rate(entry["direct"])
        entry["ratio_of_medians"] = rate(entry["balancer"]) / direct if direct else 0.0
        # The figure held to the goal: the median of each round's own ratio. A round measures
        # its two targets back to back, so its ratio cancels what drifts on a shared machine
        # over minutes, which the ratio of the two medians does not.
        entry["ratio"] = statistics.median(
            rate(b) / rate(d) if rate(d) else 0.0
            for d, b in zip(by_target["direct"], by_target["balancer"]))
        entry["meets_goal"] = entry["ratio"] >= GOAL
        if "cpu_ms" in entry["direct"] and "cpu_ms" in entry["balancer"]:
            # The hosts' own cost per request: direct's app CPU over the two hosts' together.
            entry["app_cpu_ratio"] = (entry["direct"]["cpu_ms"]["app"]
                                      / entry["balancer"]["cpu_ms"]["app"])
        summary[page] = entry
    return summary


def report_lines(result: dict) -> list[str]:
    lines = [f"{result['label']}: {result['posts']:,} posts, medians of {result['rounds']} "
             f"rounds ({result['wrk']}); direct: 1 host, 2 workers, HTTP; balancer: HAProxy "
             f"(TLS) in front of 2 hosts, 1 worker each"]
    lines.append(f"{'page':<30} {'target':<9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}"
                 f" {'balancer/direct, rounds (medians)':>16}  CPU ms/request: app haproxy wrk")
    for page, entry in result["summary"].items():
        for target in TARGETS:
            med = entry[target]
            note = f"  ({med['posts_per_s']:.0f} posts/s)" if "posts_per_s" in med else ""
            ratio = (f"{entry['ratio']:9.2f} ({entry['ratio_of_medians']:.2f}) "
                     f"{'ok' if entry['meets_goal'] else 'BELOW'}"
                     if target == "balancer" else " " * 16)
            cpu = med.get("cpu_ms")
            cpu = (f"  {cpu['app']:.2f} {cpu['haproxy']:.2f} {cpu['wrk']:.2f}" if cpu else "")
            lines.append(f"{page:<30} {target:<9} {med['rps']:9.1f} {med['p50_ms']:8.1f} "
                         f"{med['p99_ms']:8.1f} {ratio}{cpu}{note}")
    if result.get("loadavg"):
        lines.append(loadavg_line(result["loadavg"]))
    if result.get("served_by_host"):
        lines.append("requests the balancer sent to each host: " + ", ".join(
            f"{host} {n:,}" for host, n in sorted(result["served_by_host"].items())))
    below = [p for p, e in result["summary"].items() if not e["meets_goal"]]
    lines.append(f"goal (through the balancer >= {GOAL} of direct): "
                 + (f"below on {below}" if below else "met on every page"))
    if result.get("posting_checks"):
        lines.append(posting_checks_line(result["posting_checks"]))
    return lines


def markdown(result: dict) -> str:
    """bench/RESULTS.md's table for this run ("Through the load balancer"), to paste there."""
    def cell(med: dict) -> str:
        first = (f"{med['posts_per_s']:.0f} posts/s" if "posts_per_s" in med
                 else f"{med['rps']:.0f}")
        return f"{first} / {med['p50_ms']:.1f} / {med['p99_ms']:.0f}"

    def cpu(med: dict) -> str:
        used = med.get("cpu_ms")
        return f"{used['app']:.2f} / {used['haproxy']:.2f} / {used['wrk']:.2f}" if used else ""

    lines = ["| page | direct req/s / p50 / p99 | balancer req/s / p50 / p99 "
             "| balancer / direct: median of rounds (of medians) | goal 0.85 | CPU ms per request, direct: app / HAProxy / wrk "
             "| balancer: app / HAProxy / wrk | app CPU, direct / balancer |",
             "|---|---|---|---|---|---|---|---|"]
    for page, entry in result["summary"].items():
        name = "posting (posts/s)" if page == "posting" else page
        app = f"{entry['app_cpu_ratio']:.2f}" if "app_cpu_ratio" in entry else ""
        lines.append(f"| {name} | {cell(entry['direct'])} | {cell(entry['balancer'])} "
                     f"| {entry['ratio']:.2f} ({entry['ratio_of_medians']:.2f}) "
                     f"| {'met' if entry['meets_goal'] else 'BELOW'} | {cpu(entry['direct'])} | {cpu(entry['balancer'])} | {app} |")
    load = result.get("loadavg")
    if load:
        lines.append(f"| load average (min / median / max) | {load['min']:.2f} / "
                     f"{load['median']:.2f} / {load['max']:.2f} | | | | | | |")
    return "\n".join(lines)


class Group:
    """A process started in a process group of its own, so that it and its children stop
    together. Not a session of its own: with the kernel's autogroup scheduling (Debian's
    default) every session is a scheduling group with an equal share of the CPU, so two hosts
    in two sessions would get twice the direct host's share whenever anything else runs."""

    def __init__(self, name: str, command: list[str], env: dict, log: Path):
        self.name, self.log = name, log
        with open(log, "ab") as out:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,
                                            stderr=subprocess.STDOUT, process_group=0)

    def check(self) -> None:
        if self.process.poll() is not None:
            raise SystemExit(f"{self.name} exited ({self.process.returncode}):\n"
                             + self.log.read_text()[-3000:])

    def stop(self) -> None:
        for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                continue
            if sig == signal.SIGTERM:  # the master is gone; any worker left behind goes too
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            return


def certificate(tmp: Path) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for localhost and 127.0.0.1: the PEM HAProxy serves
    (certificate and key in one file) and the certificate alone, for this process to trust."""
    cert, key, pem = tmp / "cert.pem", tmp / "key.pem", tmp / "localhost.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    pem.write_bytes(cert.read_bytes() + key.read_bytes())
    return pem, cert


def served_by_host(stats_csv: str) -> dict[str, int]:
    """Requests each server of the `afterward` backend took, from the runtime API's
    `show stat` (CSV: pxname, svname, ... the 8th field, stot, the sessions in total)."""
    lines = stats_csv.lstrip("# ").splitlines()
    if not lines:
        return {}
    fields = lines[0].split(",")
    name, total = fields.index("svname"), fields.index("stot")
    served = {}
    for line in lines[1:]:
        row = line.split(",")
        if len(row) > total and row[0] == "afterward" and row[name] not in ("FRONTEND",
                                                                           "BACKEND"):
            served[row[name]] = int(row[total] or 0)
    return served


def runtime(admin: Path, command: str) -> str:
    """One command to HAProxy's runtime API (its stats socket)."""
    with socket.socket(socket.AF_UNIX) as api:
        api.connect(str(admin))
        api.sendall(command.encode() + b"\n")
        return b"".join(iter(lambda: api.recv(4096), b"")).decode()


TICK = os.sysconf("SC_CLK_TCK")


def group_cpu(pgid: int) -> float:
    """CPU seconds (user and system) used so far by the processes of one process group: the
    living ones, and the children they have reaped (a recycled gunicorn worker's)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue  # gone in between
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "
        if int(fields[2]) == pgid:  # pgrp
            total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return total / TICK


def children_cpu() -> float:
    """CPU seconds used by this process's reaped children: wrk, the load generator."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def haproxy_binary() -> str:
    for found in (shutil.which("haproxy"), "/usr/sbin/haproxy"):
        if found and os.path.exists(found):
            return found
    raise SystemExit("haproxy is not installed: apt-get install -y haproxy")


def main(argv=None) -> None:
    args = parse_args(argv)
    from tests.test_multihost import render  # the shipped config, made runnable here

    engine = create_engine(args.database_url)
    found = targets(engine)
    label = args.label or f"postgresql-{found['posts'] // 1000}k"
    haproxy = haproxy_binary()
    tmp = Path(tempfile.mkdtemp(prefix="afterward-balancer-"))
    pem, cert = certificate(tmp)
    ports = {"direct": free_port(), "a": free_port(), "b": free_port(),
             "lb": free_port(), "lb_http": free_port()}
    common = {**os.environ, "DATABASE_URL": args.database_url, "RATELIMIT_ENABLED": "0",
              "RATELIMIT_STORAGE_URI": args.redis_url, "SECRET_KEY": "bench-secret-key",
              "LOG_LEVEL": "warning"}
    for name in ("BIND", "PORT", "TRUSTED_PROXIES", "SECURE_COOKIES", "TRUSTED_HOSTS"):
        common.pop(name, None)
    envs = {
        "direct": {**common, "WEB_CONCURRENCY": "2", "PORT": str(ports["direct"]),
                   "SITE_URL": f"http://127.0.0.1:{ports['direct']}"},
        # As tests/test_multihost.py sets its hosts: addressed through the balancer only.
        **{host: {**common, "WEB_CONCURRENCY": "1", "PORT": str(ports[host]),
                  "SITE_URL": "https://localhost", "TRUSTED_PROXIES": "1",
                  "SECURE_COOKIES": "1"} for host in ("a", "b")},
    }
    config, admin = tmp / "haproxy.cfg", tmp / "admin.sock"
    config.write_text(render(SHIPPED.read_text(), lb_port=ports["lb"],
                             http_port=ports["lb_http"], pem=pem, admin=admin,
                             hosts={"a": ports["a"], "b": ports["b"]}))
    checked = subprocess.run([haproxy, "-c", "-f", str(config)], capture_output=True, text=True)
    if checked.returncode:
        raise SystemExit("the rendered HAProxy config does not check:\n"
                         + checked.stdout + checked.stderr)
    bases = {"direct": f"http://127.0.0.1:{ports['direct']}",
             "balancer": f"https://127.0.0.1:{ports['lb']}"}
    # This process speaks HTTPS to the balancer and trusts only the throwaway certificate
    # (urllib's default context reads SSL_CERT_FILE; wrk does not verify).
    saved_cert_file = os.environ.get("SSL_CERT_FILE")
    os.environ["SSL_CERT_FILE"] = str(cert)
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
    groups: list[Group] = []
    sampler = None
    try:
        for name in ("direct", "a", "b"):
            groups.append(Group(f"host {name}", gunicorn, envs[name], tmp / f"host-{name}.log"))
        groups.append(Group("haproxy", [haproxy, "-db", "-f", str(config)], common,
                            tmp / "haproxy.log"))
        for group in groups:
            group.check()
        for name in ("direct", "a", "b"):
            wait_for(f"http://127.0.0.1:{ports[name]}/healthz")
        for group in groups:
            group.check()
        wait_for(f"{bases['balancer']}/healthz")
        time.sleep(2.5)  # both hosts have passed HAProxy's two checks (inter 1s, rise 2)

        thread_path = f"/threads/{found['thread150_page']}"
        reply_paths = [f"/threads/{t}/reply" for _, t in found["posting_threads"]]
        sessions, started = {}, {}
        for target, base in bases.items():
            sessions[target] = login(base)
            started[target] = form_started(base, sessions[target][0], reply_paths[0])
            # The page answers and shows what it should, to each reader, on both targets.
            shown, badges = look({THREAD: base + thread_path, THREAD + MEMBER: base + thread_path},
                                 {None: (None, None), "poster": sessions[target]}, {})
            if set(shown.values()) != {100}:
                raise SystemExit(f"{target}: the thread page shows {shown} posts, not 100")
            check_badges(badges, found["poster_own_posts_on_page"], f"({target})")

        def script(target: str, member: bool) -> Path:
            """A read script; a member's carries the cookie the site last sent (renewed)."""
            path = tmp / f"read-{target}-{'member' if member else 'visitor'}.lua"
            if member:
                cookie = renewed(bases[target] + "/", sessions[target][0])
                sessions[target] = (cookie, sessions[target][1])
                path.write_text(f'wrk.headers["Cookie"] = "{cookie}"\n' + REPORT_LUA)
            else:
                path.write_text(REPORT_LUA)
            return path

        pgids = {name: group.process.pid for name, group in zip(("direct", "a", "b", "haproxy"),
                                                                  groups)}

        def cpu_now() -> dict[str, float]:
            return {**{name: group_cpu(pgid) for name, pgid in pgids.items()},
                    "wrk": children_cpu()}

        runs = {page: {t: [] for t in TARGETS} for page in args.pages}
        checks = []
        paths = ", ".join(f'"{p}"' for p in reply_paths)
        # A person takes longer than FORM_MIN_SECONDS to write a reply (bench/run.py).
        time.sleep(max(0.0, max(s[1] for s in started.values()) + 5 - time.monotonic()))
        sampler = LoadSampler().start()
        for round_no in range(1, args.rounds + 1):
            order = TARGETS if round_no % 2 else TARGETS[::-1]
            for page in args.pages:
                for target in order:
                    for group in groups:
                        group.check()
                    if page != "posting":
                        lua = script(target, member=page.endswith(MEMBER))
                        url = bases[target] + thread_path
                        wrk(url, 1, lua, args.connections, args.threads)  # warm up
                        before = cpu_now()
                        result = wrk(url, args.duration, lua, args.connections, args.threads)
                        extra = ""
                    else:
                        before = cpu_now()
                        result, check = post(args, engine, found, bases[target], tmp,
                                             sessions, started, target, paths, round_no)
                        checks.append({"target": target, **check})
                        extra = f" {result['posts_per_s']:.1f} posts/s {check}"
                    result["cpu_ms"] = cpu_per_request(before, cpu_now(), target, result)
                    extra += " CPU ms/request " + ", ".join(
                        f"{k} {v:.2f}" for k, v in result["cpu_ms"].items())
                    runs[page][target].append(result)
                    print(f"round {round_no} {page:<28} {target:<9} {result['rps']:8.1f} req/s "
                          f"p50 {result['p50_ms']:7.1f} ms p99 {result['p99_ms']:7.1f} ms "
                          f"non2xx {result['non2xx']} errors {result['errors']}{extra}",
                          file=sys.stderr)
            refresh_statistics(engine)
        load = sampler.stop()
        served = served_by_host(runtime(admin, "show stat"))
        if len(served) != 2 or min(served.values()) == 0:
            raise SystemExit(f"the balancer did not share the load between the hosts: {served}")
    finally:
        if sampler is not None and not sampler._stop.is_set():
            sampler.stop()
        for group in reversed(groups):
            group.stop()
        if saved_cert_file is None:
            os.environ.pop("SSL_CERT_FILE", None)
        else:
            os.environ["SSL_CERT_FILE"] = saved_cert_file
        shutil.rmtree(tmp, ignore_errors=True)  # the throwaway key, configs and logs
        engine.dispose()

    result = {
        "label": label, "backend": "postgresql", "posts": found["posts"],
        "rounds": args.rounds, "duration_s": args.duration,
        "wrk": f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s --latency",
        "direct": "1 gunicorn host, WEB_CONCURRENCY=2, plain HTTP",
        "balancer": "HAProxy (deploy/haproxy.cfg, TLS) in front of 2 gunicorn hosts, "
                    "WEB_CONCURRENCY=1 each",
        "served_by_host": served, "goal": GOAL, "summary": summarise(runs), "runs": runs, "posting_checks": checks,
        "loadavg": load, "loadavg_end": os.getloadavg(),
    }
    out = ROOT / "bench" / f"results-balancer-{label}.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    print()
    print("\n".join(report_lines(result)))
    print()
    print(markdown(result))
    print(f"written {out.relative_to(ROOT)}")
    if not all(c["ok"] for c in checks):
        raise SystemExit("posting check failed: an accepted post was not stored exactly once")


def cpu_per_request(before: dict, after: dict, target: str, result: dict) -> dict[str, float]:
    """CPU milliseconds per request during one measurement: the app's (the direct host, or
    hosts A and B together), HAProxy's (nothing when direct) and wrk's, the load generator."""
    used = {name: after[name] - before[name] for name in before}
    requests = max(1, result["requests"])
    app = used["direct"] if target == "direct" else used["a"] + used["b"]
    return {"app": 1000 * app / requests, "haproxy": 1000 * used["haproxy"] / requests,
            "wrk": 1000 * used["wrk"] / requests}


def post(args, engine, found, base, tmp, sessions, started, target, paths, round_no):
    """One posting measurement on one target: bench/run.py's POST_LUA and its check that every
    accepted post (302) is stored exactly once and counted once in the threads' post_count."""
    run_id = f"{int(time.time())}{round_no}{TARGETS.index(target)}"
    cookie = renewed(base + "/", sessions[target][0])
    token = sessions[target][1]
    sessions[target] = (cookie, token)
    script = tmp / f"post-{run_id}.lua"
    script.write_text(POST_LUA % {"cookie": cookie, "paths": paths,
                                  "token": urllib.parse.quote(token), "run": run_id,
                                  "started": urllib.parse.quote(started[target][0])})
    before = marker_counts(engine, found["posting_threads"], run_id)
    result = wrk(base + "/", args.duration, script, args.connections, args.threads)
    time.sleep(1)  # requests cut off by wrk's deadline finish on the server
    after = marker_counts(engine, found["posting_threads"], run_id)
    stored, distinct = after[0] - before[0], after[1] - before[1]
    check = {"accepted": result["accepted"], "refused": result["other"], "stored": stored,
             "distinct": distinct, "post_count_delta": after[2] - before[2],
             "ok": 0 < stored == distinct == after[2] - before[2]
             and result["accepted"] <= stored <= result["accepted"] + args.connections}
    result["posts_per_s"] = result["accepted"] / args.duration
    return result, check


if __name__ == "__main__":
    main()
