"""A write form that arrives twice is carried out once (forum/submission_keys.py, issue 21).

Every form carries a one-time key. The same key again (a double click, a resubmit after a
crash between the commit and the answer, a balancer's retry) answers with the first result,
and nothing is stored twice; a key from another account, or a refused first attempt, does
not stand in anyone's way. The crash itself is in tests/test_submission_crash.py.
"""
from __future__ import annotations

import re
import threading
import time

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from forum.extensions import db
from forum.models import Post, Report, Story, SubmissionKey, Thread
from forum.submission_keys import ALREADY, KEEP, digest, prune
from tests.conftest import CSRF_RE
from tests.factories import make_board, make_thread, make_user

KEY_RE = re.compile(r'name="once" value="([A-Za-z0-9_-]{22})"')


def form_of(browser, url: str) -> dict:
    """The CSRF token and the one-time key of the form at `url`, as a browser reads them."""
    page = browser.get(url).get_data(as_text=True)
    keys = KEY_RE.findall(page)
    assert keys, f"no one-time key on {url}"
    return {"csrf_token": CSRF_RE.search(page).group(1), "once": keys[0]}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def thread(ctx, person, app):
    """A board thread, and `person` logged in as a member; repeats refused, as in production."""
    app.config.update(DUPLICATE_WINDOW=10)
    starter = make_user()
    person.register("writer")
    return make_thread(starter, make_board())


def test_double_click_on_a_reply_stores_it_once(thread, person):
    url = f"/threads/{thread.public_id}/reply"
    form = {**form_of(person, url), "body": "Thank you for writing this."}
    first = person.client.post(url, data=form)
    second = person.client.post(url, data=form)
    assert first.status_code == second.status_code == 302
    # The second answer is the first one's: the same post, not "you posted this already".
    assert second.headers["Location"] == first.headers["Location"]
    page = person.client.get(second.headers["Location"]).get_data(as_text=True)
    assert ALREADY in page and "You posted exactly these words" not in page
    assert count(Post) == 2  # the thread's first post, and this reply once
    assert db.session.scalar(select(Post.submission_key).where(Post.body.like("Thank%")))


def test_double_click_on_a_new_thread_and_a_new_story_stores_each_once(thread, person):
    board = thread.board
    url = f"/boards/{board.slug}/new"
    form = {**form_of(person, url), "title": "Leaving", "body": "Where do I begin?"}
    first, second = person.client.post(url, data=form), person.client.post(url, data=form)
    assert second.status_code == 302 and second.headers["Location"] == first.headers["Location"]
    assert count(Thread) == 2

    form = {**form_of(person, "/stories/new"), "title": "My years inside",
            "body": "It started with a friendly invitation."}
    first = person.client.post("/stories/new", data=form)
    second = person.client.post("/stories/new", data=form)
    assert second.status_code == 302 and second.headers["Location"] == first.headers["Location"]
    assert count(Story) == 1
    # Keep as a draft, twice: one draft.
    form = {**form_of(person, "/stories/new"), "title": "Later", "body": "Not ready",
            "action": "draft"}
    first = person.client.post("/stories/new", data=form)
    second = person.client.post("/stories/new", data=form)
    assert second.headers["Location"] == first.headers["Location"]
    assert count(Story) == 2


def test_double_click_on_a_report_stores_one_report(thread, person):
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    url = f"/posts/{post.public_id}/report"
    form = {**form_of(person, url), "reason": "spam", "details": "Selling courses."}
    first = person.client.post(url, data=form)
    second = person.client.post(url, data=form)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert ALREADY in person.client.get(second.headers["Location"]).get_data(as_text=True)
    assert count(Report) == 1
    # The table keeps a digest and where the answer went: no account, no words, no address.
    row = db.session.scalar(select(SubmissionKey))
    assert row.location == first.headers["Location"]
    assert set(SubmissionKey.__table__.columns.keys()) == {"id", "key_hash", "location",
                                                          "created_at"}


