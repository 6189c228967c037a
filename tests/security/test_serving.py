"""How the site is served: gunicorn listens on loopback, and `flask run` logs no visitor."""
from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from forum import create_app
from forum.extensions import db

ROOT = Path(__file__).resolve().parents[2]
# A visitor other than the server's own address, so the banner's "127.0.0.1" is no false alarm.
VISITOR = "127.0.0.2"
VISITED = ("/robots.txt", "/stories/?after=trail-of-a-reader", "/u/Somebody-Looked-Here",
           "/groups/where-i-came-from")


def _gunicorn_bind(env: dict) -> subprocess.CompletedProcess:
    """gunicorn's own reading of gunicorn.conf.py, in exactly `env` (plus PATH)."""
    return subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--print-config", "wsgi:app"],
        cwd=ROOT, env={"PATH": os.environ.get("PATH", ""), **env},
        capture_output=True, text=True, timeout=60)


def _setting(output: str, name: str) -> str:
    return next(line.split("=", 1)[1].strip() for line in output.splitlines()
                if line.split("=", 1)[0].strip() == name)


def test_gunicorn_listens_on_loopback_unless_told_otherwise():
    site = {"SITE_URL": "https://forum.example.org"}
    default = _gunicorn_bind(site)
    assert default.returncode == 0, default.stderr
    assert _setting(default.stdout, "bind") == "['127.0.0.1:8000']"
    assert _setting(_gunicorn_bind({**site, "PORT": "9123"}).stdout, "bind") == "['127.0.0.1:9123']"
    socket_bind = _gunicorn_bind({**site, "PORT": "9123", "BIND": "unix:/run/afterward.sock"})
    assert _setting(socket_bind.stdout, "bind") == "['unix:/run/afterward.sock']"
    # The access log stays off: it would start every line with the visitor's address.
    assert _setting(default.stdout, "accesslog") == "None"


def test_gunicorn_will_not_start_without_site_url():
    refused = _gunicorn_bind({})
    assert refused.returncode != 0 and "SITE_URL is not set" in refused.stdout + refused.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _visit(port: int, method: str, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10,
                                      source_address=(VISITOR, 0))
    try:
        conn.request(method, path, body=b"" if method == "POST" else None)
        return conn.getresponse().status
    finally:
        conn.close()


@pytest.fixture
def served(tmp_path):
    """The README's `flask --app wsgi run`, on a free port, with a database of its own."""
    database = f"sqlite:///{tmp_path / 'site.sqlite'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": database})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    port = _free_port()
    log = tmp_path / "server.log"
    env = {"PATH": os.environ.get("PATH", ""), "SECRET_KEY": "served-test",
           "DATABASE_URL": database, "SITE_URL": "http://127.0.0.1:5000"}
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        for _ in range(200):
            try:
                _visit(port, "GET", "/healthz")
                break
            except OSError:
                time.sleep(0.05)
        yield port, log
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_the_development_server_logs_no_address_and_no_path(served):
    port, log = served
    statuses = [_visit(port, "GET", path) for path in VISITED]
    statuses.append(_visit(port, "POST", "/auth/login"))  # refused: no CSRF token
    assert statuses[0] == 200 and 404 in statuses and statuses[-1] == 400, statuses
    time.sleep(0.2)
    output = log.read_text()
    # Still says where it listens...
    assert f"Running on http://127.0.0.1:{port}" in output, output
    # ...and nothing about who came or what they read.
    assert VISITOR not in output, output
    for path in (*VISITED, "/healthz", "/auth/login"):
        assert path.split("?")[0] not in output and "trail-of-a-reader" not in output, output
