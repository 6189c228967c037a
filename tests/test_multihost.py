"""Two app hosts behind HAProxy, sharing one PostgreSQL and one Redis.

Two independent gunicorn instances (separate process groups and ports on 127.0.0.1, two
workers each) stand in for two hosts; HAProxy runs deploy/haproxy.cfg, the documented
production example, with only its addresses, ports, certificate and log target substituted
(and, for the tests alone, a response header naming the host that answered). Clients speak
HTTPS to the balancer from addresses of their own on the loopback network (127.0.0.x), as
visitors on different networks would.

Needs TEST_DATABASE_URL and TEST_REDIS_URL (skipped without them; CI runs it in its step on
PostgreSQL + Redis) and Debian's haproxy (skipped without it, failed under CI=true).
"""
from __future__ import annotations

import http.client
import itertools
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from forum import create_app, ratelimit
from forum.clock import utcnow
from forum.extensions import db
from forum.models import Post, PostReaction
from tests.conftest import CSRF_RE, _fresh_postgresql_database, free_port
from tests.factories import PASSWORD, make_board, make_reply, make_thread, make_user

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "deploy" / "haproxy.cfg"
DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
HAPROXY = shutil.which("haproxy") or next(
    (p for p in ("/usr/sbin/haproxy",) if os.path.exists(p)), None)

# Small limits on the test hosts, so that they are reached quickly.
FIRST_DAY_REPLIES = 4      # replies on an account's first day
ADDRESS_TOPICS = 3         # threads and stories a day from one network address

pytestmark = pytest.mark.skipif(
    not (DATABASE_URL.startswith("postgresql") and REDIS_URL),
    reason="two hosts share PostgreSQL and Redis: set TEST_DATABASE_URL and TEST_REDIS_URL")


def _require_haproxy() -> None:
    if HAPROXY is None:
        message = "haproxy is not installed: apt-get install -y haproxy"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def render(shipped: str, *, lb_port: int, http_port: int, hosts: dict[str, int], pem: Path,
           admin: Path) -> str:
    """deploy/haproxy.cfg with this machine's ports and certificate. Each line replaced must be
    found exactly once, so the file tested is the file shipped."""
    swaps = [
        ("    log /dev/log local0 notice\n", "    log stderr format raw local0 notice\n"),
        ("    chroot /var/lib/haproxy\n", ""),
        ("    user haproxy\n", ""),
        ("    group haproxy\n", ""),
        ("stats socket /run/haproxy/admin.sock", f"stats socket {admin}"),
        ("    bind :80\n", f"    bind 127.0.0.1:{http_port}\n"),
        ("bind :443 ssl crt /etc/haproxy/certs/forum.example.org.pem",
         f"bind 127.0.0.1:{lb_port} ssl crt {pem}"),
        ("hdr Host forum.example.org", "hdr Host localhost"),
        ("    server a 10.0.0.11:8000\n", f"    server a 127.0.0.1:{hosts['a']}\n"),
        ("    server b 10.0.0.12:8000\n", f"    server b 127.0.0.1:{hosts['b']}\n"),
        # For the tests only: say which host answered.
        ("\nbackend afterward\n",
         "\nbackend afterward\n    http-response set-header X-Served-By %[srv_name]\n"),
    ]
    text = shipped
    for old, new in swaps:
        assert text.count(old) == 1, f"deploy/haproxy.cfg no longer has {old!r} exactly once"
        text = text.replace(old, new)
    return text


class Response:
    def __init__(self, status: int, headers, body: str):
        self.status, self.headers, self.text = status, headers, body

    @property
    def served_by(self) -> str | None:
        return self.headers.get("X-Served-By")


