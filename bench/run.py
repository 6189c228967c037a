"""Load-test the site under gunicorn against a baseline, on a database bench/generate.py filled.

    python bench/run.py [--database-url URL] [--duration 10] [--rounds 3] [--label NAME]

Starts the app (`gunicorn -c gunicorn.conf.py wsgi:app`, 2 workers, rate limits off) and the
baseline (bench/baseline.py: one query, one plain template, same 100 posts, 2 workers) on
free local ports, then runs wrk (`-t2 -c8 --latency`, a Lua done() reporter) on each page in
turn, `--rounds` times, so noise from other work on the machine spreads over every page.
Prints a table of medians and writes bench/results-<label>.json. Each page's requests/s is
also given as a ratio to the baseline's.

Posting: logs in as bench_poster, takes a CSRF token from a form, and POSTs replies (each
with a unique marker) round-robin into 50 ordinary threads. Afterwards the markers are counted
in the database: every accepted post (302) must be stored exactly once, and the threads'
post_count must have grown by the number stored.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.generate import (
    POSTER_LOGIN,
    POSTER_PASSWORD,
    STORY_200_SLUG,
    THREAD_150_TITLE,
    THREAD_2000_TITLE,
)

REPORT_LUA = r"""
done = function(s, lat, req)
  io.write(string.format('\nREPORT {"requests":%d,"errors":%d,"non2xx":%d,"rps":%.2f,' ..
    '"p50_ms":%.3f,"p99_ms":%.3f}\n', s.requests,
    s.errors.connect + s.errors.read + s.errors.write + s.errors.timeout, s.errors.status,
    s.requests / (s.duration / 1e6), lat:percentile(50) / 1000, lat:percentile(99) / 1000))
end
"""

POST_LUA = r"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "%(cookie)s"
local paths = {%(paths)s}
local threads = {}
setup = function(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
init = function(args) n = 0; accepted = 0; other = 0 end
request = function()
  n = n + 1
  local path = paths[(n * 7 + tid) %% #paths + 1]
  return wrk.format(nil, path, nil,
    "csrf_token=%(token)s&body=bench+marker+%(run)s-" .. tid .. "-" .. n)
end
response = function(status, headers, body)
  if status == 302 then accepted = accepted + 1 else other = other + 1 end
end
done = function(s, lat, req)
  local acc, oth = 0, 0
  for _, t in ipairs(threads) do acc = acc + t:get("accepted"); oth = oth + t:get("other") end
  io.write(string.format('\nREPORT {"requests":%%d,"errors":%%d,"non2xx":%%d,"rps":%%.2f,' ..
    '"p50_ms":%%.3f,"p99_ms":%%.3f,"accepted":%%d,"other":%%d}\n', s.requests,
    s.errors.connect + s.errors.read + s.errors.write + s.errors.timeout, s.errors.status,
    s.requests / (s.duration / 1e6), lat:percentile(50) / 1000, lat:percentile(99) / 1000,
    acc, oth))
end
"""

PAGES = ["baseline", "home", "story index", "story, 200 comments", "thread, 100 posts",
         "thread, 100 posts, member", "thread, 2000 posts", "profile", "search", "posting"]
# Pages read as the logged-in bench poster: no shared cached copy of the post tree
# (forum/threads/cache.py serves only readers who are not logged in).
MEMBER_PAGES = {"thread, 100 posts, member"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {timeout}s")


def fetch(url: str, opener=None, cookie: str | None = None) -> str:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with (opener or urllib.request.build_opener()).open(request, timeout=60) as r:
        assert r.status == 200, (url, r.status)
        return r.read().decode()


def targets(engine) -> dict:
    """The rows the pages are about, found by the markers bench/generate.py left."""
    with engine.connect() as c:
        one = lambda sql, **kw: c.execute(text(sql), kw).scalar()
        found = {
            "posts": one("SELECT count(*) FROM posts"),
            "story200": one("SELECT slug FROM stories WHERE slug = :s", s=STORY_200_SLUG),
            "thread150": one("SELECT id FROM threads WHERE title = :t", t=THREAD_150_TITLE),
            # Pages are addressed by public id; the baseline reads by row id.
            "thread150_page": one("SELECT public_id FROM threads WHERE title = :t",
                                  t=THREAD_150_TITLE),
            "thread2000_page": one("SELECT public_id FROM threads WHERE title = :t",
                                   t=THREAD_2000_TITLE),
            # The busiest writer's profile: the longest lists a profile can have.
            "profile": one(
                "SELECT h.name FROM handles h JOIN posts p ON p.handle_id = h.id "
                "WHERE h.kind = 'public' GROUP BY h.id, h.name ORDER BY count(*) DESC LIMIT 1"),
            "posting_threads": [tuple(r) for r in c.execute(text(
                "SELECT id, public_id FROM threads WHERE board_id IS NOT NULL AND NOT hidden "
                "AND locked_at IS NULL AND post_count BETWEEN 10 AND 40 ORDER BY id LIMIT 50"))],
        }
    missing = [k for k, v in found.items() if not v]
    if missing:
        raise SystemExit(f"not a bench/generate.py database (missing {missing})")
    return found


def wrk(url: str, duration: int, script: Path, connections: int, threads: int) -> dict:
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency",
         "--timeout", "10s", "-s", str(script), url],
        capture_output=True, text=True, check=True).stdout
    match = re.search(r"^REPORT (\{.*\})$", out, re.MULTILINE)
    if not match:
        raise SystemExit(f"wrk gave no report for {url}:\n{out}")
    return json.loads(match.group(1))


