"""The hostile corpus, posted into every field a person can type into, renders inert everywhere.

Forms are filled the way a browser fills them (tests/security/corpus.py reads each form off
its page, so a field added later is covered too), then every page that shows the text is
parsed: no script, no event handler, no style, no dangerous URL, template syntax as typed.
"""
from __future__ import annotations

import html
import re
from importlib.metadata import version
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from forum import text
from forum.extensions import db
from forum.models import Post, Thread
from tests.conftest import CSRF_RE
from tests.factories import make_board, make_user
from tests.security import site as seed_site
from tests.security.corpus import PAYLOADS, check_inert, check_literal, fill, form_with

# nh3 bundles the Rust sanitiser ammonia; each pinned release was checked in its sdist's
# Cargo.lock (pip download --no-binary :all: --no-deps nh3==X). ammonia >= 4.1.4 is needed.
VERIFIED_NH3 = {"0.3.8": "4.2.5"}
REQUIREMENTS = Path(__file__).parents[2] / "requirements.txt"


# --- the rendering path itself ----------------------------------------------------------

def test_markdown_parser_has_raw_html_off():
    assert text._markdown.options["html"] is False
    assert text._markdown.options["linkify"] is False


def test_sanitiser_allow_list_is_narrow():
    for tag in ("svg", "math", "style", "script", "iframe", "img", "object", "embed", "form",
                "input", "noscript", "template", "base", "meta", "link"):
        assert tag not in text.ALLOWED_TAGS, tag
    attributes = {a for names in text.ALLOWED_ATTRIBUTES.values() for a in names}
    assert not {a for a in attributes if a.startswith("on")}
    assert not attributes & {"style", "src", "srcset", "class", "id", "action", "formaction"}
    assert text.ALLOWED_SCHEMES == {"http", "https", "mailto"}


def test_nh3_is_pinned_to_a_release_with_a_patched_ammonia():
    pins = [line.split("==")[1].strip() for line in REQUIREMENTS.read_text().splitlines()
            if line.startswith("nh3==")]
    assert pins and pins[0] in VERIFIED_NH3, "check the ammonia version nh3 bundles, then add it"
    assert version("nh3") == pins[0]
    major, minor, patch = map(int, VERIFIED_NH3[pins[0]].split("."))
    assert (major, minor, patch) >= (4, 1, 4)


@pytest.mark.parametrize("name", PAYLOADS)
def test_render_makes_every_payload_inert(name):
    check_inert(text.render(PAYLOADS[name]).html)


# --- every field, through the site ------------------------------------------------------

@pytest.fixture
def relaxed(app_config):
    """Many posts in one test: no rate limits, and long pages so every item is listed."""
    app_config.update(RATELIMIT_ENABLED=False, ITEMS_PER_PAGE=500, POSTS_PER_PAGE=500)


@pytest.fixture
def world(relaxed, ctx, make_browser):
    make_user("author", "Author")
    make_user("reader", "Reader")
    make_user("keeper", "Keeper", role="moderator")
    make_board("General")
    return {
        "author": seed_site.logged_in(make_browser, "author"),
        "reader": seed_site.logged_in(make_browser, "reader"),
        "moderator": seed_site.logged_in(make_browser, "keeper"),
        "board": "general",
    }


def show(person, url: str, payload: str | None = None) -> str:
    """Fetch a page showing user text; fail unless it answers and is inert."""
    response = person.get(url)
    assert response.status_code == 200, (url, response.status_code)
    page = check_inert(response.get_data(as_text=True))
    if payload is not None:
        check_literal(page, payload)
    return page


def inert_answer(response) -> None:
    """Whatever the site answered (saved, refused, or asked again), it is inert."""
    assert response.status_code < 500
    if response.mimetype == "text/html":
        check_inert(response.get_data(as_text=True))


def submit(person, page_url: str, action: str, payload: str, browser_like=True, **fixed):
    page = person.get(page_url)
    assert page.status_code == 200, (page_url, page.status_code)
    form = form_with(page.get_data(as_text=True), action)
    data = fill(form, payload, browser_like=browser_like, **fixed)
    return person.client.post(form["action"] or page_url, data=data)


