"""Browser tests: Playwright (pytest-playwright) driving the system Chromium against a live server.

One werkzeug server runs for the whole session; each test's own `app` (from tests/conftest.py,
with its fresh database at the session's `database_url`) is plugged into it, so the page in
the browser and the test's own queries see the same data. No browser is ever downloaded:
without /usr/bin/chromium these tests skip, and under CI=true they fail instead.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import threading
import urllib.parse
from pathlib import Path

import pytest
from playwright.sync_api import Error, expect
from werkzeug.serving import make_server

from forum import create_app
from forum.extensions import db
from tests.factories import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Keeps Chromium's own background lookups (accounts, updates) off the network: only the
# loopback server resolves (measured: without it Chromium looks up Google hosts).
CHROMIUM_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost"]
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules/axe-core/axe.min.js"
SCREENSHOTS = Path(__file__).parent / "screenshots"
PAGES = Path(__file__).parent / "pages"
HIDDEN_INPUT = re.compile(r"<input[^>]*type=\"hidden\"[^>]*>")


def _missing(msg):
    """Skip on a developer's machine; fail in CI, where a skipped browser test proves nothing."""
    if os.environ.get("CI") == "true":
        pytest.fail(msg, pytrace=False)
    pytest.skip(msg)


def require_chromium():
    if not os.path.exists(CHROMIUM):
        _missing(f"{CHROMIUM} missing: apt-get install -y chromium")


@pytest.fixture(scope="session")
def axe_source():
    """axe-core's script, from npm (package.json): `npm ci` in the project root installs it."""
    if not AXE.exists():
        _missing(f"{AXE} missing: run `npm ci` in the project root")
    return AXE.read_text()


class _CurrentApp:
    """The server's WSGI app: hands each request to the running test's app."""

    app = None

    def __call__(self, environ, start_response):
        if self.app is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"no test is running"]
        return self.app(environ, start_response)


@pytest.fixture(scope="session")
def _server():
    current = _CurrentApp()
    server = make_server("127.0.0.1", 0, current, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server, current
    server.shutdown()


@pytest.fixture(scope="session")
def base_url(_server):
    """pytest-playwright resolves page.goto("/...") against this."""
    return f"http://127.0.0.1:{_server[0].server_port}"


@pytest.fixture(autouse=True)
def live_server(_server, base_url, app):
    """Serve this test's app (and its database) at base_url for the length of the test."""
    require_chromium()
    _server[1].app = app
    yield base_url
    _server[1].app = None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    require_chromium()
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # No bypass_csp: the pages are tested under their real Content-Security-Policy.
    return {**browser_context_args, "locale": "en-GB"}


@pytest.fixture(autouse=True)
def _quick_failures(context):
    # A missing element fails in seconds, not after Playwright's default 30.
    context.set_default_timeout(5000)


@pytest.fixture(scope="session")
def _saved_pages():
    """This worker's folder for the HTML of every page the browser tests are served."""
    folder = PAGES / (os.environ.get("PYTEST_XDIST_WORKER") or "main")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder, set()


@pytest.fixture(autouse=True)
def _save_pages(context, base_url, _saved_pages):
    """Keep the HTML of each page the browser is served (error pages too), as the server sent
    it, for the Nu HTML Checker (tests/browser/check_html.py, a step of .ci/run)."""
    folder, seen = _saved_pages
    origin = urllib.parse.urlsplit(base_url)[:2]

    def save(response):
        request = response.request
        if (request.resource_type != "document"
                or urllib.parse.urlsplit(response.url)[:2] != origin
                or not response.headers.get("content-type", "").startswith("text/html")
                or 300 <= response.status < 400):
            return
        try:
            html = response.text()
        except Error:  # the page moved on before its body was read
            return
        # The same page with only its form tokens changed is checked once.
        key = hashlib.sha1(HIDDEN_INPUT.sub("", html).encode()).hexdigest()
        if key in seen:
            return
        seen.add(key)
        path = urllib.parse.urlsplit(response.url)
        name = f"{len(seen):04d}.html"
        (folder / name).write_text(html)
        with open(folder / "index.tsv", "a") as index:
            index.write(f"{name}\t{response.status}\t{path.path}"
                        f"{'?' + path.query if path.query else ''}\n")

    context.on("response", save)


@pytest.fixture(scope="session")
def _demo_database(tmp_path_factory, database_url):
    """The demo content of `flask seed-demo`, built once a session into its own SQLite file."""
    if not database_url.startswith("sqlite:///"):
        return None
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    demo = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                       "RATELIMIT_ENABLED": False})
    with demo.app_context():
        db.create_all()
        result = demo.test_cli_runner().invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
        db.engine.dispose()
    return path


@pytest.fixture
def seeded(app, _demo_database):
    """The demo site (groups, boards, people, stories, threads) in this test's database."""
    if _demo_database is None:  # PostgreSQL: seed for real
        result = app.test_cli_runner().invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
        return app
    # A copy of the demo file, page by page, is much faster than seeding again.
    with app.app_context():
        db.engine.dispose()
        target = db.engine.url.database
    source, copy = sqlite3.connect(_demo_database), sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    return app


@pytest.fixture
def offsite_requests(page, base_url):
    """Call it to get every request the page made to anywhere but the site itself."""
    seen = []
    page.on("request", lambda request: seen.append(request.url))
    origin = urllib.parse.urlsplit(base_url)[:2]
    return lambda: [u for u in seen if urllib.parse.urlsplit(u)[:2] != origin]


@pytest.fixture(scope="session")
def screenshots():
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def shoot(screenshots):
    """shoot(page, name): the page at phone and desktop width, light and dark, into
    screenshots/; nothing may push a phone screen sideways."""
    def shoot(page, name):
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            for width in (360, 1280):
                page.set_viewport_size({"width": width, "height": 800})
                # From the top: Chromium paints the sticky header where the page was scrolled
                # to (a test that scrolled to a section left a blank band mid-page), and the
                # whole page is captured whatever the scroll.
                page.evaluate("window.scrollTo(0, 0)")
                page.screenshot(path=screenshots / f"{name}-{scheme}-{width}.png", full_page=True)
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 0, f"{name} is {overflow}px too wide at {width}px"
        page.emulate_media(color_scheme="light")
        page.set_viewport_size({"width": 1280, "height": 800})
    return shoot


@pytest.fixture
def log_in():
    """Log `page` in through the form, as a person would."""
    def log_in(page, login_name, password=PASSWORD):
        page.goto("/auth/login")
        page.get_by_label("Login name").fill(login_name)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("button", name="Log out", include_hidden=True)).to_have_count(1)
    return log_in
