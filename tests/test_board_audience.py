"""Boards with an audience: public, members only, or a circle that moderators keep.

Nothing of a board reaches someone who may not read it: not its name, its threads, its
posts, their count, search, feeds, sitemap, notifications, profile lists, the moderation log's
words, or a 404 that differs from a missing board's. Each board and thread carries marker
words found nowhere else, and a crawl from every public page (with searches for the markers)
looks for them in everything the site answers.
"""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from forum.clock import utcnow
from forum.demo.content import DEMO_PASSWORD
from forum.extensions import db
from forum.models import Board, BoardMember, Handle, Notification, Post, Thread
from forum.moderation import actions
from tests.factories import make_board, make_reply, make_thread, make_user, same_for_anyone
from tests.test_anonymity import crawl

PASSWORD = "correct horse battery"
# Capitalised here and in the content; searches are typed in lower case, so the search box's
# echo of the query is never mistaken for a leak.
MEMBERS_MARKS = ("Marigoldroom", "Zephyrtitle", "Xanthemember")
CIRCLE_MARKS = ("Quillfeather", "Vellichor", "Obsidianquill")
START = ["/", "/boards/", "/stories/", "/groups/", "/mod/log", "/feeds/stories.atom",
         "/sitemap.xml", "/robots.txt", "/u/" + quote("Alice Marsh"), "/notifications",
         "/notifications/following", "/settings/my-posts"]


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def scene(ctx, make_browser):
    """A public board, a members-only board and a circle board, each with a thread by Alice
    under her public name; Cara is in the circle and wrote there; a moderator hid a post in
    the circle thread (a line in the public log)."""
    admin = make_user("root", "Site Keeper", role="admin")
    june = make_user("june", "June Watch", role="moderator")
    alice = make_user("alice", "Alice Marsh")
    make_user("bob", "Bob Reed")
    cara = make_user("cara", "Cara Lind")
    porch = make_board("Open Porch")
    members = make_board("Marigoldroom Lounge", slug="lounge", position=1, audience="members")
    circle = make_board("Quillfeather Circle", slug="inner", position=2, audience="circle")
    for member in (alice, cara):
        db.session.add(BoardMember(board_id=circle.id, user_id=member.id, granted_at=utcnow()))
    db.session.commit()
    make_thread(alice, porch, title="Porch chat", body="Everyone is welcome here.")
    lounge_thread = make_thread(alice, members, title="Zephyrtitle for members",
                                body="Xanthemember words for members.")
    circle_thread = make_thread(alice, circle, title="Vellichor in the circle",
                                body="Obsidianquill words for the circle.")
    cara_post = make_reply(cara, circle_thread, body="Cara says Obsidianquill too.")
    stray = make_reply(alice, circle_thread, body="Obsidianquill, to be hidden.")
    stray.state = "hidden"
    actions.record(june, actions.HIDE, "Off topic", utcnow(), post=stray)
    actions.record(admin, "board_create", "", utcnow(), board=circle)
    actions.record(admin, "board_create", "", utcnow(), board=members)
    db.session.commit()
    browsers = {}
    for login in ("root", "june", "alice", "bob", "cara"):
        browsers[login] = make_browser()
        assert browsers[login].login(login).status_code == 302
    browsers["visitor"] = make_browser()
    return {"browsers": browsers, "circle": circle.slug, "members": members.slug,
            "circle_thread": circle_thread.public_id, "lounge_thread": lounge_thread.public_id,
            "cara_post": cara_post.public_id, "alice": alice, "cara": cara,
            "circle_id": circle.id}


