"""SQL statements per read page, for a visitor and for a member.

A member's page costs one statement more than a visitor's, whatever the page and however
much it lists: their account, read with their header's unread count in one statement (and a
group page's "following" in the group's own). The folded count is the same number the
header's own count query gives, for members, circle members and moderators."""
import re

import pytest
from sqlalchemy import select

from forum.clock import utcnow
from forum.extensions import db
from forum.models import BoardMember, Group, GroupAlias, Notification, User
from forum.models.groups import ALIAS, FORMER
from forum.notifications import service
from forum.search import kept
from forum.slugs import slugify
from tests.factories import make_board, make_reply, make_story, make_thread, make_user

PAGES = {
    "home": "/",
    "story index": "/stories/",
    "profile": "/u/Writer",
    "search": "/search?q=meeting",
    "group": "/groups/the-fellowship",
}
# Statements per page for a visitor; a member's page costs one more (their account). A search
# asks one when it is asked again with nothing changed (forum/search/kept.py): the groups it
# may keep to, with the database's revision (and a member's own names among the results). A
# new search adds the ranking, with what the page shows of its results: tests/test_search.py
# counts those, and checks that they do not grow with the results.
VISITOR = {"home": 2, "story index": 1, "profile": 3, "group": 2}


def expected(member: bool, search: int) -> dict[str, int]:
    counts = {**VISITOR, "search": search}
    if member:
        counts = {page: n + 1 for page, n in counts.items()}
        counts["notifications"] = 2
    return counts


UNREAD = re.compile(r"Notifications <span class=\"badge\">(\d+)<")


def _site(size: int) -> None:
    writer = make_user("writer", "Writer")
    reader = make_user("reader", "Reader")
    board = make_board("General")
    for n in range(size):
        story = make_story(writer, title=f"Story {n}", body=f"A meeting, number {n}.",
                           group_names=["The Fellowship"])
        make_reply(reader, story.thread, body=f"Thanks for the meeting {n}.")
        thread = make_thread(writer, board, title=f"Thread {n}", body=f"The meeting {n}.")
        make_reply(reader, thread, body=f"After the meeting {n}.")
    db.session.commit()


def _counts(make_browser, count_queries, who) -> dict[str, int]:
    person = make_browser()
    if who:
        assert person.login(who).status_code == 302
    found = {}
    for name in [*PAGES, *(["notifications"] if who else [])]:
        url = PAGES.get(name, "/notifications")
        person.get(url)  # the first request of a process fills its caches
        with count_queries() as statements:
            response = person.get(url)
        assert response.status_code == 200, (name, response.status_code)
        found[name] = len(statements)
    return found


@pytest.fixture
def still_server(monkeypatch):
    """PostgreSQL's revision for kept search pages (forum/search/kept.py) is the server's:
    other test runs writing to their own databases would have a kept page answered again at
    random. Here it is held still, to count statements; tests/test_search_cache.py checks it."""
    monkeypatch.setitem(kept.REVISION, "postgresql", "'still'")
    kept._facts.cache_clear()
    yield
    kept._facts.cache_clear()


@pytest.mark.parametrize("size", [2, 12])
def test_each_read_page_costs_fixed_statements_for_visitors_and_members(
        ctx, make_browser, count_queries, size, still_server):
    _site(size)
    visitor = _counts(make_browser, count_queries, None)
    search = visitor["search"]
    assert search == 1
    assert visitor == expected(False, search)
    assert _counts(make_browser, count_queries, "writer") == expected(True, search)
    assert _counts(make_browser, count_queries, "reader") == expected(True, search)


def test_a_followed_group_page_says_so_in_the_same_statements(ctx, make_browser,
                                                               count_queries):
    _site(2)
    person = make_browser()
    person.login("reader")
    assert "Unfollow" not in person.get("/groups/the-fellowship").get_data(as_text=True)
    assert person.submit("/groups/the-fellowship", {"follow": "1"},
                         action="/groups/the-fellowship/follow").status_code == 302
    with count_queries() as statements:
        page = person.get("/groups/the-fellowship").get_data(as_text=True)
    assert len(statements) == VISITOR["group"] + 1
    assert "Unfollow" in page


def test_the_unread_count_read_with_the_account_is_exact(ctx, make_browser):
    """Members, a circle's member and a moderator each see their own exact count, and the
    count read with the account matches the header's own count query; marking read shows."""
    writer = make_user("writer", "Writer", role="moderator")
    make_user("ana", "Ana")
    cara = make_user("cara", "Cara")
    make_user("mod", "Mod", role="moderator")
    public, circle = make_board("Open"), make_board("Inner", audience="circle")
    db.session.add(BoardMember(board_id=circle.id, user_id=cara.id, granted_at=utcnow()))
    threads = [make_thread(writer, public, title="Open talk"),
               make_thread(writer, circle, title="Circle talk"),
               make_story(writer).thread]
    posts = [make_reply(writer, thread, body="A reply.") for thread in threads]
    users = db.session.scalars(select(User).where(User.login_name != "writer")).all()
    for user in users:
        for thread, post in zip(threads, posts):
            db.session.add(Notification(user_id=user.id, kind="reply", thread_id=thread.id,
                                        post_id=post.id, created_at=utcnow()))
    db.session.commit()
    expected = {"ana": 2, "cara": 3, "mod": 3}
    for login, number in expected.items():
        user = db.session.scalar(select(User).where(User.login_name == login))
        assert db.session.scalar(service._unread_of(user, user.id)) == number
        person = make_browser()
        person.login(login)
        assert UNREAD.findall(person.get("/").get_data(as_text=True)) == [str(number)]
        assert person.submit("/notifications", {},
                             action="/notifications/read-all").status_code == 302
        assert UNREAD.findall(person.get("/").get_data(as_text=True)) == []


