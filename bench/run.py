"""Load-test the site under gunicorn against a baseline, on a database bench/generate.py filled.

    python bench/run.py [--database-url URL] [--duration 10] [--rounds 3] [--label NAME]
                        [--pages NAME,NAME] [--quick] [--extra NAME=URL ...] [--skip-posting]

Starts the app (`gunicorn -c gunicorn.conf.py wsgi:app`, 2 workers, rate limits off) and the
baseline (bench/baseline.py: one query, one plain template, same 100 posts, 2 workers) on
free local ports, then runs wrk (`-t2 -c8 --latency`, a Lua done() reporter) on each page in
turn, `--rounds` times, so noise from other work on the machine spreads over every page.
Prints a table of medians and writes bench/results-<label>.json. Each page's requests/s is
also given as a ratio to the baseline's.

Pages: each read page as a visitor (not logged in) and as a member (", member"): bench_poster,
who wrote 11 of the 100 posts on the first page of the 150-post thread (one under its
pseudonym), so the page's own-post path runs. "thread, 100 posts, member, no own posts" is that
page read by bench_reader, who has none there. "notifications, member" exists for members only.
`--pages` keeps some of them (comma list of names; the baseline always runs); `--quick` is one
round of 3 s per page. `--extra NAME=URL` (repeatable) loads an outside URL in the same rounds
(FlaskBB's topic page, a hello world), reported with its ratio to the baseline like a page.

The machine's 1-minute load average is sampled every 2 s while the pages run (min / median /
max in the JSON and the printout): figures taken at a high load are not comparable. Each
worker's memory is read after all rounds: its RSS, and its PSS (pages it shares with the master
and the other worker counted in part: its share of the machine's memory, which the goal is
judged by). The rounds read few distinct pages, so the caches are far from full: bench/memory.py
fills them to their bounds.

Posting: logs in as bench_poster, takes a CSRF token and the reply form's signed "started"
field (the bot gate's fill time: a browser sends it back, at least 5 s later here), and POSTs
replies (each with a unique marker) round-robin into 50 ordinary threads. Afterwards the markers are counted
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

import threading

from bench.generate import (
    POSTER_LOGIN,
    POSTER_PASSWORD,
    READER_LOGIN,
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
    "csrf_token=%(token)s&started=%(started)s&website=&parent_id=" ..
    "&body=bench+marker+%(run)s-" .. tid .. "-" .. n)
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

# The read pages, each read by a visitor and (", member") by the logged-in bench poster.
READ_PAGES = ["home", "story index", "story, 200 comments", "thread, 100 posts",
              "thread, 2000 posts", "profile", "search", "group"]
MEMBER = ", member"
NO_OWN_POSTS = "thread, 100 posts, member, no own posts"  # read by bench_reader
PAGES = (["baseline"] + READ_PAGES + [p + MEMBER for p in READ_PAGES]
         + ["notifications" + MEMBER, NO_OWN_POSTS, "posting"])
QUICK = {"duration": 3, "rounds": 1}
# Issue 20's goals: every read page at this ratio to the baseline or better, the member's
# 100-post page at MEMBER_THREAD_RATIO; posting (PostgreSQL at 1M, 2 workers); memory.
PAGE_RATIO, MEMBER_THREAD_RATIO = 0.5, 0.6
POSTS_PER_S, MEMORY_MB = 250, 100  # MEMORY_MB: each worker's PSS
LOAD_SAMPLE_S = 2.0


def reader_of(page: str) -> str | None:
    """Who reads a page: None (a visitor), "poster" or "reader" (logged-in members)."""
    if page == NO_OWN_POSTS:
        return "reader"
    return "poster" if page.endswith(MEMBER) else None


def parse_extra(value: str) -> tuple[str, str]:
    """`NAME=URL` for --extra: an outside page loaded in the same rounds."""
    name, sep, url = value.partition("=")
    name, url = name.strip(), url.strip()
    if not sep or not name or not url:
        raise argparse.ArgumentTypeError(f"--extra wants NAME=URL, not {value!r}")
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise argparse.ArgumentTypeError(f"--extra {name}: not an http(s) URL: {url!r}")
    if name in PAGES:
        raise argparse.ArgumentTypeError(f"--extra {name}: that is one of the site's pages")
    return name, url


def parse_pages(value: str) -> list[str]:
    """`--pages home,search, member,...`: which of PAGES to run (the baseline always runs).
    "visitors" stands for every visitor page, "members" for every member page."""
    groups = {"visitors": list(READ_PAGES),
              "members": [p for p in PAGES if reader_of(p)]}
    return split_names(value, PAGES, groups)


def split_names(value: str, known, groups: dict[str, list[str]] | None = None) -> list[str]:
    """Names from a comma list whose names hold commas ("thread, 100 posts"): the pieces are
    joined back into the longest known names they make; a group's name stands for its names."""
    groups = groups or {}
    pieces = [p.strip() for p in value.split(",")]
    names, i = [], 0
    while i < len(pieces):
        for j in range(len(pieces), i, -1):
            candidate = ", ".join(pieces[i:j])
            if candidate in known or candidate in groups:
                names += groups.get(candidate, [candidate])
                i = j
                break
        else:
            if pieces[i]:
                raise argparse.ArgumentTypeError(
                    f"unknown page {pieces[i]!r}; the pages are: " + "; ".join(known)
                    + (f" (or {', '.join(groups)})" if groups else ""))
            i += 1
    return names


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--duration", type=int, help="seconds per page and round (10)")
    parser.add_argument("--rounds", type=int, help="rounds over all pages (3)")
    parser.add_argument("--quick", action="store_true",
                        help=f"a short run: {QUICK['rounds']} round of {QUICK['duration']} s "
                             "(unless --duration/--rounds say otherwise)")
    parser.add_argument("--pages", type=parse_pages,
                        help="comma list of the pages to run (the baseline always runs); "
                             "names: " + ", ".join(PAGES))
    parser.add_argument("--extra", type=parse_extra, action="append", default=[],
                        metavar="NAME=URL", help="also load this URL in every round "
                                                 "(repeatable), reported against the baseline")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--search", default="elders meeting", help="the search query")
    parser.add_argument("--label", help="results file name: bench/results-<label>.json")
    parser.add_argument("--skip-posting", action="store_true")
    args = parser.parse_args(argv)
    preset = QUICK if args.quick else {"duration": 10, "rounds": 3}
    for key, value in preset.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    pages = args.pages or list(PAGES)
    if args.skip_posting and "posting" in pages:
        pages.remove("posting")
    args.pages = ["baseline"] + [p for p in PAGES if p in pages and p != "baseline"]
    names = [name for name, _ in args.extra]
    if len(set(names)) != len(names):
        parser.error("--extra names must differ")
    return args