def check_feed(person, url: str) -> None:
    response = person.get(url)
    assert response.status_code == 200, url
    root = ElementTree.fromstring(response.data)  # still well-formed XML, whatever was posted
    for element in root.iter():
        if element.get("type") == "html" and element.text:
            check_inert(element.text)
        assert not element.tag.endswith(("script", "svg", "math", "style")), element.tag


def test_story_fields(world, app):
    author = world["author"]
    saved = 0
    for name, payload in PAYLOADS.items():
        if len(payload) > 60:  # longer than some fields' maxlength
            # A hostile client sends the text whole; whatever comes back is inert.
            inert_answer(submit(author, "/stories/new", "/stories/new", payload,
                                browser_like=False))
        # A browser cuts each field to its maxlength: the story is saved and shown.
        response = submit(author, "/stories/new", "/stories/new", payload + " " + name)
        inert_answer(response)
        if response.status_code != 302:
            continue
        story_url = response.headers["Location"]
        saved += 1
        show(world["reader"], story_url, payload)
        show(author, story_url + "/edit")  # the form, refilled with the stored text
        edited = submit(author, story_url + "/edit", story_url + "/edit", payload + " edited")
        inert_answer(edited)
        show(world["reader"], story_url, payload)
    assert saved > len(PAYLOADS) * 0.8, f"only {saved} stories were saved: the test lost its way"
    for url in ("/", "/stories/", "/groups/", "/u/Author", "/search?q=script",
                "/search?q=" + quote("{{7*7}}")):
        show(world["reader"], url)
    # The groups the payloads named are proposals: the moderators' page shows them (inert),
    # and once each is accepted, the list of groups and each group's page do.
    show(world["moderator"], "/mod/groups/")
    curate = world["moderator"].get("/mod/groups/").get_data(as_text=True)
    token = CSRF_RE.search(curate).group(1)
    for action in set(re.findall(r'action="(/mod/groups/[^"]+/accept)"', curate)):
        inert_answer(world["moderator"].client.post(html.unescape(action), data={
            "csrf_token": token, "name": ""}))
    groups = world["reader"].get("/groups/").get_data(as_text=True)
    links = set(re.findall(r'href="(/groups/[^"#?]+)"', groups))
    assert len(links) > 10
    for link in links:
        show(world["reader"], html.unescape(link))
    check_feed(world["reader"], "/feeds/stories.atom")


def test_thread_reply_and_edit_fields(world, ctx):
    author, reader = world["author"], world["reader"]
    board = world["board"]
    replies = 0
    for name, payload in PAYLOADS.items():
        if len(payload) > 200:  # longer than the title's maxlength
            inert_answer(submit(author, f"/boards/{board}/new", f"/boards/{board}/new", payload,
                                browser_like=False))
        response = submit(author, f"/boards/{board}/new", f"/boards/{board}/new", payload)
        inert_answer(response)
        if response.status_code != 302:
            continue
        thread_url = response.headers["Location"].split("#")[0]
        show(reader, thread_url, payload)
        thread_id = thread_url.rstrip("/").split("/")[-1]
        # A reply, then its edit, each through the forms a reader sees.
        reply = submit(reader, f"/threads/{thread_id}/reply", f"/threads/{thread_id}/reply",
                       payload)
        inert_answer(reply)
        replies += reply.status_code == 302
        show(author, thread_url, payload)
        post_id = db.session.scalar(
            select(Post.public_id).join(Thread, Post.thread_id == Thread.id)
            .where(Thread.public_id == thread_id).order_by(Post.id.desc()))
        show(reader, f"/posts/{post_id}/edit")
        inert_answer(submit(reader, f"/posts/{post_id}/edit", f"/posts/{post_id}/edit",
                            payload + " (edited)"))
        show(author, thread_url, payload)
        check_feed(reader, f"/feeds/threads/{thread_id}.atom")
    assert replies > len(PAYLOADS) * 0.8, f"only {replies} replies were saved"
    for url in ("/", f"/boards/{board}", "/boards/", "/u/Reader", "/u/Author"):
        show(reader, url)