def test_the_header_counts_to_nine_then_says_more(ctx, make_browser):
    """Past UNREAD_SHOWN unread notifications the header says "9+" (read aloud as "more than
    9 unread") and the count stops there: a reader back after months away costs each page
    the same as one with a single reply. The notifications page still lists them all."""
    writer = make_user("writer", "Writer")
    reader = make_user("reader", "Reader")
    thread = make_thread(writer, make_board("Open"), title="Open talk")
    posts = [make_reply(writer, thread, body=f"Reply {n}.") for n in range(12)]
    for count, post in enumerate(posts, start=1):
        db.session.add(Notification(user_id=reader.id, kind="reply", thread_id=thread.id,
                                    post_id=post.id, created_at=utcnow()))
        db.session.commit()
        if count not in (service.UNREAD_SHOWN, service.UNREAD_SHOWN + 1, 12):
            continue
        person = make_browser()
        person.login("reader")
        page = person.get("/").get_data(as_text=True)
        if count <= service.UNREAD_SHOWN:
            assert UNREAD.findall(page) == [str(count)]
            assert "more than" not in page
        else:
            assert UNREAD.findall(page) == []
            assert page.count('<span aria-hidden="true">9+</span>'
                              '<span class="visually-hidden">more than 9 unread</span>') == 3
        assert db.session.scalar(service._unread_of(reader, reader.id)) == min(
            count, service.UNREAD_SHOWN + 1)
    listed = person.get("/notifications").get_data(as_text=True)
    assert listed.count("Reply 1") >= 1 and "Open talk" in listed


def test_a_static_file_or_feed_loads_the_account_without_counting(ctx, make_browser,
                                                                  count_queries):
    make_user("writer", "Writer")
    person = make_browser()
    person.login("writer")
    for url in ("/static/css/site.css", "/feeds/stories.atom", "/healthz", "/favicon.ico"):
        with count_queries() as statements:
            assert person.get(url).status_code == 200
        assert any("FROM users" in s for s in statements), url
        assert not any("notifications" in s for s in statements), url
    with count_queries() as statements:
        person.get("/")
    assert [s for s in statements if "FROM users" in s and "notifications" in s]


def test_a_group_page_reads_its_other_names_in_the_group_statement(ctx, make_browser,
                                                                    count_queries):
    """Several other names of each kind come with the group's own row, in order of name,
    for a visitor and for a member who follows it; a group without any has none shown."""
    _site(2)
    group = db.session.scalar(select(Group).where(Group.slug == "the-fellowship"))
    for name, kind in (("Zion Circle", ALIAS), ("Amber Way", ALIAS), ("Old Fellowship", FORMER),
                       ("First Fellowship", FORMER)):
        db.session.add(GroupAlias(group_id=group.id, name=name, slug=slugify(name), kind=kind,
                                  created_at=utcnow()))
    db.session.commit()
    visitor, reader = make_browser(), make_browser()
    reader.login("reader")
    assert reader.submit("/groups/the-fellowship", {"follow": "1"},
                         action="/groups/the-fellowship/follow").status_code == 302
    for person, count in ((visitor, VISITOR["group"]), (reader, VISITOR["group"] + 1)):
        person.get("/groups/the-fellowship")
        with count_queries() as statements:
            page = person.get("/groups/the-fellowship").get_data(as_text=True)
        assert len(statements) == count
        assert "Also known as: Amber Way, Zion Circle</p>" in page
        assert "Formerly: First Fellowship, Old Fellowship</p>" in page
        assert page.count("Story 1</a>") == 1  # each story once, whatever the names
        assert ("Unfollow" in page) == (person is reader)


@pytest.mark.parametrize("size", [2, 12])
def test_a_member_keeping_read_marks_pays_one_statement_per_list(ctx, make_browser,
                                                                  count_queries, size,
                                                                  still_server):
    """"New since my last visit" on (forum/reading): the lists that mark what is new (home,
    story index, a group) cost one statement more, whatever they list; the others the same."""
    _site(size)
    reader = db.session.scalar(select(User).where(User.login_name == "reader"))
    reader.keep_read_marks = True
    db.session.commit()
    found = _counts(make_browser, count_queries, "reader")
    marked = {"home", "story index", "group"}
    assert found == {page: n + (page in marked)
                     for page, n in expected(True, 1).items()}