def words(body: str) -> str:
    """A page's text without its tags, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", body))


def searches(marks) -> list[str]:
    return ["/search?q=" + quote(mark.lower()) for mark in marks]


def everything(browser, scene) -> str:
    """Every page, feed and search answer the browser reaches from the public pages."""
    threads = [f"/feeds/threads/{scene['circle_thread']}.atom",
               f"/feeds/threads/{scene['lounge_thread']}.atom"]
    pages = crawl(browser.client, START + searches(MEMBERS_MARKS + CIRCLE_MARKS) + threads)
    return "\n".join(body for _, _, body in pages.values())


def found(marks, body: str) -> list[str]:
    return [mark for mark in marks if mark in body]


def test_a_visitor_finds_no_trace_of_a_members_or_circle_board(scene):
    body = everything(scene["browsers"]["visitor"], scene)
    assert "Porch chat" in body  # the crawl did reach the public board
    assert found(MEMBERS_MARKS + CIRCLE_MARKS, body) == []
    assert "a board that is not public" in body and "a post in a discussion that is not public" in body


def test_a_member_sees_the_members_board_and_no_trace_of_the_circle(scene):
    body = everything(scene["browsers"]["bob"], scene)
    assert found(MEMBERS_MARKS, body) == list(MEMBERS_MARKS)
    assert found(CIRCLE_MARKS, body) == []


def test_a_circle_member_sees_it_and_taking_her_out_takes_it_away(scene):
    cara, june = scene["browsers"]["cara"], scene["browsers"]["june"]
    # Alice answers Cara in the circle: Cara is told, title and all.
    reply = scene["browsers"]["alice"].submit(
        f"/threads/{scene['circle_thread']}/reply?to={scene['cara_post']}",
        {"body": "Welcome, Cara.", "parent_id": scene["cara_post"]})
    assert reply.status_code == 302
    assert "Vellichor" in text(cara.get("/notifications"))
    body = everything(cara, scene)
    assert found(CIRCLE_MARKS, body) == list(CIRCLE_MARKS)

    page = f"/mod/boards/{scene['circle']}/circle"
    assert "Cara Lind" in text(june.get(page))
    taken = june.submit(page, {"name": "Cara Lind"}, action=page + "/remove")
    assert taken.status_code == 302
    assert "Cara Lind" not in text(june.get(page))

    body = everything(cara, scene)
    assert found(CIRCLE_MARKS, body) == []
    # The notice she had is gone with its title, and the header counts nothing for it.
    notices = text(cara.get("/notifications"))
    assert "Vellichor" not in notices and 'class="badge">new' not in notices
    # A new answer to her old post tells her nothing at all.
    before = db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == scene["cara"].id))
    again = scene["browsers"]["alice"].submit(
        f"/threads/{scene['circle_thread']}/reply?to={scene['cara_post']}",
        {"body": "Still here?", "parent_id": scene["cara_post"]})
    assert again.status_code == 302
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == scene["cara"].id)) == before


def test_letting_someone_in_is_by_public_name_only(scene):
    june, bob = scene["browsers"]["june"], scene["browsers"]["bob"]
    page = f"/mod/boards/{scene['circle']}/circle"
    assert bob.get(f"/boards/{scene['circle']}").status_code == 404
    refused = june.submit(page, {"name": "Nobody Known"})
    assert refused.status_code == 400 and 'value="Nobody Known"' in text(refused)
    assert june.submit(page, {"name": "Bob Reed"}).status_code == 302
    assert "Vellichor" in text(bob.get(f"/boards/{scene['circle']}"))
    # The public log says a member was let in, never who.
    log = text(scene["browsers"]["visitor"].get("/mod/log"))
    assert "Bob Reed" not in log and "Quillfeather" not in log
    assert "let a member into the circle of" in log
    assert ("let a member into the circle of the board “Quillfeather Circle”"
            in words(text(bob.get("/mod/log"))))


def test_an_unseen_board_or_thread_answers_exactly_as_a_missing_one(scene):
    for who in ("visitor", "bob"):
        browser = scene["browsers"][who]
        for hidden, missing in (
            (f"/boards/{scene['circle']}", "/boards/no-such-board"),
            (f"/threads/{scene['circle_thread']}", "/threads/zzzzzzzzzzzz"),
            (f"/boards/{scene['circle']}/new", "/boards/no-such-board/new"),
            (f"/feeds/threads/{scene['lounge_thread']}.atom", "/feeds/threads/zzzzzzzzzzzz.atom"),
        ):
            a, b = browser.get(hidden), browser.get(missing)
            if who == "visitor" and hidden.endswith("/new"):
                continue  # a visitor is sent to log in first, for any board
            assert (a.status_code, same_for_anyone(text(a))) == (b.status_code, same_for_anyone(text(b))), hidden
            assert a.status_code == 404


def test_an_outsider_cannot_write_on_a_board_they_cannot_see(scene):
    bob = scene["browsers"]["bob"]
    token_page = "/boards/open-porch/new"
    thread = bob.submit(token_page, {"title": "Sneaking in", "body": "Obsidianquill?"},
                        action=f"/boards/{scene['circle']}/new")
    reply = bob.submit(token_page, {"body": "Me too"},
                       action=f"/threads/{scene['circle_thread']}/reply")
    follow = bob.submit(token_page, {"follow": "1"},
                        action=f"/threads/{scene['circle_thread']}/follow")
    report = bob.submit(token_page, {"reason": "spam"},
                        action=f"/posts/{scene['cara_post']}/report")
    assert [r.status_code for r in (thread, reply, follow, report)] == [404] * 4
    assert db.session.scalar(select(func.count(Post.id)).where(Post.body == "Me too")) == 0
    assert db.session.scalar(select(Thread.id).where(Thread.title == "Sneaking in")) is None


def test_an_archived_board_is_read_only_and_listed_apart(scene):
    board = db.session.scalar(select(Board).where(Board.slug == "lounge"))
    board.archived = True
    db.session.commit()
    bob = scene["browsers"]["bob"]
    index = text(bob.get("/boards/"))
    assert index.index("Archived boards") < index.index("Marigoldroom")
    page = text(bob.get("/boards/lounge"))
    assert "archived" in page and "Start a thread" not in page
    refused = bob.submit(f"/threads/{scene['lounge_thread']}/reply",
                         {"body": "Words I keep, Xanthemember."})
    assert refused.status_code == 409 or refused.status_code == 400 or refused.status_code == 403
    assert "archived" in text(refused) and "Words I keep, Xanthemember." in text(refused)
    refused = bob.submit("/boards/lounge/new", {"title": "A new one", "body": "Text I keep."})
    assert "archived" in text(refused) and "Text I keep." in text(refused)
    assert db.session.scalar(select(Thread.id).where(Thread.title == "A new one")) is None


def test_profiles_show_others_only_posts_on_boards_they_may_read(scene):
    profile = "/u/" + quote("Alice Marsh")
    assert found(CIRCLE_MARKS + MEMBERS_MARKS, text(scene["browsers"]["visitor"].get(profile))) == []
    assert found(CIRCLE_MARKS, text(scene["browsers"]["bob"].get(profile))) == []
    assert "Zephyrtitle" in text(scene["browsers"]["bob"].get(profile))
    assert "Vellichor" in text(scene["browsers"]["cara"].get(profile))


def test_the_demo_has_a_members_board_and_a_circle_with_a_member_and_a_thread(app, ctx,
                                                                              make_browser):
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    visitor, outsider, inside = make_browser(), make_browser(), make_browser()
    outsider.login("jonah_k", DEMO_PASSWORD)
    inside.login("elif_writes", DEMO_PASSWORD)
    assert found(("Members' porch", "Still inside"), text(visitor.get("/boards/"))) == []
    assert found(("Members&#39; porch", "Still inside"), text(outsider.get("/boards/"))) == [
        "Members&#39; porch"]
    board = text(inside.get("/boards/still-inside"))
    assert "Reading this from my phone in the car park" in board
    assert outsider.get("/boards/still-inside").status_code == 404


def test_a_board_closed_to_a_circle_takes_its_notices_from_those_outside(scene):
    """Bob was told of a reply on the members' board; the admin then makes it a circle
    without him: the notice, its title and its count are gone from his pages."""
    bob = scene["browsers"]["bob"]
    lounge = db.session.scalar(select(Thread).where(Thread.public_id == scene["lounge_thread"]))
    first = db.session.scalar(select(Post).where(Post.thread_id == lounge.id))
    bob_id = db.session.scalar(select(Handle.user_id).where(Handle.name == "Bob Reed"))
    db.session.add(Notification(user_id=bob_id, kind="reply", thread_id=lounge.id,
                                post_id=first.id, created_at=utcnow()))
    db.session.commit()
    page = text(bob.get("/notifications"))
    assert "Zephyrtitle" in page and '<span class="badge">1<' in page
    admin = scene["browsers"]["root"]
    lounge_board = db.session.scalar(select(Board).where(Board.slug == "lounge"))
    changed = admin.submit("/admin/boards", {f"b{lounge_board.id}-name": lounge_board.name,
                                             f"b{lounge_board.id}-description": "",
                                             f"b{lounge_board.id}-audience": "circle"},
                           action="/admin/boards/lounge/update")
    assert changed.status_code == 302
    page = text(bob.get("/notifications"))
    assert "Zephyrtitle" not in page and '<span class="badge">' not in page