class LoadSampler:
    """The machine's 1-minute load average, sampled in the background while pages run."""

    def __init__(self, interval: float = LOAD_SAMPLE_S):
        self.interval, self.samples = interval, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            self.samples.append(round(os.getloadavg()[0], 2))
            if self._stop.wait(self.interval):
                return

    def start(self) -> "LoadSampler":
        self._thread.start()
        return self

    def stop(self) -> dict:
        self._stop.set()
        self._thread.join()
        return load_summary(self.samples, self.interval)


def load_summary(samples: list[float], interval: float = LOAD_SAMPLE_S) -> dict:
    return {"min": min(samples), "median": statistics.median(samples), "max": max(samples),
            "samples": len(samples), "interval_s": interval}


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
            # The accepted group with the most published stories: its page is the longest.
            "group": one(
                "SELECT g.slug FROM groups g JOIN story_groups sg ON sg.group_id = g.id "
                "JOIN stories s ON s.id = sg.story_id WHERE g.state = 'accepted' "
                "AND s.state = 'published' GROUP BY g.id, g.slug ORDER BY count(*) DESC, g.id "
                "LIMIT 1"),
        }
        # The members' own posts among the first page's 100 (any of their names).
        on_page = lambda login_name: one(
            "SELECT count(*) FROM (SELECT p.handle_id FROM posts p WHERE p.thread_id = :t "
            "ORDER BY p.path LIMIT 100) page JOIN handles h ON h.id = page.handle_id "
            "JOIN users u ON u.id = h.user_id WHERE u.login_name = :l",
            t=found["thread150"], l=login_name)
        found["poster_own_posts_on_page"] = on_page(POSTER_LOGIN)
        found["reader_own_posts_on_page"] = on_page(READER_LOGIN)
        found["reader_exists"] = bool(one("SELECT count(*) FROM users WHERE login_name = :l",
                                          l=READER_LOGIN))
        found["poster_notifications"] = one(
            "SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id "
            "WHERE u.login_name = :l", l=POSTER_LOGIN)
    missing = [k for k in ("posts", "story200", "thread150", "thread150_page",
                           "thread2000_page", "profile", "posting_threads", "group")
               if not found[k]]
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


