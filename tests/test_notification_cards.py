"""The notifications page (issue 19): several new replies in one discussion make one row,
each row shows a short plain excerpt of the post, and opening a row marks all it stood for
read and goes to the first new post."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Notification, User
from tests.factories import make_board, make_reply, make_thread, make_user


def rows(page: str) -> list[str]:
    """Each notification card's words."""
    cards = re.findall(r'<li class="card notification[^"]*">(.*?)</li>', page, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", card).split()) for card in cards]


@pytest.fixture
def scene(ctx, make_browser):
    alice = make_user("alice", "Alice Marsh")
    bob = make_user("bob", "Bob Reed")
    board = make_board("Talk")
    thread = make_thread(alice, board, title="Leaflets", body="Seen these?")
    other = make_thread(alice, board, title="Sleep", body="How do you sleep?")
    first = make_reply(bob, thread, body="**First** of my *answers*, with [a link](https://example.org).")
    for n in range(2, 6):
        make_reply(bob, thread, body=f"Answer number {n}.")
    single = make_reply(bob, other, body="Badly, to be honest.")
    browser = make_browser()
    assert browser.login("alice").status_code == 302
    return {"alice": browser, "first": first, "single": single, "thread": thread}


def test_five_new_replies_in_one_thread_are_one_row_with_an_excerpt(scene):
    page = scene["alice"].get("/notifications").get_data(as_text=True)
    found = rows(page)
    assert len(found) == 2, found
    assert "5 new posts in “Leaflets”" in found[1] or "5 new replies to you in “Leaflets”" in found[1]
    assert "Latest, by Bob Reed: Answer number 5." in found[1]
    assert "Bob Reed replied to your post in “Sleep”" in found[0] or \
        "Bob Reed wrote in “Sleep”" in found[0]
    assert "Badly, to be honest." in found[0]


def test_an_excerpt_is_the_stored_plain_text_not_markup(scene):
    db.session.query(Notification).filter(Notification.post_id != scene["first"].id).delete()
    db.session.commit()
    page = scene["alice"].get("/notifications").get_data(as_text=True)
    (card,) = re.findall(r'<p class="notification-excerpt">(.*?)</p>', page, re.S)
    assert card == scene["first"].excerpt and "First of my answers" in card
    assert "<strong>" not in card and "**" not in card and "https://example.org" not in card


def test_opening_the_row_marks_all_five_read_and_goes_to_the_first(scene):
    alice = scene["alice"]
    page = alice.get("/notifications").get_data(as_text=True)
    forms = re.findall(r'action="(/notifications/[^/]+/read)"', page)
    r = alice.submit("/notifications", {}, action=forms[1])
    assert r.status_code == 302 and r.headers["Location"].endswith(
        f"/posts/{scene['first'].public_id}")
    unread = db.session.scalar(select(func.count(Notification.id))
                               .where(Notification.read_at.is_(None)))
    assert unread == 1  # the other thread's one is still new
    found = rows(alice.get("/notifications").get_data(as_text=True))
    assert len(found) == 6 and "new" not in " ".join(found[1:]).split()


def test_the_page_costs_the_same_however_many_notifications(scene, count_queries):
    def cost() -> int:
        with count_queries() as statements:
            assert scene["alice"].get("/notifications").status_code == 200
        return len(statements)
    before = cost()
    bob = User.query.filter_by(login_name="bob").one()
    for n in range(6):
        make_reply(bob, make_thread(bob, scene["thread"].board, title=f"T{n}", body="x"),
                   body="y")
        make_reply(bob, scene["thread"], body=f"More {n}")
    assert cost() == before
