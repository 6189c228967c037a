"""Moderation buttons (issue 19): what takes something away (hide, close, suspend, not
approving) looks different and asks first, without JavaScript; dismissing is secondary; "Lift
the suspension" is offered only while there is a suspension to lift."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from forum.clock import utcnow
from forum.demo.content import DEMO_PASSWORD
from forum.extensions import db
from forum.models import Appeal, Suspension, User
from forum.posting import reports
from tests.factories import make_board, make_reply, make_thread, make_user


def buttons(page: str) -> dict[str, str]:
    """Each submit button's words (hidden words too) -> its attributes."""
    found = {}
    for attrs, label in re.findall(r"<button ([^>]*)>(.*?)</button>", page, re.S):
        found[" ".join(re.sub(r"<[^>]+>", "", label).split())] = attrs
    return found


@pytest.fixture
def scene(ctx, make_browser):
    """Bob reported Alice's reply; June moderates."""
    alice = make_user("alice", "Alice Marsh")
    bob = make_user("bob", "Bob Reed")
    make_user("june", "June Watch", role="moderator")
    make_user("kai", "Kai", role="moderator")
    thread = make_thread(alice, make_board("Talk"), title="Leaflets", body="Seen these?")
    reply = make_reply(alice, thread, body="Here is one.")
    reports.report(bob, post=reply, reason="spam", details="", now=utcnow())
    people = {}
    for login in ("june", "kai", "alice"):
        people[login] = make_browser()
        assert people[login].login(login).status_code == 302
    return {"post": reply.public_id, "thread": thread.public_id, **people}


def assert_asks_first(page: str, destructive: list[str], other: list[str]) -> None:
    found = buttons(page)
    for label in destructive:
        assert label in found, list(found)
        assert 'class="danger"' in found[label] and "formnovalidate" not in found[label], label
    for label in other:
        assert "danger" not in found[label] and "formnovalidate" in found[label], label
    # The tick that the destructive buttons need, checked by the browser before sending.
    assert re.search(r'<input type="checkbox" id="sure-[^"]+" name="sure" value="y" required', page)
    assert "Yes, I am sure" in page


def test_the_post_page_marks_hide_close_suspend_as_destructive_and_dismiss_secondary(scene):
    page = scene["june"].get(f"/mod/posts/{scene['post']}").get_data(as_text=True)
    assert_asks_first(page, ["Hide post", "Close the discussion", "Suspend the author"],
                      ["Dismiss reports"])
    assert 'class="secondary" formnovalidate>Dismiss reports' in page


def test_the_queue_marks_them_the_same_way(scene):
    page = scene["june"].get("/mod/").get_data(as_text=True)
    assert_asks_first(page, ["Hide post", "Close the discussion", "Suspend the author"],
                      ["Dismiss reports"])


def test_the_thread_page_asks_before_closing_or_hiding_not_before_pinning(scene):
    page = scene["june"].get(f"/mod/threads/{scene['thread']}").get_data(as_text=True)
    assert_asks_first(page, ["Close replies", "Hide thread"], ["Pin to the top"])


def test_a_page_with_nothing_destructive_asks_nothing(scene):
    url = f"/mod/threads/{scene['thread']}"
    for action in ("lock", "hide"):
        assert scene["june"].submit(url, {"reason": "x", "sure": "y"},
                                    action=f"{url}/{action}").status_code == 302
    page = scene["june"].get(url).get_data(as_text=True)
    assert "Reopen replies" in page and "Restore thread" in page
    assert "Hide thread" not in buttons(page) and "Close replies" not in buttons(page)


def test_suspending_then_lift_is_offered_only_while_suspended(app, scene):
    june, kai = scene["june"], scene["kai"]
    url = f"/mod/posts/{scene['post']}"
    assert "Lift the author’s suspension" not in buttons(june.get(url).get_data(as_text=True))
    assert june.submit(url, {"reason": "Spam", "days": "7", "sure": "y"},
                       action=f"{url}/suspend").status_code == 302
    assert scene["alice"].submit("/appeal", {"body": "It was not spam."}).status_code == 302
    appeal = db.session.scalar(select(Appeal.public_id))
    in_force = kai.get(f"/mod/appeals/{appeal}").get_data(as_text=True)
    assert "Lift the suspension" in buttons(in_force)
    # The suspension is lifted from the post's page; the appeal page no longer offers to lift.
    assert kai.submit(url, {"reason": "Second look"},
                      action=f"{url}/unsuspend").status_code == 302
    assert db.session.scalar(select(Suspension.lifted_at)) is not None
    ended = kai.get(f"/mod/appeals/{appeal}").get_data(as_text=True)
    assert "Lift the suspension" not in buttons(ended)
    assert "no longer in force" in ended and "Answer and close the appeal" in buttons(ended)
    assert User.query.filter_by(login_name="alice").one().suspended_until is None


def test_not_approving_a_new_members_writing_asks_first(app, ctx, make_browser):
    app.config["APPROVE_FIRST_POSTS"] = 2  # new members' first writings wait (the demo's does)
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    june = make_browser()
    assert june.login("june_mod", DEMO_PASSWORD).status_code == 302
    page = june.get("/mod/review").get_data(as_text=True)
    assert_asks_first(page, ["Do not approve this post"], ["Approve this post"])