def test_a_form_without_a_key_works_as_before(thread, person, app):
    app.config.update(DUPLICATE_WINDOW=0)
    url = f"/threads/{thread.public_id}/reply"
    form = form_of(person, url)
    del form["once"]
    for _ in range(2):
        assert person.client.post(url, data={**form, "body": "Same words"}).status_code == 302
    assert count(Post) == 3
    assert count(SubmissionKey) == 0


def test_a_key_replayed_by_another_account_does_not_return_its_result(thread, person,
                                                                        make_browser):
    url = f"/threads/{thread.public_id}/reply"
    form = form_of(person, url)
    mine = person.client.post(url, data={**form, "body": "My own words."})
    other = make_browser()
    other.register("someone")
    theirs = other.client.post(url, data={**form_of(other, url), "once": form["once"],
                                          "body": "Their own words."})
    assert theirs.status_code == 302 and theirs.headers["Location"] != mine.headers["Location"]
    assert ALREADY not in other.client.get(theirs.headers["Location"]).get_data(as_text=True)
    assert count(Post) == 3
    # The same for a form kept in the table.
    post = db.session.scalar(select(Post).where(Post.body == "My own words."))
    report_url = f"/posts/{post.public_id}/report"
    form = form_of(person, report_url)
    person.client.post(report_url, data={**form, "reason": "spam"})
    answer = other.client.post(report_url, data={**form_of(other, report_url),
                                                 "once": form["once"], "reason": "harassment"})
    assert answer.status_code == 302
    assert ALREADY not in other.client.get(answer.headers["Location"]).get_data(as_text=True)
    assert count(Report) == 2


def test_the_same_key_with_other_words_is_stored_not_lost(thread, person):
    """A page brought back by the browser's Back button holds a key already used: a new
    text sent from it is a new post, not "already sent"."""
    url = f"/threads/{thread.public_id}/reply"
    form = form_of(person, url)
    first = person.client.post(url, data={**form, "body": "First thought."})
    second = person.client.post(url, data={**form, "body": "A second, different thought."})
    assert second.status_code == 302 and second.headers["Location"] != first.headers["Location"]
    assert count(Post) == 3


def test_a_refused_first_attempt_does_not_spend_the_key(thread, person, app):
    url = f"/threads/{thread.public_id}/reply"
    form = form_of(person, url)
    app.config.update(MAX_BODY_CHARS=40)
    long_text = "This is a much longer text than the limit allows here."
    refused = person.client.post(url, data={**form, "body": long_text})
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert long_text in page  # the writer's text comes back intact
    assert KEY_RE.search(page).group(1) == form["once"]  # with the same key
    fixed = person.client.post(url, data={**form, "body": "Shorter, within the limit."})
    assert fixed.status_code == 302
    assert ALREADY not in person.client.get(fixed.headers["Location"]).get_data(as_text=True)
    assert count(Post) == 2

    # A form kept in the table: a report sent without choosing what is wrong.
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id).limit(1))
    report_url = f"/posts/{post.public_id}/report"
    form = form_of(person, report_url)
    refused = person.client.post(report_url, data={**form, "details": "Look at this."})
    assert refused.status_code == 400 and "Look at this." in refused.get_data(as_text=True)
    assert KEY_RE.search(refused.get_data(as_text=True)).group(1) == form["once"]
    sent = person.client.post(report_url, data={**form, "reason": "spam", "details": "Look."})
    assert sent.status_code == 302
    assert ALREADY not in person.client.get(sent.headers["Location"]).get_data(as_text=True)
    assert count(Report) == 1 and count(SubmissionKey) == 1


def test_a_page_after_a_write_gets_a_new_key(thread, person):
    """After a POST that stored something, the page shown carries a fresh key."""
    url = f"/threads/{thread.public_id}/reply"
    form = form_of(person, url)
    answer = person.client.post(url, data={**form, "body": "Hello."}, follow_redirects=True)
    assert form["once"] not in answer.get_data(as_text=True)


def test_keys_are_forgotten_after_a_day(ctx, app):
    from forum.clock import utcnow
    now = utcnow()
    db.session.add_all([SubmissionKey(key_hash="a" * 32, created_at=now - KEEP * 2),
                        SubmissionKey(key_hash="b" * 32, created_at=now)])
    db.session.commit()
    assert prune(now) == 1
    db.session.commit()
    assert db.session.scalars(select(SubmissionKey.key_hash)).all() == ["b" * 32]


