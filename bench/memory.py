"""A worker's memory as its caches fill: one gunicorn worker (the app's own gunicorn.conf.py,
no recycling; --workers for more) serves many different pages, and its memory is printed as it
goes: its RSS, its PSS (pages it shares with the master and the other workers counted as 1/n
for n processes) and what is its alone.

    .venv/bin/python bench/memory.py --database-url URL [--rounds 120] [--workers 1]

Each round reads one board thread as a visitor, bench_poster and bench_reader, one story as a
visitor and bench_poster, one profile and three searches: distinct pages, so the tree caches,
the member tree cache, the search cache and the frame fill up to their bounds (README, "More
app hosts"). Set TREE_CACHE_CHARS=0 and the others to see the worker without them. A database
made by bench/generate.py is needed (its two bench accounts)."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # noqa: E402  (bench/run.py: free_port, wait_for, fetch, login,
#                                  process_memory)

ROOT = Path(__file__).resolve().parent.parent
WORDS = ["elders", "meeting", "leaving", "family", "money", "doctrine", "fear", "years",
         "letter", "church", "group", "home"]


def report(pids: list[int]) -> str:
    """RSS, PSS and private memory of each process in turn, in MB."""
    each = [bench.process_memory(pid) for pid in pids]
    return "; ".join(f"RSS {m['rss']:.1f} MB, PSS {m['pss']:.1f} MB, private {m['private']:.1f} MB"
                     for m in each)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), required=False)
    parser.add_argument("--rounds", type=int, default=120)
    parser.add_argument("--workers", type=int, default=1,
                        help="each serves about its share of the rounds: give more rounds")
    args = parser.parse_args(argv)
    with create_engine(args.database_url).connect() as c:
        rows = lambda sql: [r[0] for r in c.execute(text(sql))]
        threads = rows("SELECT public_id FROM threads WHERE board_id IS NOT NULL "
                       f"AND post_count >= 60 ORDER BY id LIMIT {args.rounds}")
        stories = rows(f"SELECT slug FROM stories WHERE state = 'published' ORDER BY id "
                       f"LIMIT {args.rounds}")
        names = rows("SELECT name FROM handles WHERE kind = 'public' ORDER BY id LIMIT 60")
    port = bench.free_port()
    env = {**os.environ, "DATABASE_URL": args.database_url, "RATELIMIT_ENABLED": "0",
           "SECRET_KEY": "bench-secret-key", "WEB_CONCURRENCY": str(args.workers),
           "BIND": f"127.0.0.1:{port}", "LOG_LEVEL": "warning",
           "SITE_URL": f"http://127.0.0.1:{port}", "RATELIMIT_STORAGE_URI": "memory://",
           "GUNICORN_MAX_REQUESTS": "0"}
    master = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                               "wsgi:app"], cwd=ROOT, env=env)
    app = f"http://127.0.0.1:{port}"
    try:
        bench.wait_for(f"{app}/healthz")
        time.sleep(1)
        workers = [int(pid) for pid in subprocess.run(
            ["pgrep", "-P", str(master.pid)], capture_output=True, text=True,
            check=True).stdout.split()]
        assert len(workers) == args.workers, workers
        poster, reader = bench.login(app)[0], bench.login(app, bench.READER_LOGIN)[0]
        print(f"after logging in: {report(workers)}", flush=True)
        for i, thread in enumerate(threads):
            for cookie in (None, poster, reader):
                bench.fetch(f"{app}/threads/{thread}", cookie=cookie)
            if i < len(stories):
                for cookie in (None, poster):
                    bench.fetch(f"{app}/stories/{stories[i]}", cookie=cookie)
            if i < len(names):
                bench.fetch(f"{app}/u/{urllib.parse.quote(names[i])}",
                            cookie=poster if i % 2 else None)
            for j in range(3):
                words = f"{WORDS[i % len(WORDS)]} {WORDS[(i + j + 1) % len(WORDS)]}"
                bench.fetch(f"{app}/search?q={urllib.parse.quote_plus(words)}",
                            cookie=poster if j % 2 else None)
            if (i + 1) % 20 == 0:
                print(f"{i + 1} rounds: {report(workers)}", flush=True)
        print(f"after {len(threads)} rounds: {report(workers)}")
        print(f"the master: {report([master.pid])}")
    finally:
        master.terminate()
        master.wait()


if __name__ == "__main__":
    main()
