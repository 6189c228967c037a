"""Lighthouse (npm `lighthouse` 12.x, against the system Chromium) over the demo site:
`python tests/browser/lighthouse.py` from the project root, after `npm ci --ignore-scripts`.

It seeds the demo content into a scratch SQLite file, serves it with gunicorn on a free
loopback port, logs a demo member in for the write page, and runs Lighthouse's accessibility,
best-practices and SEO audits on home, a story, a thread, the write page and the log-in page,
at phone (Lighthouse's default) and desktop settings. The site's promise, checked here: 100 for
accessibility and best practices everywhere, and SEO at least 95 on the public reading pages
(the log-in and write pages are kept out of search engines on purpose). Prints a table and any
audit that cost points; exit status 1 when a score is short.
"""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import socket
import subprocess  # nosec B404: runs gunicorn and Lighthouse, fixed command lines
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIGHTHOUSE = ROOT / "node_modules/.bin/lighthouse"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CATEGORIES = ("accessibility", "best-practices", "seo")
# What each page must score; the SEO floor applies to the pages search engines may index.
READING = {"accessibility": 100, "best-practices": 100, "seo": 95}
PRIVATE = {"accessibility": 100, "best-practices": 100}
MEMBER = ("maren_after", "afterward-demo-2024")
CHROME_FLAGS = ("--headless=new --no-sandbox "
                "--host-resolver-rules='MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost'")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(tmp: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp / 'demo.sqlite'}",
           "SECRET_KEY": "lighthouse-only", "SITE_URL": f"http://127.0.0.1:{port}",
           "FORM_MIN_SECONDS": "0", "RATELIMIT_ENABLED": "0", "PORT": str(port),
           "WEB_CONCURRENCY": "2"}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for args in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run([*flask, *args], cwd=ROOT, env=env, check=True,  # nosec B603
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = subprocess.Popen(  # nosec B603: fixed arguments
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)  # nosec B310
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the site did not start")


def log_in(base: str) -> str:
    """A demo member's session cookie, got through the log-in form."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(f"{base}/auth/login").read().decode()  # nosec B310: loopback
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*type="hidden"[^>]*value="([^"]*)"',
                             form))
    fields.update(re.findall(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"',
                             form))
    fields.update(login_name=MEMBER[0], password=MEMBER[1])
    opener.open(f"{base}/auth/login",  # nosec B310: loopback
                urllib.parse.urlencode(fields).encode())
    session = [c.value for c in jar if c.name == "session"]
    page = opener.open(f"{base}/stories/new").read().decode()  # nosec B310
    if not session or "Log out" not in page:
        raise SystemExit("could not log the demo member in")
    return f"session={session[0]}"


def thread_address(base: str) -> str:
    board = urllib.request.urlopen(f"{base}/boards/just-left").read().decode()  # nosec B310
    return re.search(r'href="(/threads/[^"#?]+)"', board).group(1)


def audit(url: str, desktop: bool, cookie: str | None, out: Path) -> dict:
    command = [str(LIGHTHOUSE), url, "--output=json", f"--output-path={out}", "--quiet",
               f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={CHROME_FLAGS}"]
    if desktop:
        command.append("--preset=desktop")
    if cookie:
        command.append(f"--extra-headers={json.dumps({'Cookie': cookie})}")
    subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": CHROMIUM},  # nosec B603
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    report = json.loads(out.read_text())
    scores = {name: round(category["score"] * 100)
              for name, category in report["categories"].items()}
    lost = sorted({audit_id for category in report["categories"].values()
                   for ref in category["auditRefs"] if ref["weight"]
                   for audit_id in [ref["id"]]
                   if (report["audits"][audit_id].get("score") or 0) < 1
                   and report["audits"][audit_id]["scoreDisplayMode"] in ("binary", "numeric")})
    return {"scores": scores, "lost": lost}


def main() -> int:
    if not LIGHTHOUSE.exists():
        print(f"{LIGHTHOUSE} missing: run `npm ci --ignore-scripts`", file=sys.stderr)
        return 2
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        print(f"{CHROMIUM} missing: apt-get install -y chromium", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = serve(Path(tmp), port)
        try:
            cookie = log_in(base)
            pages = [("home", "/", None, READING),
                     ("story", "/stories/growing-up-at-stillwater", None, READING),
                     ("thread", thread_address(base), None, READING),
                     ("log-in", "/auth/login", None, PRIVATE),
                     ("write", "/stories/new", cookie, PRIVATE)]
            runs = [(name, path, session, floor, desktop)
                    for name, path, session, floor in pages for desktop in (False, True)]
            # Two audits at a time, one per core: these categories do not depend on speed.
            with ThreadPoolExecutor(max_workers=2) as pool:
                results = list(pool.map(
                    lambda run: audit(base + run[1], run[4], run[2],
                                      Path(tmp) / f"report-{run[0]}-{run[4]}.json"), runs))
            short = []
            print(f"{'page':8} {'form':8} " + " ".join(f"{c:>15}" for c in CATEGORIES))
            for (name, _, _, floor, desktop), result in zip(runs, results):
                form = "desktop" if desktop else "phone"
                print(f"{name:8} {form:8} " + " ".join(
                    f"{result['scores'][c]:>15}" for c in CATEGORIES))
                misses = {c: result["scores"][c] for c, least in floor.items()
                          if result["scores"][c] < least}
                if misses:
                    short.append(f"{name} ({form}): {misses}, audits: {result['lost']}")
        finally:
            server.terminate()
            server.wait(timeout=30)
    for line in short:
        print("SHORT", line)
    return 1 if short else 0


if __name__ == "__main__":
    sys.exit(main())
