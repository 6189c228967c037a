"""Absolute links come from SITE_URL, never from the request; unknown hosts are refused."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from forum import create_app
from tests.factories import make_board, make_reply, make_story, make_thread, make_user

SITE = "https://forum.example.org"
FORGED = "evil.example"
ROOT = Path(__file__).resolve().parents[2]
# Every absolute address in a feed, the sitemap or robots.txt; namespaces are not links.
ADDRESS = re.compile(r"https?://[^\s\"<>]+")
NAMESPACES = ("http://www.w3.org/2005/Atom", "http://www.sitemaps.org/schemas/sitemap/0.9")


@pytest.fixture
def public_site(app_config):
    """The site at SITE, also answering to "localhost" (the test client's host)."""
    app_config.update(SITE_URL=SITE, TRUSTED_HOSTS=["forum.example.org", "localhost"])


@pytest.fixture
def content(public_site, ctx):
    author = make_user("writer", "Writer")
    story = make_story(author, title="Seen from outside", group_names=["Open Door"])
    thread = make_thread(author, make_board("General"), title="A board thread")
    make_reply(make_user("replier", "Replier"), thread, body="A reply")
    return {"thread": thread.public_id, "story": story.slug}


def _machine_pages(content):
    return ["/feeds/stories.atom", "/feeds/groups/open-door.atom",
            f"/feeds/threads/{content['thread']}.atom", "/sitemap.xml", "/robots.txt"]


def _addresses(body: str) -> set[str]:
    return {url for url in ADDRESS.findall(body) if url not in NAMESPACES}


def test_feeds_sitemap_and_robots_link_to_site_url_whatever_host_was_asked(
        public_site, client, content):
    for url in _machine_pages(content):
        response = client.get(url)  # the test client asks for Host: localhost, a trusted one
        assert response.status_code == 200, url
        addresses = _addresses(response.get_data(as_text=True))
        assert addresses, f"{url} carries no absolute link"
        strays = {a for a in addresses if not a.startswith(f"{SITE}/")}
        assert not strays, f"{url} links away from SITE_URL: {strays}"


def test_a_forged_host_is_refused_without_being_repeated(public_site, client, content):
    for url in [*_machine_pages(content), "/", f"/stories/{content['story']}"]:
        response = client.get(url, headers={"Host": FORGED})
        body = response.get_data(as_text=True)
        assert response.status_code == 400, url
        assert FORGED not in body and "evil" not in body
        assert response.mimetype == "text/plain"
    # A write to a forged host is refused the same way, before its form is even read.
    response = client.post("/auth/login", headers={"Host": f"{FORGED}:443"},
                           data={"login_name": "writer", "password": "x"})
    assert response.status_code == 400 and FORGED not in response.get_data(as_text=True)


@pytest.fixture
def behind_a_proxy(app_config):
    app_config["TRUSTED_PROXIES"] = 1


def test_a_forged_forwarded_host_is_refused_and_a_trusted_one_changes_no_link(
        behind_a_proxy, public_site, client, content):
    forged = client.get("/sitemap.xml", headers={"X-Forwarded-Host": FORGED,
                                                 "X-Forwarded-Proto": "http"})
    assert forged.status_code == 400 and FORGED not in forged.get_data(as_text=True)
    # Through the proxy, under the site's own name: the links still come from SITE_URL alone.
    for url in _machine_pages(content):
        response = client.get(url, headers={"X-Forwarded-Host": "localhost:8443",
                                            "X-Forwarded-Proto": "http"})
        assert response.status_code == 200, url
        addresses = _addresses(response.get_data(as_text=True))
        assert addresses and all(a.startswith(f"{SITE}/") for a in addresses), addresses


def test_email_links_come_from_site_url(public_site, ctx):
    from forum.notifications import mail
    message = mail.digest_message("reader@example.org", 3)
    assert _addresses(message.get_content()) == {f"{SITE}/notifications"}


def test_the_default_setup_answers_on_both_loopback_names(app_config, database_url):
    app_config.pop("SITE_URL")  # the embedded default: http://127.0.0.1:5000
    app = create_app(app_config)
    client = app.test_client()
    for host in ("127.0.0.1:5000", "localhost:5000"):
        response = client.get("/robots.txt", headers={"Host": host})
        assert response.status_code == 200, host
        assert "Sitemap: http://127.0.0.1:5000/sitemap.xml" in response.get_data(as_text=True)
    assert client.get("/robots.txt", headers={"Host": "192.0.2.7:5000"}).status_code == 400


def _create_app_in(env: dict) -> subprocess.CompletedProcess:
    """create_app() in a fresh interpreter with exactly `env` (plus PATH) as its environment."""
    return subprocess.run(
        [sys.executable, "-c", "from forum import create_app; create_app(); print('started')"],
        cwd=ROOT, env={"PATH": os.environ.get("PATH", ""), "SECRET_KEY": "k", **env},
        capture_output=True, text=True, timeout=60)


def test_production_without_site_url_refuses_to_start(tmp_path):
    database = f"sqlite:///{tmp_path / 'prod.sqlite'}"
    refused = _create_app_in({"DATABASE_URL": database})
    assert refused.returncode != 0 and "SITE_URL is not set" in refused.stderr
    started = _create_app_in({"DATABASE_URL": database, "SITE_URL": SITE})
    assert started.returncode == 0 and "started" in started.stdout, started.stderr
    # The README's first command sets nothing at all, and starts.
    assert "started" in _create_app_in({}).stdout