def login(base: str, login_name: str = POSTER_LOGIN) -> tuple[str, str]:
    """Log in as a bench account; the Cookie header and a CSRF token for its forms."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    token = lambda page: re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({
        "login_name": login_name, "password": POSTER_PASSWORD,
        "csrf_token": token(fetch(f"{base}/auth/login", opener))}).encode()
    with opener.open(f"{base}/auth/login", data=form, timeout=30) as r:
        if "/auth/login" in r.geturl():
            raise SystemExit(f"could not log in as {login_name}")
    csrf = token(fetch(f"{base}/", opener))
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, csrf


def renewed(url: str, cookie: str) -> str:
    """`cookie` after reading `url` with it: the site sends a newly signed session cookie
    once a minute has passed since it last saw the login (forum/auth/service.py)."""
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=30) as response:
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            if name == "session":
                value = rest.split(";", 1)[0]
                cookie = re.sub(r"(^|; )session=[^;]*",
                                lambda m: f"{m.group(1)}session={value}", cookie)
    return cookie


def form_started(base: str, cookie: str, path: str) -> tuple[str, float]:
    """The signed "started" field of the reply form at `path`, as a browser sends it back
    (forum/gates.py), and when it was shown: without it every post meets the bot gate's
    refusal path (only an established account gets through, after a query of its own)."""
    page = fetch(f"{base}{path}", cookie=cookie)
    return re.search(r'name="started"[^>]*value="([^"]+)"', page).group(1), time.monotonic()


def process_memory(pid: int) -> dict[str, float]:
    """A process's resident memory (RSS), its share of the pages it shares with others, such
    as gunicorn's master, counted as 1/n for n processes (PSS), and what is its alone
    (private), in MB, from /proc/PID/smaps_rollup."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        fields[name] = int(value.split()[0]) / 1024
    return {"rss": fields["Rss"], "pss": fields["Pss"],
            "private": fields["Private_Clean"] + fields["Private_Dirty"]}


def workers_memory(master_pid: int) -> list[dict[str, float]]:
    """process_memory of each of a gunicorn master's workers."""
    out = subprocess.run(["pgrep", "-P", str(master_pid)],
                         capture_output=True, text=True, check=False).stdout.split()
    return [process_memory(int(pid)) for pid in out]