def test_profile_fields(world):
    author = world["author"]
    for name, payload in PAYLOADS.items():
        # The handle is checked and mostly refused; the refusal shows the text inert.
        inert_answer(submit(author, "/settings", "/settings/profile", payload))
        inert_answer(submit(author, "/settings", "/settings/profile", payload, browser_like=False))
        # A valid handle with the payload as the bio is saved and shown on the profile.
        saved = submit(author, "/settings", "/settings/profile", payload, handle="Author")
        inert_answer(saved)
        assert saved.status_code == 302 or len(payload) > 2000, (name, saved.status_code)
        show(world["reader"], "/u/Author", payload)
        show(author, "/settings")


def test_report_details_and_moderation_reasons(world, ctx):
    author, reader, moderator = world["author"], world["reader"], world["moderator"]
    response = submit(author, f"/boards/{world['board']}/new", f"/boards/{world['board']}/new",
                      "A thread to report")
    thread_id = response.headers["Location"].split("#")[0].rstrip("/").split("/")[-1]
    post_id = db.session.scalar(select(Post.public_id).join(Thread, Post.thread_id == Thread.id)
                                .where(Thread.public_id == thread_id))
    token = CSRF_RE.search(moderator.get("/mod/").get_data(as_text=True)).group(1)
    done = {"report": 0, "lock": 0, "suspend": 0, "refused": 0}
    for name, payload in PAYLOADS.items():
        report = submit(reader, f"/posts/{post_id}/report", f"/posts/{post_id}/report", payload)
        inert_answer(report)
        done["report"] += report.status_code == 302
        # A moderator's reason is shown in the public log and in place of the reply box.
        locked = moderator.client.post(f"/mod/threads/{thread_id}/lock",
                                       data={"csrf_token": token, "reason": payload})
        inert_answer(locked)
        done["lock"] += locked.status_code == 302
        show(reader, f"/threads/{thread_id}", payload if locked.status_code == 302 else None)
        refused = reader.client.post(f"/threads/{thread_id}/reply", data={
            "csrf_token": CSRF_RE.search(reader.get("/settings").get_data(as_text=True)).group(1),
            "body": "Let me in"})
        inert_answer(refused)
        inert_answer(moderator.client.post(f"/mod/threads/{thread_id}/unlock",
                                           data={"csrf_token": token, "reason": payload}))
        # Suspension reasons reach the suspended writer's refusal message.
        suspended = moderator.client.post(f"/mod/posts/{post_id}/suspend", data={
            "csrf_token": token, "reason": payload, "days": "1"})
        inert_answer(suspended)
        done["suspend"] += suspended.status_code == 302
        refused = submit(author, f"/threads/{thread_id}/reply", f"/threads/{thread_id}/reply",
                         "Am I still here?")
        inert_answer(refused)
        done["refused"] += refused.status_code == 403
        show(author, "/")
        inert_answer(moderator.client.post(f"/mod/posts/{post_id}/unsuspend", data={
            "csrf_token": token, "reason": payload}))
    # The queue, the post's reports and the log list every payload at once (they only grow,
    # and a page holds 500 items): one look at each after the loop sees all of them.
    show(moderator, "/mod/")
    show(moderator, f"/mod/posts/{post_id}")
    show(reader, "/mod/log")
    # Reasons need some text, and a few payloads are whitespace once cleaned: most still count.
    assert all(count > len(PAYLOADS) * 0.7 for count in done.values()), done


def test_resubmit_page_hands_back_hostile_fields_inert(world):
    reader = world["reader"]
    for name, payload in PAYLOADS.items():
        # No token: the page that hands the text back must echo names and values inert. It
        # hands text back to this site's own pages only, so the browser says that is where.
        response = reader.client.post("/stories/new", headers={"Sec-Fetch-Site": "same-origin"},
                                      data={"title": payload, "body": payload,
                                            payload[:40]: payload, "anonymous": payload})
        assert response.status_code == 400
        check_inert(response.get_data(as_text=True))


def test_urls_and_error_pages_with_hostile_text(world):
    reader = world["reader"]
    for name, payload in PAYLOADS.items():
        if "\x00" in payload:
            continue
        encoded = quote(payload, safe="")
        for url in (f"/u/{encoded}", f"/stories/{encoded}", f"/boards/{encoded}",
                    f"/groups/{encoded}", f"/search?q={encoded}",
                    f"/auth/login?next={encoded}", f"/stories/?after={encoded}"):
            response = reader.get(url)
            inert_answer(response)
            response.close()
