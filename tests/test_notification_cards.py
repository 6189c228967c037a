"""The notifications page (issue 19): several new replies in one discussion make one row,
each row shows a short plain excerpt of the post, and opening a row marks all it stood for
read and goes to the first new post."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from forum.clock import utcnow
from forum.extensions import db
from forum.models import BoardMember, Notification, User
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


def test_a_hidden_post_and_a_moderators_notice_read_without_name_or_text(scene):
    """A post readers cannot see any more gives no name and no excerpt; a moderator's notice
    says what was done and why, with no excerpt of the writing it is about."""
    from forum.notifications import service
    single = scene["single"]
    single.state = "hidden"
    mine = make_reply(User.query.filter_by(login_name="alice").one(), scene["thread"],
                      body="My own words.")
    service.on_moderation(post=mine, action="hidden", reason="insults", now=utcnow())
    db.session.commit()
    found = rows(scene["alice"].get("/notifications").get_data(as_text=True))
    assert found[0].startswith("new A moderator acted on your writing in “Leaflets”: hidden: insults ·")
    assert "My own words" not in found[0]
    assert found[1].startswith("new Someone replied to your post in “Sleep” ·") or \
        found[1].startswith("new Someone wrote in “Sleep”, which you follow ·")
    assert "Badly" not in found[1] and "Bob Reed" not in found[1]


def test_the_page_shows_your_pseudonym_there_and_no_one_elses(ctx, make_browser):
    alice, bob = make_user("alice", "Alice Marsh"), make_user("bob", "Bob Reed")
    board = make_board("Talk")
    thread = make_thread(bob, board, title="Leaving", body="Where do I start?")
    hers = make_reply(alice, thread, body="Here.", anonymous=True)
    make_reply(bob, thread, parent=hers, body="Welcome.")
    make_reply(bob, make_thread(bob, board, title="Open", body="x"), body="y")
    browser = make_browser()
    assert browser.login("alice").status_code == 302
    found = rows(browser.get("/notifications").get_data(as_text=True))
    assert len(found) == 1  # she follows only the thread she wrote in
    assert found[0].startswith(f"new Bob Reed replied to your post in “Leaving” "
                               f"(you wrote there as {hers.handle.name}) ·")
    assert "Alice Marsh" not in " ".join(found)


def test_pages_of_notifications_follow_on_from_each_other(ctx, make_browser, app):
    alice, bob = make_user("alice", "Alice Marsh"), make_user("bob", "Bob Reed")
    board = make_board("Talk")
    per_page = app.config["ITEMS_PER_PAGE"]
    for n in range(per_page + 3):
        make_reply(bob, make_thread(alice, board, title=f"T{n}", body="x"), body=f"Answer {n}.")
    browser = make_browser()
    assert browser.login("alice").status_code == 302
    first = browser.get("/notifications").get_data(as_text=True)
    assert len(rows(first)) == per_page
    after = re.search(r'href="(/notifications\?after=[^"]+)" rel="next"', first).group(1)
    second = browser.get(after).get_data(as_text=True)
    assert [card.split(" ·")[0] for card in rows(second)] == [
        f"new Bob Reed wrote in “T{n}”, which you follow" for n in (2, 1, 0)]
    assert 'rel="next"' not in second
    assert browser.get("/notifications?after=" + "a" * 12).status_code == 404


def test_a_moderator_hears_of_a_circle_they_are_not_in(ctx, make_browser):
    mod, bob = make_user("mod", "June Hale", role="moderator"), make_user("bob", "Bob Reed")
    circle = make_board("Inner", audience="circle")
    db.session.add(BoardMember(board_id=circle.id, user_id=bob.id, granted_at=utcnow()))
    db.session.commit()
    make_reply(bob, make_thread(mod, circle, title="Quiet room", body="x"), body="Hello.")
    browser = make_browser()
    assert browser.login("mod").status_code == 302
    (card,) = rows(browser.get("/notifications").get_data(as_text=True))
    assert card.startswith("new Bob Reed wrote in “Quiet room”, which you follow ·")


def test_the_page_reads_a_persons_newest_through_their_own_index(scene):
    """Not the whole table backwards by id: once others' notifications outnumber the reader's
    (every post tells its thread's followers), that walk passes over all of theirs. (SQLite's
    plan; PostgreSQL's depends on its statistics, and was measured: 6 ms -> 0.1 ms.)"""
    from forum.notifications import service
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the plan asserted is SQLite's")
    alice = User.query.filter_by(login_name="alice").one()
    sql = (service.for_user(alice).params(service.for_user_params(alice)).limit(21)
           .compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
    plan = " ".join(str(row[-1]) for row in
                    db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
    assert "ix_notifications_user_newest" in plan and "TEMP B-TREE" not in plan, plan


def test_two_people_page_through_their_own_notifications_only(ctx, make_browser, app):
    """The page's statement, and what paging makes of it, are built once per process; each
    request binds its own reader and cursor."""
    per_page = app.config["ITEMS_PER_PAGE"]
    alice, bob = make_user("alice", "Alice Marsh"), make_user("bob", "Bob Reed")
    cleo = make_user("cleo", "Cleo March")
    board = make_board("Talk")
    for n in range(per_page + 2):
        make_reply(cleo, make_thread(alice, board, title=f"Hers {n}", body="x"), body="y")
        make_reply(cleo, make_thread(bob, board, title=f"His {n}", body="x"), body="y")
    browsers = {}
    for person in ("alice", "bob"):
        browsers[person] = make_browser()
        assert browsers[person].login(person).status_code == 302
    nexts = {}
    for person, titles in (("alice", "Hers"), ("bob", "His")):
        first = browsers[person].get("/notifications").get_data(as_text=True)
        nexts[person] = re.search(r'href="(/notifications\?after=[^"]+)" rel="next"', first).group(1)
        second = rows(browsers[person].get(nexts[person]).get_data(as_text=True))
        assert [card.split(" ·")[0] for card in second] == [
            f"new Cleo March wrote in “{titles} {n}”, which you follow" for n in (1, 0)]
    # A cursor from someone else's list is no item of yours.
    assert browsers["alice"].get(nexts["bob"]).status_code == 404
    assert browsers["bob"].get(nexts["alice"]).status_code == 404


def test_paging_keeps_statements_only_for_a_list_built_once(scene, make_browser):
    """What paginate derives is kept for a statement built once per process (given params)
    and for nothing else, so lists built per request leave nothing behind."""
    from forum import pagination
    before = len(pagination._derived)
    visitor = make_browser()
    for url in ("/stories/", "/boards/", f"/threads/{scene['thread'].public_id}"):
        assert visitor.get(url).status_code == 200
    assert len(pagination._derived) == before
    scene["alice"].get("/notifications")
    scene["alice"].get("/notifications")
    assert len(pagination._derived) <= before + 1