def refresh_statistics(engine) -> None:
    """After a posting round, what autovacuum's ANALYZE does on a live site (and SQLite's
    planner needs no statistics for): a round adds tens of thousands of posts and
    notifications, and on a server with autovacuum off (as here: `SHOW autovacuum`) the
    planner would go on reading the tables as generate.py left them, and pick plans for
    the notifications of a few hundred rows (measured: the unread count took 12 ms instead of
    0.5 at 1M, which capped every member page at 0.12 of the baseline)."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as c:
        c.exec_driver_sql("ANALYZE posts, threads, notifications, follows")
        c.commit()


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


YOU_BADGE = '<span class="badge">you</span>'


def look(urls: dict, sessions: dict, extras: dict) -> tuple[dict, dict]:
    """Fetch every page once as its reader: the posts (search results, notifications) each
    lists, and the "you" badges on each thread page of 100 posts."""
    shown, badges = {}, {}
    for name, page_url in urls.items():
        who = reader_of(name) if name not in extras else None
        try:
            page = fetch(page_url, cookie=sessions[who][0])
        except OSError as error:
            raise SystemExit(f"{name}: {page_url} did not answer: {error}") from None
        if who:
            assert "Log out" in page, f"{name}: not logged in"
        shown[name] = len(re.findall(r'<li (?:id="p\d+" )?class="(?:post|depth)', page))
        if name.startswith("search"):
            shown[name] = page.count('class="search-result ')
        if name.startswith("notifications"):
            shown[name] = page.count('class="card notification')
        if name.startswith("thread, 100 posts"):
            badges[name] = page.count(YOU_BADGE)
    return shown, badges


def check_badges(badges: dict, own: int, when: str) -> None:
    """The 100-post page shows the poster a "you" badge on each of its own posts and nobody
    else any: a member cache serving one reader's page to another would fail here."""
    expected = {"thread, 100 posts": 0, "thread, 100 posts" + MEMBER: own, NO_OWN_POSTS: 0}
    wrong = {name: (badges[name], want) for name, want in expected.items()
             if name in badges and badges[name] != want}
    if wrong:
        raise SystemExit(f"'you' badges {when} (shown, expected): {wrong}")


def page_urls(app: str, found: dict, search: str) -> dict[str, str]:
    """Every page's URL; a member page is its visitor page's URL read with a session."""
    q = urllib.parse.quote_plus(search)
    visitor = {
        "home": "/",
        "story index": "/stories/",
        "story, 200 comments": f"/stories/{found['story200']}",
        "thread, 100 posts": f"/threads/{found['thread150_page']}",
        "thread, 2000 posts": f"/threads/{found['thread2000_page']}",
        "profile": f"/u/{urllib.parse.quote(found['profile'])}",
        "search": f"/search?q={q}",
        "group": f"/groups/{urllib.parse.quote(found['group'])}",
    }
    urls = {name: app + path for name, path in visitor.items()}
    urls.update({name + MEMBER: app + path for name, path in visitor.items()})
    urls["notifications" + MEMBER] = f"{app}/notifications"
    urls[NO_OWN_POSTS] = urls["thread, 100 posts"]
    return urls


def summarise(runs: dict[str, list[dict]], order: list[str]) -> dict:
    """Medians per page, each with its requests/s as a ratio to the baseline's."""
    summary = {}
    base_rps = statistics.median(r["rps"] for r in runs["baseline"])
    for name in order:
        if not runs.get(name):
            continue
        med = {k: statistics.median(r[k] for r in runs[name]) for k in ("rps", "p50_ms", "p99_ms")}
        med["ratio_to_baseline"] = med["rps"] / base_rps
        if name == "posting":
            med["posts_per_s"] = statistics.median(r["posts_per_s"] for r in runs[name])
        summary[name] = med
    return summary


def goals(result: dict) -> dict:
    """Which of issue 20's goals this run misses (an empty list: none)."""
    summary, extras = result["summary"], set(result.get("extras", {}))
    slow = {}
    for name, med in summary.items():
        if name in extras or name in ("baseline", "posting"):
            continue
        member_thread = name in ("thread, 100 posts" + MEMBER, NO_OWN_POSTS)
        want = MEMBER_THREAD_RATIO if member_thread else PAGE_RATIO
        if med["ratio_to_baseline"] < want:
            slow[name] = f"{med['ratio_to_baseline']:.2f} < {want}"
    posting = summary.get("posting")
    # Judged by each worker's share (PSS) where the run read it; older files have RSS only.
    memory = result.get("pss_mb", result["rss_mb"])["app"]
    return {"pages_below_goal": slow,
            "posting_below_goal": bool(posting and posting_judged(result)
                                       and posting["posts_per_s"] < POSTS_PER_S),
            "memory_over_goal": bool(memory and max(memory) >= MEMORY_MB)}