class Client:
    """One visitor: their own cookies, their own network address (a loopback address of
    their own), speaking HTTPS to the balancer, or plain HTTP to one host directly."""

    def __init__(self, cluster: "Cluster", source: str):
        self.cluster, self.source = cluster, source
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict | None = None, *,
                host: str | None = None, headers: dict | None = None) -> Response:
        if host is None:
            conn = http.client.HTTPSConnection(
                "localhost", self.cluster.lb_port, context=self.cluster.tls,
                source_address=(self.source, 0), timeout=30)
        else:
            conn = http.client.HTTPConnection(
                "127.0.0.1", self.cluster.hosts[host].port, source_address=(self.source, 0),
                timeout=30)
        sent = {"Host": "localhost", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=sent)
            answer = conn.getresponse()
            text = answer.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for line in answer.headers.get_all("Set-Cookie") or []:
            pair = line.split(";", 1)[0]
            name, _, value = pair.partition("=")
            if "max-age=0" in line.lower() or "expires=thu, 01 jan 1970" in line.lower():
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value.strip()
        return Response(answer.status, answer.headers, text)

    def get(self, path: str, **kw) -> Response:
        return self.request("GET", path, **kw)

    def token(self, path: str) -> str:
        page = self.get(path)
        match = CSRF_RE.search(page.text)
        assert match, f"no form on {path}: {page.status}"
        return match.group(1)

    def submit(self, form: str, data: dict, action: str | None = None, **kw) -> Response:
        return self.request("POST", action or form, {**data, "csrf_token": self.token(form)}, **kw)

    def login(self, login_name: str) -> Response:
        answer = self.submit("/auth/login", {"login_name": login_name, "password": PASSWORD})
        assert answer.status == 302, answer.text[:500]
        return answer