def login(base: str) -> tuple[str, str]:
    """Log in as the bench poster; the Cookie header and a CSRF token for its forms."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    token = lambda page: re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({
        "login_name": POSTER_LOGIN, "password": POSTER_PASSWORD,
        "csrf_token": token(fetch(f"{base}/auth/login", opener))}).encode()
    with opener.open(f"{base}/auth/login", data=form, timeout=30) as r:
        if "/auth/login" in r.geturl():
            raise SystemExit("could not log in as the bench poster")
    csrf = token(fetch(f"{base}/", opener))
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, csrf


def worker_rss(master_pid: int) -> list[float]:
    out = subprocess.run(["ps", "-o", "rss=", "--ppid", str(master_pid)],
                         capture_output=True, text=True, check=False).stdout.split()
    return [int(kb) / 1024 for kb in out]


def marker_counts(engine, thread_ids, run_id) -> tuple[int, int, int]:
    """Posts carrying this run's markers (all, distinct) and the threads' summed post_count."""
    ids = ",".join(str(int(t)) for t, _ in thread_ids)
    with engine.connect() as c:
        stored, distinct = c.execute(text(
            f"SELECT count(*), count(DISTINCT body) FROM posts "
            f"WHERE thread_id IN ({ids}) AND body LIKE :m"), {"m": f"bench marker {run_id}-%"}
        ).one()
        counted = c.execute(text(f"SELECT sum(post_count) FROM threads WHERE id IN ({ids})")
                            ).scalar()
    return stored, distinct, counted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--search", default="elders meeting", help="the search query")
    parser.add_argument("--label", help="results file name: bench/results-<label>.json")
    parser.add_argument("--skip-posting", action="store_true")
    args = parser.parse_args()
    if not args.database_url:
        raise SystemExit("--database-url (or DATABASE_URL) is required")
    url = make_url(args.database_url)
    backend = "postgresql" if url.get_backend_name().startswith("postgresql") else "sqlite"
    engine = create_engine(args.database_url)
    found = targets(engine)
    label = args.label or f"{backend}-{found['posts'] // 1000}k"

    app_port, base_port = free_port(), free_port()
    env = {**os.environ, "DATABASE_URL": args.database_url, "RATELIMIT_ENABLED": "0",
           "SECRET_KEY": "bench-secret-key", "WEB_CONCURRENCY": "2",
           "BIND": f"127.0.0.1:{app_port}", "LOG_LEVEL": "warning",
           "RATELIMIT_STORAGE_URI": "memory://",
           "BASELINE_DATABASE_URL": args.database_url,
           "BASELINE_THREAD_ID": str(found["thread150"])}
    gunicorn = [sys.executable, "-m", "gunicorn"]
    app_proc = subprocess.Popen(gunicorn + ["-c", "gunicorn.conf.py", "wsgi:app"],
                                cwd=ROOT, env=env)
    base_proc = subprocess.Popen(gunicorn + ["-w", "2", "-b", f"127.0.0.1:{base_port}",
                                             "--log-level", "warning", "bench.baseline:app"],
                                 cwd=ROOT, env=env)
    app, base = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{base_port}"
    try:
        wait_for(f"{app}/healthz")
        wait_for(f"{base}/")
        cookie, token = login(app)
        q = urllib.parse.quote_plus(args.search)
        urls = {
            "baseline": f"{base}/",
            "home": f"{app}/",
            "story index": f"{app}/stories/",
            "story, 200 comments": f"{app}/stories/{found['story200']}",
            "thread, 100 posts": f"{app}/threads/{found['thread150_page']}",
            "thread, 100 posts, member": f"{app}/threads/{found['thread150_page']}",
            "thread, 2000 posts": f"{app}/threads/{found['thread2000_page']}",
            "profile": f"{app}/u/{urllib.parse.quote(found['profile'])}",
            "search": f"{app}/search?q={q}",
        }
        # Each page answers and shows what it should before anything is timed.
        shown = {}
        for name, page_url in urls.items():
            page = fetch(page_url, cookie=cookie if name in MEMBER_PAGES else None)
            if name in MEMBER_PAGES:
                assert "Log out" in page, f"{name}: not logged in"
            shown[name] = len(re.findall(r'<li (?:id="p\d+" )?class="(?:post|depth)', page))
            if name == "search":
                shown[name] = page.count('class="search-result ')
        assert shown["baseline"] == shown["thread, 100 posts"] == 100, shown
        assert shown["thread, 100 posts, member"] == 100, shown
        assert shown["thread, 2000 posts"] == 100, shown
        print(f"{label}: {found['posts']:,} posts; posts on page: {shown}", file=sys.stderr)

        tmp = Path(tempfile.mkdtemp(prefix="afterward-bench-"))
        report = tmp / "report.lua"
        report.write_text(REPORT_LUA)
        member_report = tmp / "member.lua"
        member_report.write_text(f'wrk.headers["Cookie"] = "{cookie}"\n' + REPORT_LUA)
        runs: dict[str, list[dict]] = {name: [] for name in PAGES}
        checks = []
        if not args.skip_posting:
            paths = ", ".join(f'"/threads/{t}/reply"' for _, t in found["posting_threads"])
        for round_no in range(1, args.rounds + 1):
            for name, page_url in urls.items():
                script = member_report if name in MEMBER_PAGES else report
                wrk(page_url, 1, script, args.connections, args.threads)  # warm up
                result = wrk(page_url, args.duration, script, args.connections, args.threads)
                runs[name].append(result)
                print(f"round {round_no} {name:<22} {result['rps']:8.1f} req/s "
                      f"p50 {result['p50_ms']:7.1f} ms p99 {result['p99_ms']:7.1f} ms "
                      f"non2xx {result['non2xx']} errors {result['errors']}", file=sys.stderr)
            if args.skip_posting:
                continue
            run_id = f"{int(time.time())}{round_no}"
            script = tmp / f"post-{run_id}.lua"
            script.write_text(POST_LUA % {"cookie": cookie, "paths": paths,
                                          "token": urllib.parse.quote(token), "run": run_id})
            before = marker_counts(engine, found["posting_threads"], run_id)
            result = wrk(f"{app}/", args.duration, script, args.connections, args.threads)
            time.sleep(1)  # requests cut off by wrk's deadline finish on the server
            after = marker_counts(engine, found["posting_threads"], run_id)
            stored, distinct = after[0] - before[0], after[1] - before[1]
            check = {"accepted": result["accepted"], "refused": result["other"],
                     "stored": stored, "distinct": distinct,
                     "post_count_delta": after[2] - before[2],
                     "ok": stored == distinct == after[2] - before[2]
                     and result["accepted"] <= stored <= result["accepted"] + args.connections}
            checks.append(check)
            result["posts_per_s"] = result["accepted"] / args.duration
            runs["posting"].append(result)
            print(f"round {round_no} posting {result['posts_per_s']:8.1f} posts/s "
                  f"p50 {result['p50_ms']:7.1f} ms p99 {result['p99_ms']:7.1f} ms {check}",
                  file=sys.stderr)
        rss = {"app": worker_rss(app_proc.pid), "baseline": worker_rss(base_proc.pid)}
    finally:
        for proc in (app_proc, base_proc):
            proc.send_signal(signal.SIGTERM)
        for proc in (app_proc, base_proc):
            proc.wait(timeout=30)

    summary = {}
    base_rps = statistics.median(r["rps"] for r in runs["baseline"])
    for name in PAGES:
        if not runs[name]:
            continue
        med = {k: statistics.median(r[k] for r in runs[name]) for k in ("rps", "p50_ms", "p99_ms")}
        med["ratio_to_baseline"] = med["rps"] / base_rps
        if name == "posting":
            med["posts_per_s"] = statistics.median(r["posts_per_s"] for r in runs[name])
        summary[name] = med
    result = {
        "label": label, "backend": backend, "posts": found["posts"], "rounds": args.rounds,
        "wrk": f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s --latency",
        "search": args.search, "posts_on_page": shown, "summary": summary, "runs": runs,
        "posting_checks": checks, "rss_mb": rss, "loadavg_end": os.getloadavg(),
    }
    out = ROOT / "bench" / f"results-{label}.json"
    out.write_text(json.dumps(result, indent=1) + "\n")

    print(f"\n{label}: {found['posts']:,} posts, medians of {args.rounds} rounds "
          f"({result['wrk']})")
    print(f"{'page':<22} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'x baseline':>10}")
    for name, med in summary.items():
        extra = f"  ({med['posts_per_s']:.0f} posts/s)" if name == "posting" else ""
        print(f"{name:<22} {med['rps']:9.1f} {med['p50_ms']:8.1f} {med['p99_ms']:8.1f} "
              f"{med['ratio_to_baseline']:10.2f}{extra}")
    print("worker RSS MB: app " + ", ".join(f"{m:.0f}" for m in rss["app"])
          + "; baseline " + ", ".join(f"{m:.0f}" for m in rss["baseline"]))
    if checks:
        print("posting checks: " + ("all stored exactly once" if all(c["ok"] for c in checks)
                                    else f"FAILED {checks}"))
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