def posting_judged(result: dict) -> bool:
    """Whether the run's database is the one posting's goal is set for: PostgreSQL, 1M posts
    (bench/generate.py's 1,000,000 and whatever earlier rounds added)."""
    return result["backend"] == "postgresql" and result["posts"] >= 1_000_000


def loadavg_line(load: dict) -> str:
    """The printout's line for the load average sampled during the rounds (LoadSampler)."""
    return (f"load average during the run: min {load['min']:.2f}, median "
            f"{load['median']:.2f}, max {load['max']:.2f} ({load['samples']} samples)")


def posting_checks_line(checks: list[dict]) -> str:
    """The printout's line for the posting checks: every accepted post stored exactly once."""
    return "posting checks: " + ("every accepted post stored exactly once"
                                 if all(c["ok"] for c in checks) else f"FAILED {checks}")


def report_lines(result: dict) -> list[str]:
    """The printout of one run: medians, load average, memory, posting checks."""
    lines = [f"{result['label']}: {result['posts']:,} posts, medians of {result['rounds']} "
             f"rounds ({result['wrk']})"]
    who = result.get("members", {})
    if who:
        lines.append(f"member pages read by {who.get('poster')} "
                     f"({who.get('poster_own_posts_on_page')} own posts on the 100-post page)"
                     + (f"; '{NO_OWN_POSTS}' by {who['reader']}" if who.get("reader") else ""))
    lines.append(f"{'page':<40} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'x baseline':>10}")
    extras = set(result.get("extras", {}))
    for name, med in result["summary"].items():
        note = f"  ({med['posts_per_s']:.0f} posts/s)" if name == "posting" else ""
        note += f"  (extra: {result['extras'][name]})" if name in extras else ""
        lines.append(f"{name:<40} {med['rps']:9.1f} {med['p50_ms']:8.1f} {med['p99_ms']:8.1f} "
                     f"{med['ratio_to_baseline']:10.2f}{note}")
    if result.get("loadavg"):
        lines.append(loadavg_line(result["loadavg"]))
    rss, pss = result["rss_mb"], result.get("pss_mb")
    lines.append("worker RSS MB after all rounds: app " + ", ".join(f"{m:.0f}" for m in rss["app"])
                 + "; baseline " + ", ".join(f"{m:.0f}" for m in rss["baseline"]))
    if pss:
        lines.append("worker PSS MB after all rounds: app "
                     + ", ".join(f"{m:.0f}" for m in pss["app"])
                     + "; baseline " + ", ".join(f"{m:.0f}" for m in pss["baseline"])
                     + " (caches as these rounds left them: bench/memory.py fills them)")
    missed = goals(result)
    lines.append("goals: " + (f"pages below goal {missed['pages_below_goal']}"
                              if missed["pages_below_goal"] else
                              f"every page at {PAGE_RATIO} or better (member's thread page "
                              f"{MEMBER_THREAD_RATIO})"))
    if "posting" in result["summary"]:
        rate = result["summary"]["posting"]["posts_per_s"]
        verdict = ("not judged on this database" if not posting_judged(result)
                   else "below" if missed["posting_below_goal"] else "met")
        lines.append(f"posting {rate:.0f} posts/s (goal {POSTS_PER_S} on PostgreSQL at 1M): "
                     + verdict)
    lines.append(f"worker memory goal under {MEMORY_MB} MB "
                 + ("(PSS)" if pss else "(RSS: this file has no PSS)") + ": "
                 + ("over" if missed["memory_over_goal"] else "met"))
    if result.get("posting_checks"):
        lines.append(posting_checks_line(result["posting_checks"]))
    return lines