class Host:
    """One gunicorn instance, in a process group of its own (its master and its workers)."""

    def __init__(self, name: str, port: int, env: dict, log: Path):
        self.name, self.port, self.env, self.log = name, port, env, log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                cwd=ROOT, env={**self.env, "PORT": str(self.port)}, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_healthy(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.running, f"host {self.name} exited: {self.log.read_text()[-2000:]}"
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz", headers={"Host": "localhost"})
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"host {self.name} did not answer: {self.log.read_text()[-2000:]}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """SIGTERM to the master (gunicorn's graceful stop), or SIGKILL to the whole group
        (the host dies: master and workers at once)."""
        if not self.running:
            return
        if sig == signal.SIGKILL:
            os.killpg(self.process.pid, signal.SIGKILL)
        else:
            self.process.send_signal(sig)

    def wait_stopped(self, seconds: float = 40) -> None:
        """Until the host is gone: its master has exited, and no process of it still holds
        the listening socket. (A killed master exits before its killed workers finish dying;
        until the last one has, the kernel still completes connections to the port, which
        the dying worker then drops: the balancer's 502, not a refused connection it would
        have tried on the other host.)"""
        self.process.wait(timeout=seconds)
        try:  # workers left behind by a killed master end too
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            except ConnectionRefusedError:
                return
            assert time.monotonic() < deadline, f"host {self.name} still listens after 10 s"
            time.sleep(0.005)


class Cluster:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.lb_port, self.http_port = free_port(), free_port()
        self.hosts: dict[str, Host] = {}
        self.balancer: subprocess.Popen | None = None
        self.sources = (f"127.0.0.{n}" for n in itertools.count(10))
        cert, key = tmp / "cert.pem", tmp / "key.pem"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                        "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
        self.pem = tmp / "localhost.pem"
        self.pem.write_bytes(cert.read_bytes() + key.read_bytes())
        self.tls = ssl.create_default_context(cafile=str(cert))
        self.admin = tmp / "admin.sock"

    def runtime(self, command: str) -> str:
        """One command to HAProxy's runtime API, as `socat stdio /run/haproxy/admin.sock` would."""
        with socket.socket(socket.AF_UNIX) as api:
            api.connect(str(self.admin))
            api.sendall(command.encode() + b"\n")
            return b"".join(iter(lambda: api.recv(4096), b"")).decode()

    def client(self) -> Client:
        """A visitor from a network address no other visitor of this run has."""
        return Client(self, next(self.sources))

    def start_balancer(self) -> None:
        config = self.tmp / "haproxy.cfg"
        config.write_text(render(SHIPPED.read_text(), lb_port=self.lb_port,
                                 http_port=self.http_port, pem=self.pem, admin=self.admin,
                                 hosts={name: h.port for name, h in self.hosts.items()}))
        check = subprocess.run([HAPROXY, "-c", "-f", str(config)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        self.balancer_log = self.tmp / "haproxy.log"
        with open(self.balancer_log, "ab") as out:
            self.balancer = subprocess.Popen([HAPROXY, "-db", "-f", str(config)], stdout=out,
                                             stderr=subprocess.STDOUT)

    def wait_both_serving(self, seconds: float = 20) -> None:
        """Until the balancer has sent requests to both hosts (each has passed its checks)."""
        probe, seen = self.client(), set()
        deadline = time.monotonic() + seconds
        while seen != {"a", "b"}:
            assert time.monotonic() < deadline, f"balancer served only {seen}"
            try:
                seen.add(probe.get("/healthz").served_by)
            except OSError:
                pass
            seen.discard(None)
            time.sleep(0.05)

    def ensure_up(self) -> None:
        restarted = [h for h in self.hosts.values() if not h.running]
        for host in restarted:
            host.start()
        for host in restarted:
            host.wait_healthy()
        for name in self.hosts:
            assert self.runtime(f"set server afterward/{name} state ready").strip() == ""
        self.wait_both_serving()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    _require_haproxy()
    import redis
    url = make_url(DATABASE_URL)
    url = url.set(database=f"{url.database}_hosts").render_as_string(hide_password=False)
    _fresh_postgresql_database(url)
    tmp = tmp_path_factory.mktemp("hosts")
    env = {**os.environ, "DATABASE_URL": url, "RATELIMIT_STORAGE_URI": REDIS_URL,
           "SITE_URL": "https://localhost", "SECRET_KEY": "shared-by-both-hosts",
           "TRUSTED_PROXIES": "1", "SECURE_COOKIES": "1", "WEB_CONCURRENCY": "2",
           # Workers wake this often when idle: a stopped host is gone sooner.
           "GUNICORN_TIMEOUT": "6",
           "PASSWORD_HASH_METHOD": "scrypt:256:8:1",
           "POST_INTERVAL": "0", "NEW_POST_INTERVAL": "0", "FORM_MIN_SECONDS": "0",
           "DUPLICATE_WINDOW": "0", "APPROVE_FIRST_POSTS": "0",
           "FIRST_DAY_REPLIES": str(FIRST_DAY_REPLIES),
           "ADDRESS_TOPICS_PER_DAY": str(ADDRESS_TOPICS)}
    for name in ("TEST_DATABASE_URL", "TEST_REDIS_URL", "PYTEST_XDIST_WORKER"):
        env.pop(name, None)
    helper = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url,
                         "RATELIMIT_STORAGE_URI": "memory://", "SITE_URL": "http://localhost",
                         "PASSWORD_HASH_METHOD": "scrypt:256:8:1", "APPROVE_FIRST_POSTS": 0})
    with helper.app_context():
        db.create_all()
    made = Cluster(tmp)
    made.helper = helper
    made.redis = redis.Redis.from_url(REDIS_URL)
    for name in ("a", "b"):
        made.hosts[name] = Host(name, free_port(), env, tmp / f"host-{name}.log")
    try:
        for host in made.hosts.values():
            host.start()
        for host in made.hosts.values():
            host.wait_healthy()
        made.start_balancer()
        made.wait_both_serving()
        yield made
    finally:
        if made.balancer is not None:
            made.balancer.terminate()
            made.balancer.wait(timeout=10)
        for host in made.hosts.values():
            host.stop(signal.SIGKILL)
            if host.process is not None:
                host.wait_stopped()
        with helper.app_context():
            db.session.remove()
            db.engine.dispose()
        _drop(url)


def _drop(url: str) -> None:
    from sqlalchemy import create_engine, text
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def hosts(cluster):
    """Both hosts up and served, rate-limit counters empty."""
    cluster.ensure_up()
    cluster.redis.flushdb()
    return cluster


_names = itertools.count(1)


def seed(cluster, build):
    """Run build() in an app context on the hosts' database, limits lifted; return its result."""
    with cluster.helper.app_context(), ratelimit.lifted():
        try:
            return build()
        finally:
            db.session.remove()


def scene(cluster, *, writer_age=timedelta(days=40), replies=2):
    """A board, a thread with a few replies, and its writer (who can log in)."""
    n = next(_names)

    def build():
        writer = make_user(f"writer{n}", f"Writer {n}", created_at=utcnow() - writer_age)
        board = make_board(f"Board {n}", slug=f"board-{n}")
        thread = make_thread(writer, board, title=f"Thread {n}", body=f"Opening words {n}")
        posts = [make_reply(writer, thread, body=f"Reply {i} of thread {n}").public_id
                 for i in range(replies)]
        return {"login": writer.login_name, "thread": thread.public_id, "thread_id": thread.id,
                "board": board.slug, "posts": posts, "n": n}
    return seed(cluster, build)


def bodies(cluster, thread_id: int) -> list[str]:
    return seed(cluster, lambda: db.session.scalars(
        select(Post.body).where(Post.thread_id == thread_id)).all())


def logged_in(page: Response) -> bool:
    return 'action="/auth/logout"' in page.text


def test_the_shipped_configuration_is_what_runs(hosts):
    """Both hosts serve through the balancer, round robin, over TLS; plain HTTP is sent to
    HTTPS; and the rendered file changed nothing but addresses, ports and the test header."""
    visitor = hosts.client()
    served = [visitor.get("/").served_by for _ in range(6)]
    assert set(served) == {"a", "b"}, served
    plain = http.client.HTTPConnection("127.0.0.1", hosts.http_port, timeout=5)
    plain.request("GET", "/", headers={"Host": "localhost"})
    redirect = plain.getresponse()
    assert redirect.status == 301 and redirect.getheader("Location").startswith("https://")
    rendered = (hosts.tmp / "haproxy.cfg").read_text()
    for line in ("balance roundrobin", "option redispatch 1", "retry-on conn-failure",
                 "http-request set-header X-Forwarded-For %[src]"):
        assert line in rendered


def test_a_member_logged_in_on_one_host_stays_logged_in_on_the_other(hosts):
    where = scene(hosts)
    member = hosts.client()
    answer = member.login(where["login"])
    first = answer.served_by
    assert first in ("a", "b")
    # Through the balancer: pages answered by both hosts show the member logged in.
    seen = {}
    for _ in range(6):
        page = member.get("/")
        seen.setdefault(page.served_by, []).append(logged_in(page))
    assert set(seen) == {"a", "b"} and all(all(v) for v in seen.values()), seen
    # And asking each host directly, with the cookie the other host set.
    other = "b" if first == "a" else "a"
    assert logged_in(member.get("/", host=other)) and logged_in(member.get("/", host=first))
    # A form read on one host is accepted by the other: the same SECRET_KEY signs both.
    token = member.token(f"/threads/{where['thread']}/reply")
    for name in ("a", "b"):
        posted = member.request("POST", f"/threads/{where['thread']}/reply",
                                {"body": f"Through host {name}", "csrf_token": token},
                                host=name, headers={"X-Forwarded-Proto": "https"})
        assert posted.status == 302, posted.text[:300]
    assert {"Through host a", "Through host b"} <= set(bodies(hosts, where["thread_id"]))
    # A stranger's cookie-less request is not logged in on either host.
    assert not logged_in(hosts.client().get("/", host=other))


def test_a_rate_limit_holds_across_both_hosts(hosts):
    """N+1 replies at once by an account on its first day, limit N: exactly N stored."""
    where = scene(hosts, writer_age=timedelta(hours=1), replies=0)
    writer = hosts.client()
    writer.login(where["login"])
    # The session's CSRF secret is made by the first form read after logging in.
    token = writer.token(f"/threads/{where['thread']}/reply")
    results: list[Response] = []
    start = threading.Barrier(FIRST_DAY_REPLIES + 1)

    def send(i: int) -> None:
        start.wait()
        results.append(writer.request("POST", f"/threads/{where['thread']}/reply",
                                      {"body": f"At once {i}", "csrf_token": token}))

    racers = [threading.Thread(target=send, args=(i,)) for i in range(FIRST_DAY_REPLIES + 1)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    assert sorted(r.status for r in results) == [302] * FIRST_DAY_REPLIES + [429], \
        [(r.status, r.text[:200]) for r in results]
    assert {r.served_by for r in results} == {"a", "b"}, "both hosts should have answered"
    stored = [b for b in bodies(hosts, where["thread_id"]) if b.startswith("At once")]
    assert len(stored) == FIRST_DAY_REPLIES


def test_one_member_pressing_support_through_both_hosts_at_once_counts_once(hosts):
    """Quiet support (forum/reactions/) pressed by the same member from two tabs at the same
    moment, one request on each host (four workers, one database): ten times on and off,
    the number under the post is always the number of people, never more."""
    where = scene(hosts, replies=1)
    reader = hosts.client()
    reader.login(_member(hosts, f"supporter{where['n']}"))
    token = reader.token(f"/threads/{where['thread']}")
    action = f"/posts/{where['posts'][0]}/react/thanks"
    for round_ in range(10):
        on = "1" if round_ % 2 == 0 else "0"
        start, results = threading.Barrier(2), []

        def press(host: str) -> None:
            start.wait()
            results.append(reader.request("POST", action, {"on": on, "csrf_token": token},
                                          host=host, headers={"X-Forwarded-Proto": "https"}))

        racers = [threading.Thread(target=press, args=(name,)) for name in ("a", "b")]
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join()
        assert sorted(r.status for r in results) == [303, 303], \
            [(r.status, r.text[:200]) for r in results]
        count, rows = seed(hosts, lambda: (
            db.session.scalar(select(Post.thanks_count).where(
                Post.public_id == where["posts"][0])),
            db.session.scalar(select(func.count()).select_from(PostReaction).join(
                Post, Post.id == PostReaction.post_id).where(
                Post.public_id == where["posts"][0]))))
        assert (count, rows) == ((1, 1) if on == "1" else (0, 0)), round_


def test_an_edit_and_a_hide_through_one_host_show_at_once_on_the_other(hosts):
    where = scene(hosts, replies=3)
    n = where["n"]
    page = f"/threads/{where['thread']}"
    visitor = hosts.client()
    # Every worker of both hosts renders and keeps the tree (for visitors, and for members).
    member = hosts.client()
    member.login(_member(hosts, f"reader{n}"))
    for _ in range(8):
        for name in ("a", "b"):
            assert f"Reply 1 of thread {n}" in visitor.get(page, host=name).text
            assert f"Reply 1 of thread {n}" in member.get(page, host=name).text
    writer = hosts.client()
    writer.login(where["login"])
    edited = writer.submit(f"/posts/{where['posts'][1]}/edit",
                           {"body": f"Second thoughts on thread {n}"}, host="a",
                           headers={"X-Forwarded-Proto": "https"})
    assert edited.status == 302, edited.text[:300]
    for _ in range(8):
        for reader in (visitor, member):
            shown = reader.get(page, host="b").text
            assert f"Second thoughts on thread {n}" in shown
            assert f"Reply 1 of thread {n}" not in shown
    moderator = hosts.client()
    moderator.login(_member(hosts, f"mod{n}", role="moderator"))
    hidden = moderator.submit(f"/mod/posts/{where['posts'][2]}",
                              {"reason": "Names someone"}, host="a",
                              action=f"/mod/posts/{where['posts'][2]}/hide",
                              headers={"X-Forwarded-Proto": "https"})
    assert hidden.status == 302, hidden.text[:300]
    for _ in range(8):
        for reader in (visitor, member):
            shown = reader.get(page, host="b").text
            assert f"Reply 2 of thread {n}" not in shown
            assert f"Second thoughts on thread {n}" in shown


def _member(cluster, login_name: str, role: str = "member") -> str:
    return seed(cluster, lambda: make_user(login_name, login_name.capitalize(), role=role,
                                           created_at=utcnow() - timedelta(days=40)).login_name)


@pytest.mark.parametrize("how", ["drain, then SIGTERM", "SIGTERM", "SIGKILL"])
def test_stopping_a_host_mid_traffic_loses_no_acknowledged_post(hosts, how):
    """Three writers post without pause while host A stops: taken out of the balancer first
    and then stopped (an update, as README.md describes it), stopped at once (SIGTERM,
    gunicorn's graceful stop), or killed with its workers (SIGKILL, the host dies). Every
    post a writer was told is stored (302) is stored, none twice, and from then on host B
    answers. Without draining, the few requests in flight on A when it went may fail (502):
    those writers were never told their post was stored, and still have their text."""
    where = scene(hosts, replies=0)
    writers = []
    for i in range(3):
        writer = hosts.client()
        writer.login(_member(hosts, f"poster{where['n']}x{i}"))
        writer.form = writer.token(f"/threads/{where['thread']}/reply")
        writers.append(writer)
    # (text, status, host that answered, when sent, when answered)
    sent: list[tuple[str, int, str | None, float, float]] = []
    running = threading.Event()
    running.set()

    def post(writer: Client, k: int) -> None:
        for i in itertools.count():
            if not running.is_set():
                return
            body = f"Post {k}-{i} in thread {where['n']}"
            began = time.monotonic()
            try:
                answer = writer.request("POST", f"/threads/{where['thread']}/reply",
                                        {"body": body, "csrf_token": writer.form})
                sent.append((body, answer.status, answer.served_by, began, time.monotonic()))
            except OSError:
                sent.append((body, 0, None, began, time.monotonic()))

    posters = [threading.Thread(target=post, args=(w, k)) for k, w in enumerate(writers)]
    for poster in posters:
        poster.start()
    time.sleep(1.0)
    stop_at = time.monotonic()
    if how.startswith("drain"):
        assert hosts.runtime("set server afterward/a state drain").strip() == ""
        time.sleep(0.5)  # what A was given finishes; nothing new goes to it
    hosts.hosts["a"].stop(signal.SIGKILL if how == "SIGKILL" else signal.SIGTERM)
    hosts.hosts["a"].wait_stopped()
    stopped = time.monotonic()
    time.sleep(1.5)
    running.clear()
    for poster in posters:
        poster.join()

    stored = [b for b in bodies(hosts, where["thread_id"]) if b.startswith("Post ")]
    acknowledged = [s[0] for s in sent if s[1] == 302]
    assert len(stored) == len(set(stored)), "a post was stored twice"
    assert set(acknowledged) <= set(stored), set(acknowledged) - set(stored)
    before = [s for s in sent if s[4] < stop_at]
    after = [s for s in sent if s[3] > stopped]
    assert {s[2] for s in before} == {"a", "b"}, "both hosts served before the stop"
    assert after and all(s[1] == 302 and s[2] == "b" for s in after), after[:5]
    # A request that failed was one A had taken when it went (none at all if it was drained
    # first): its writer was never told it was stored, and still has the text on screen.
    failures = [s for s in sent if s[1] != 302]
    if how.startswith("drain"):
        assert failures == []
    else:
        assert all(s[3] < stopped for s in failures), failures


def test_the_balancer_passes_the_real_client_address_and_no_one_can_choose_it(hosts):
    """Threads per network address are limited to ADDRESS_TOPICS a day. A visitor who writes
    a different X-Forwarded-For on each attempt is still counted under their real address;
    a visitor at another address is counted apart (so the hosts see each one's own address,
    not the balancer's)."""
    where = scene(hosts, replies=0)
    spoofer = hosts.client()
    spoofer.login(_member(hosts, f"spoofer{where['n']}"))
    form = f"/boards/{where['board']}/new"
    statuses = []
    for i in range(ADDRESS_TOPICS + 1):
        answer = spoofer.submit(form, {"title": f"Spoofed {i}", "body": "Counted anyway"},
                                headers={"X-Forwarded-For": f"198.51.100.{i + 1}",
                                         "Forwarded": f"for=198.51.100.{i + 1}",
                                         "X-Real-IP": f"198.51.100.{i + 1}"})
        statuses.append(answer.status)
    assert statuses == [302] * ADDRESS_TOPICS + [429], statuses
    neighbour = hosts.client()
    neighbour.login(_member(hosts, f"neighbour{where['n']}"))
    answer = neighbour.submit(form, {"title": "From elsewhere", "body": "Another address"})
    assert answer.status == 302, answer.text[:300]
    # And the app saw HTTPS from the balancer: its cookies are the __Host- ones.
    assert any(name.startswith("__Host-") for name in neighbour.cookies), neighbour.cookies