def test_the_digest_binds_account_form_and_key():
    key = "k" * 22
    assert digest(key, "/a", 1) != digest(key, "/a", 2) != digest(key, "/a", None)
    assert digest(key, "/a", 1) != digest(key, "/b", 1)
    assert len(digest(key, "/a", 1)) == 32


# --- two arrivals at the same moment ------------------------------------------------------

@pytest.fixture
def slow_commits(app):
    """Every commit of a request that writes waits a moment first, so the second of two
    arrivals sent together meets the first one still in flight (before its commit)."""
    def wait(session):
        from flask import g, has_request_context
        if has_request_context() and g.get("db_wrote"):
            time.sleep(0.4)
    event.listen(Session, "before_commit", wait)
    yield
    event.remove(Session, "before_commit", wait)


def _together(person, app, url: str, data: dict) -> list:
    """POST `data` to `url` from two clients with the person's cookies, at the same moment."""
    clients = [person.client, app.test_client()]
    for cookie in person.client._cookies.values():
        clients[1].set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    start, answers = threading.Barrier(2), [None, None]

    def send(i):
        start.wait()
        answers[i] = clients[i].post(url, data=data)
    workers = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    return answers


def test_two_arrivals_at_once_store_one_reply(thread, person, app, slow_commits):
    url = f"/threads/{thread.public_id}/reply"
    answers = _together(person, app, url, {**form_of(person, url), "body": "At the same time."})
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    assert count(Post) == 2


def test_two_arrivals_at_once_store_one_report(thread, person, app, slow_commits):
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    url = f"/posts/{post.public_id}/report"
    answers = _together(person, app, url, {**form_of(person, url), "reason": "spam"})
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    assert count(Report) == 1 and count(SubmissionKey) == 1


# --- every form carries a key -------------------------------------------------------------

class _Forms:
    """The POST forms of a page, and the one-time keys inside each."""

    FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)

    def __init__(self, html: str):
        self.posts = [(attrs, body) for attrs, body in self.FORM.findall(html)
                      if re.search(r'method="post"', attrs, re.I)]


def _crawl(client, start: list[str], limit: int = 600) -> dict[str, str]:
    """The HTML of every page reachable from `start` by same-origin links, without query
    strings (the pages of a list, searches, sorting: the same forms again)."""
    from tests.test_anonymity import Items, same_origin
    seen: dict[str, str] = {}
    queue = list(start)
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        if response.status_code in (301, 302, 303, 307, 308):
            links = [response.headers["Location"]]
        else:
            links = Items(seen[url]).hrefs if seen[url] else []
        for href in links:
            target = same_origin(href.split("#")[0])
            if target and "?" not in target and target not in seen and "/auth/logout" not in target:
                queue.append(target)
    assert len(seen) < limit, "crawl did not finish"
    return seen


def test_every_form_the_site_renders_carries_a_key(app, make_browser):
    """A crawl of the demo site as a member, a moderator and the administrator, and the
    visitor's pages: every POST form on every page carries exactly one well-formed key."""
    from forum.demo.content import DEMO_PASSWORD
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    visitor = make_browser()
    pages = {url: visitor.get(url).get_data(as_text=True)
             for url in ("/auth/login", "/auth/register", "/auth/reset", "/contact",
                         "/contact/read", "/")}
    for login in ("maren_after", "june_mod", "afterward_admin"):
        browser = make_browser()
        assert browser.login(login, DEMO_PASSWORD).status_code == 302
        pages.update({f"{login} {url}": html for url, html in _crawl(
            browser.client, ["/", "/stories/new", "/contact", "/appeal", "/account/settings",
                             "/notifications", "/mod/", "/admin/", "/stories/drafts"]).items()})
    checked = set()
    for url, html in pages.items():
        for attrs, body in _Forms(html).posts:
            keys = KEY_RE.findall(body)
            assert len(keys) == 1, f"{url}: a form without its one key: <form{attrs}>"
            checked.add(re.sub(r"/[A-Za-z0-9_-]{6,}", "/x", attrs))
    assert len(checked) > 30, checked