def main(argv=None) -> None:
    args = parse_args(argv)
    if not args.database_url:
        raise SystemExit("--database-url (or DATABASE_URL) is required")
    url = make_url(args.database_url)
    backend = "postgresql" if url.get_backend_name().startswith("postgresql") else "sqlite"
    engine = create_engine(args.database_url)
    found = targets(engine)
    label = args.label or f"{backend}-{found['posts'] // 1000}k"
    pages = list(args.pages)
    if NO_OWN_POSTS in pages and not found["reader_exists"]:
        print(f"warning: no {READER_LOGIN} account (a database from before it): "
              f"'{NO_OWN_POSTS}' skipped; regenerate with bench/generate.py", file=sys.stderr)
        pages.remove(NO_OWN_POSTS)
    if any(reader_of(p) for p in pages):
        if not found["poster_own_posts_on_page"]:
            print(f"warning: {POSTER_LOGIN} has no post on the 100-post page, so the member "
                  "pages do not run the own-post path; regenerate with bench/generate.py",
                  file=sys.stderr)
        if "notifications" + MEMBER in pages and not found["poster_notifications"]:
            print(f"warning: {POSTER_LOGIN} has no notifications: the notifications page is "
                  "empty; regenerate with bench/generate.py", file=sys.stderr)
        if found["reader_own_posts_on_page"]:
            raise SystemExit(f"{READER_LOGIN} has posts on the 100-post page")

    app_port, base_port = free_port(), free_port()
    env = {**os.environ, "DATABASE_URL": args.database_url, "RATELIMIT_ENABLED": "0",
           "SECRET_KEY": "bench-secret-key", "WEB_CONCURRENCY": "2",
           "BIND": f"127.0.0.1:{app_port}", "LOG_LEVEL": "warning",
           "SITE_URL": f"http://127.0.0.1:{app_port}",  # required with DATABASE_URL set
           "RATELIMIT_STORAGE_URI": "memory://",
           "BASELINE_DATABASE_URL": args.database_url,
           "BASELINE_THREAD_ID": str(found["thread150"]),
           # No worker is recycled during the run (gunicorn.conf.py recycles one every
           # ~100,000 requests, about once a run): the memory read after all rounds is then
           # that of workers that served every request of it.
           "GUNICORN_MAX_REQUESTS": "0"}
    gunicorn = [sys.executable, "-m", "gunicorn"]
    app_proc = subprocess.Popen(gunicorn + ["-c", "gunicorn.conf.py", "wsgi:app"],
                                cwd=ROOT, env=env)
    base_proc = subprocess.Popen(gunicorn + ["-w", "2", "-b", f"127.0.0.1:{base_port}",
                                             "--log-level", "warning", "bench.baseline:app"],
                                 cwd=ROOT, env=env)
    app, base = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{base_port}"
    extras = dict(args.extra)
    sampler = None
    try:
        wait_for(f"{app}/healthz")
        wait_for(f"{base}/")
        sessions = {None: (None, None), "poster": login(app)}
        if NO_OWN_POSTS in pages:
            sessions["reader"] = login(app, READER_LOGIN)
        cookie, token = sessions["poster"]
        every = {"baseline": f"{base}/", **page_urls(app, found, args.search)}
        urls = {name: every[name] for name in pages if name != "posting"}
        urls.update(extras)
        # Each page answers and shows what it should before anything is timed.
        shown, badges = look(urls, sessions, extras)
        for name in ("baseline", "thread, 100 posts", "thread, 100 posts" + MEMBER,
                     NO_OWN_POSTS, "thread, 2000 posts", "thread, 2000 posts" + MEMBER):
            assert shown.get(name, 100) == 100, (name, shown)
        if "notifications" + MEMBER in shown and found["poster_notifications"]:
            assert shown["notifications" + MEMBER] > 0, "the notifications page lists nothing"
        check_badges(badges, found["poster_own_posts_on_page"], "before the rounds")
        print(f"{label}: {found['posts']:,} posts; posts on page: {shown}; "
              f"'you' badges: {badges}", file=sys.stderr)

        tmp = Path(tempfile.mkdtemp(prefix="afterward-bench-"))
        scripts = {who: tmp / f"report-{who or 'visitor'}.lua" for who in sessions}

        def write_script(who):
            session_cookie = sessions[who][0]
            scripts[who].write_text(
                (f'wrk.headers["Cookie"] = "{session_cookie}"\n' if session_cookie else "")
                + REPORT_LUA)

        for who in sessions:
            write_script(who)
        order = [p for p in pages if p != "posting"] + list(extras) + (
            ["posting"] if "posting" in pages else [])
        runs: dict[str, list[dict]] = {name: [] for name in order}
        checks = []
        if "posting" in pages:
            paths = ", ".join(f'"/threads/{t}/reply"' for _, t in found["posting_threads"])
            started, shown_at = form_started(
                app, cookie, f"/threads/{found['posting_threads'][0][1]}/reply")
        sampler = LoadSampler().start()
        for round_no in range(1, args.rounds + 1):
            for name, page_url in urls.items():
                who = reader_of(name) if name not in extras else None
                if who is not None:
                    # As a browser does, the next requests send the cookie the site last
                    # sent: a fixed cookie would be signed again on every request once the
                    # minute it was issued in has passed.
                    sessions[who] = (renewed(page_url, sessions[who][0]), sessions[who][1])
                    write_script(who)
                script = scripts[who]
                wrk(page_url, 1, script, args.connections, args.threads)  # warm up
                result = wrk(page_url, args.duration, script, args.connections, args.threads)
                runs[name].append(result)
                print(f"round {round_no} {name:<40} {result['rps']:8.1f} req/s "
                      f"p50 {result['p50_ms']:7.1f} ms p99 {result['p99_ms']:7.1f} ms "
                      f"non2xx {result['non2xx']} errors {result['errors']}", file=sys.stderr)
            if "posting" not in pages:
                continue
            run_id = f"{int(time.time())}{round_no}"
            script = tmp / f"post-{run_id}.lua"
            cookie = renewed(f"{app}/", sessions["poster"][0])
            sessions["poster"] = (cookie, token)
            script.write_text(POST_LUA % {"cookie": cookie, "paths": paths,
                                          "token": urllib.parse.quote(token), "run": run_id,
                                          "started": urllib.parse.quote(started)})
            # A person takes longer than the app's FORM_MIN_SECONDS (3) to write a reply.
            time.sleep(max(0.0, shown_at + 5 - time.monotonic()))
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
            refresh_statistics(engine)
        load = sampler.stop()
        # Again with the caches full: nobody is shown another reader's "you" badges.
        _, badges_after = look(urls, sessions, extras)
        check_badges(badges_after, found["poster_own_posts_on_page"], "after the rounds")
        # After all rounds: every page has run, so the workers' caches are as full as the
        # run makes them.
        memory = {"app": workers_memory(app_proc.pid),
                  "baseline": workers_memory(base_proc.pid)}
    finally:
        if sampler is not None and not sampler._stop.is_set():
            sampler.stop()
        for proc in (app_proc, base_proc):
            proc.send_signal(signal.SIGTERM)
        for proc in (app_proc, base_proc):
            proc.wait(timeout=30)

    result = {
        "label": label, "backend": backend, "posts": found["posts"], "rounds": args.rounds,
        "wrk": f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s --latency",
        "search": args.search, "posts_on_page": shown,
        "members": {"poster": POSTER_LOGIN,
                    "poster_own_posts_on_page": found["poster_own_posts_on_page"],
                    "poster_notifications": found["poster_notifications"],
                    "reader": READER_LOGIN if NO_OWN_POSTS in pages else None},
        "extras": extras, "summary": summarise(runs, order), "runs": runs,
        "posting_checks": checks, "rss_measured": "after all rounds",
        **{f"{kind}_mb": {side: [m[kind] for m in memory[side]] for side in memory}
           for kind in ("rss", "pss", "private")},
        "loadavg": load, "loadavg_end": os.getloadavg(),
    }
    result["goals"] = goals(result)
    out = ROOT / "bench" / f"results-{label}.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    print()
    print("\n".join(report_lines(result)))
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
