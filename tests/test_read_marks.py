"""New since my last visit: read marks for a member who turns them on, through HTTP.

Off by default, never a row for a visitor or a member with it off; "N new" counts others'
visible posts after the mark (not one's own, not hidden, deleted or waiting ones), links to
the first, and stays outside the shared post tree; lists say "new"; a page costs a fixed
number of statements; marks are pruned after 90 days, exported, and deleted with the account
or when the setting is turned off.
"""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum import jobs
from forum.clock import utcnow
from forum.extensions import db
from forum.models import Post, User
from forum.models.reading import ReadMark
from forum.reading import service as reading
from tests.factories import make_board, make_reply, make_story, make_thread, make_user

NEW = re.compile(r'<p class="notice new-since"><a href="([^"]+)">(\d+) new posts?</a>')
LIST_NEW = '<span class="badge new">new</span>'


def marks() -> list[ReadMark]:
    db.session.expire_all()
    return db.session.scalars(select(ReadMark).order_by(ReadMark.id)).all()


def turn(browser, on: bool):
    data = {"keep_read_marks": "y"} if on else {}
    return browser.submit("/settings/reading", data)


def new_on(html: str) -> tuple[int, str] | None:
    found = NEW.search(html)
    return (int(found.group(2)), found.group(1)) if found else None


def page(browser, url: str) -> str:
    response = browser.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


@pytest.fixture
def scene(ctx, make_browser):
    """Wren wrote a story and started a thread; Ada reads (and turns the setting on), Bo
    replies, June moderates."""
    wren = make_user("wren", "Wren")
    ada = make_user("ada", "Ada")
    bo = make_user("bo", "Bo")
    make_user("june", "June", role="moderator")
    board = make_board("Talk")
    story = make_story(wren, title="The house on the hill", body="We lived there for years.")
    thread = make_thread(wren, board, title="Leaving in winter", body="How did you cope?")
    make_reply(bo, thread, body="Slowly.")
    people = {}
    for login in ("ada", "bo", "june", "wren"):
        people[login] = make_browser()
        assert people[login].login(login).status_code == 302
    return {"story": story, "thread": thread, "board": board, "ada_user": ada, "bo_user": bo,
            "story_url": f"/stories/{story.slug}", "thread_url": f"/threads/{thread.public_id}",
            **people}


def reply_as(browser, thread_public_id, body, **extra):
    r = browser.submit(f"/threads/{thread_public_id}/reply", {"body": body, **extra})
    assert r.status_code == 302, r.get_data(as_text=True)[:400]
    return r


# --- the setting ---------------------------------------------------------------------------

def test_off_by_default_and_nothing_is_recorded(scene):
    ada = scene["ada"]
    assert scene["ada_user"].keep_read_marks is False
    settings = page(ada, "/settings/reading")
    assert 'name="keep_read_marks"' in settings and "checked" not in settings
    # What is kept, for how long, who sees it, and what turning it off does: next to the box.
    for words in ("the newest post you were shown there and when", "Only you can see it",
                  "90 days", "Turning this off deletes all of them at once"):
        assert words in settings
    assert "Off: the site keeps nothing about what you read." in page(ada, "/settings")
    for url in (scene["story_url"], scene["thread_url"], "/", "/stories/", "/boards/talk"):
        assert new_on(page(ada, url)) is None
    assert marks() == []


def test_nothing_is_recorded_for_a_visitor(scene, client):
    for url in (scene["story_url"], scene["thread_url"], "/", "/stories/", "/boards/talk"):
        assert client.get(url).status_code == 200
    assert marks() == []


def test_turning_it_on_records_reading_and_off_deletes_every_mark(scene):
    ada = scene["ada"]
    assert turn(ada, True).status_code == 302
    assert "checked" in page(ada, "/settings/reading")
    assert "On: threads and stories you open" in page(ada, "/settings")
    page(ada, scene["thread_url"])
    page(ada, scene["story_url"])
    assert {m.thread_id for m in marks()} == {scene["thread"].id, scene["story"].thread_id}
    assert all(m.user_id == scene["ada_user"].id for m in marks())
    # Another member's marks stay when Ada turns hers off.
    assert turn(scene["bo"], True).status_code == 302
    page(scene["bo"], scene["thread_url"])
    assert turn(ada, False).status_code == 302
    assert [m.user_id for m in marks()] == [scene["bo_user"].id]
    db.session.expire_all()
    assert db.session.get(User, scene["ada_user"].id).keep_read_marks is False
    page(ada, scene["thread_url"])
    assert [m.user_id for m in marks()] == [scene["bo_user"].id]


def test_the_setting_needs_its_token_and_a_login(scene, client):
    # A visitor's POST is refused before anything (no token, no account).
    assert client.post("/settings/reading", data={"keep_read_marks": "y"}).status_code in (
        302, 400, 401)
    assert scene["ada"].client.post("/settings/reading",
                                    data={"keep_read_marks": "y"}).status_code == 400
    db.session.expire_all()
    assert db.session.get(User, scene["ada_user"].id).keep_read_marks is False


# --- "N new" -------------------------------------------------------------------------------

def test_replies_by_others_count_and_link_to_the_first(scene):
    ada, bo = scene["ada"], scene["bo"]
    turn(ada, True)
    assert new_on(page(ada, scene["story_url"])) is None  # first visit: the mark is made
    first = make_reply(scene["bo_user"], scene["story"].thread, body="It took me years too.")
    make_reply(scene["bo_user"], scene["story"].thread, parent=first,
               body="And then some.")
    reply_as(bo, scene["story"].thread.public_id, "One more from me.")
    html = page(ada, scene["story_url"])
    assert new_on(html) == (3, f"#p{first.public_id}")
    assert f'id="p{first.public_id}"' in html
    # Read now: a reread says nothing and writes nothing.
    assert new_on(page(ada, scene["story_url"])) is None


def test_one_ngettext_for_one(scene):
    ada = scene["ada"]
    turn(ada, True)
    page(ada, scene["thread_url"])
    make_reply(scene["bo_user"], scene["thread"], body="Another thought.")
    html = page(ada, scene["thread_url"])
    assert new_on(html)[0] == 1 and ">1 new post</a> since your last visit" in html


def test_ones_own_reply_is_never_new(scene):
    ada, bo = scene["ada"], scene["bo"]
    turn(ada, True)
    page(ada, scene["thread_url"])
    reply_as(ada, scene["thread"].public_id, "My own words.")
    reply_as(ada, scene["thread"].public_id, "Mine again, under a pseudonym.", anonymous="y")
    assert new_on(page(ada, scene["thread_url"])) is None
    # Bo answers, then Ada answers after him: his post is still new to her when she comes back
    # through her own reply's redirect, and hers does not count.
    reply_as(bo, scene["thread"].public_id, "Bo answers.")
    bo_post = db.session.scalar(select(Post).where(Post.body == "Bo answers."))
    r = reply_as(ada, scene["thread"].public_id, "Ada again.")
    html = page(ada, r.headers["Location"])
    assert new_on(html) == (1, f"#p{bo_post.public_id}")
    assert new_on(page(ada, scene["thread_url"])) is None


def test_hidden_deleted_and_waiting_posts_do_not_count(scene):
    ada, june = scene["ada"], scene["june"]
    turn(ada, True)
    page(ada, scene["thread_url"])
    hidden = make_reply(scene["bo_user"], scene["thread"], body="Something a moderator hides.")
    gone = make_reply(scene["bo_user"], scene["thread"], body="Something Bo deletes.")
    waiting = make_reply(scene["bo_user"], scene["thread"], body="Waiting for review.")
    kept = make_reply(scene["bo_user"], scene["thread"], body="This one stays.")
    r = june.submit(scene["thread_url"], {"reason": "Off topic"},
                    action=f"/mod/posts/{hidden.public_id}/hide")
    assert r.status_code == 302
    r = scene["bo"].submit(f"/posts/{gone.public_id}/delete", {"confirm": "yes"})
    assert r.status_code == 302
    db.session.get(Post, waiting.id).state = "pending"
    db.session.commit()
    html = page(ada, scene["thread_url"])
    assert new_on(html) == (1, f"#p{kept.public_id}")
    # A moderator who keeps marks sees hidden posts, yet they do not count as new either.
    turn(june, True)
    page(june, scene["thread_url"])
    hidden_too = make_reply(scene["bo_user"], scene["thread"], body="Hidden again.")
    db.session.get(Post, hidden_too.id).state = "hidden"
    db.session.commit()
    assert new_on(page(june, scene["thread_url"])) is None


def test_without_the_members_tree_cache_the_count_is_the_same(scene, app):
    """A member's page rendered for them alone (no shared copy) moves the mark the same way."""
    app.config["MEMBER_TREE_CACHE_BYTES"] = 0
    app.extensions["member_tree_cache"].max_chars = 0
    ada = scene["ada"]
    turn(ada, True)
    page(ada, scene["thread_url"])
    post = make_reply(scene["bo_user"], scene["thread"], body="Uncached words.")
    assert new_on(page(ada, scene["thread_url"])) == (1, f"#p{post.public_id}")
    assert new_on(page(ada, scene["thread_url"])) is None


def test_the_first_new_post_on_a_later_page_is_linked_by_its_address(scene, app):
    app.config["POSTS_PER_PAGE"] = 3
    ada = scene["ada"]
    turn(ada, True)
    page(ada, scene["thread_url"])  # the first page: Wren's post and Bo's
    for n in range(4):
        last = make_reply(scene["bo_user"], scene["thread"], body=f"Reply {n}.")
    first_new = db.session.scalar(select(Post).where(Post.body == "Reply 0."))
    html = page(ada, scene["thread_url"])
    assert new_on(html) == (4, f"#p{first_new.public_id}")
    # The first page showed Reply 0 only: the mark moved to it, not past what she never saw.
    count, link = new_on(page(ada, scene["thread_url"]))
    assert count == 3 and link == f"/posts/{db.session.scalar(select(Post.public_id).where(Post.body == 'Reply 1.'))}"
    assert ada.get(link).status_code == 302
    assert last.id > max(m.last_post_id for m in marks())


def test_the_count_lives_outside_the_shared_tree(scene, make_browser):
    """Ada (marks on, something new) and Cy (no marks, the same rights, no post here) get
    the very same tree: nothing of Ada's reading is inside it."""
    ada = scene["ada"]
    make_user("cy", "Cy")
    cy = make_browser()
    assert cy.login("cy").status_code == 302
    turn(ada, True)
    page(ada, scene["thread_url"])
    make_reply(scene["bo_user"], scene["thread"], body="New for Ada.")
    tree = re.compile(r'<ol class="comment-tree.*</ol>', re.S)
    ada_html, cy_html = page(ada, scene["thread_url"]), page(cy, scene["thread_url"])
    assert new_on(ada_html) is not None and new_on(cy_html) is None
    clean = lambda html: re.sub(r'value="[^"]*"', "", tree.search(html).group(0))  # noqa: E731
    assert clean(ada_html) == clean(cy_html)
    assert "new-since" not in tree.search(ada_html).group(0)


def test_a_mark_is_private(scene):
    """No page shows anyone else's reading: Bo keeps no marks and sees nothing of Ada's."""
    ada, bo = scene["ada"], scene["bo"]
    turn(ada, True)
    page(ada, scene["thread_url"])
    make_reply(scene["bo_user"], scene["thread"], body="Later words.")
    for url in (scene["thread_url"], "/boards/talk", "/", "/u/Ada"):
        html = page(bo, url)
        assert new_on(html) is None and LIST_NEW not in html
    turn(bo, True)  # Bo's own marks start empty: Ada's never show for him
    for url in ("/boards/talk", "/"):
        assert LIST_NEW not in page(bo, url)


# --- lists ---------------------------------------------------------------------------------

def test_lists_mark_what_has_something_new(scene):
    ada = scene["ada"]
    turn(ada, True)
    other = make_story(scene["bo_user"], title="Another story", body="Text.",
                       group_names=["The Fellowship"])
    for url in ("/stories/", "/boards/talk", "/", "/groups/the-fellowship"):
        assert LIST_NEW not in page(ada, url)
    page(ada, scene["story_url"])
    page(ada, scene["thread_url"])
    # Nothing new yet, and a thread never opened is not "new".
    make_reply(scene["bo_user"], other.thread, body="On the unopened story.")
    for url in ("/stories/", "/boards/talk", "/"):
        assert LIST_NEW not in page(ada, url)
    make_reply(scene["bo_user"], scene["story"].thread, body="On the story.")
    make_reply(scene["bo_user"], scene["thread"], body="In the thread.")
    stories_page = page(ada, "/stories/")
    assert stories_page.count(LIST_NEW) == 1
    assert re.search(r"The house on the hill</a> <span class=\"badge new\">", stories_page)
    assert page(ada, "/boards/talk").count(LIST_NEW) == 1
    assert page(ada, "/").count(LIST_NEW) == 2
    page(ada, f"/stories/{other.slug}")
    make_reply(scene["bo_user"], other.thread, body="Now she has read it.")
    assert page(ada, "/groups/the-fellowship").count(LIST_NEW) == 1
    # Her own reply does not make a list say new.
    page(ada, scene["thread_url"])
    reply_as(ada, scene["thread"].public_id, "My answer.")
    assert page(ada, "/boards/talk").count(LIST_NEW) == 0


# --- statements ----------------------------------------------------------------------------

def _statements(count_queries, browser, url) -> int:
    browser.get(url)
    with count_queries() as statements:
        assert browser.get(url).status_code == 200
    return len(statements)


@pytest.mark.parametrize("kind", ["thread", "story"])
def test_a_page_costs_one_statement_more_and_one_write_only_when_something_is_new(
        scene, count_queries, kind):
    url = scene[f"{kind}_url"]
    thread = scene["thread"] if kind == "thread" else scene["story"].thread
    ada, wren = scene["ada"], scene["wren"]
    off = _statements(count_queries, ada, url)
    assert _statements(count_queries, wren, url) == off
    turn(ada, True)
    on = _statements(count_queries, ada, url)
    assert on == off + 1  # the mark and what is new since, in one statement; a reread writes nothing
    for size in (1, 12):
        for n in range(size):
            make_reply(scene["bo_user"], thread, body=f"Batch {size}, {n}.")
        # Wren (marks off, the same rights) reads first: the shared tree is rendered once for
        # both, so what is counted below is Ada's page alone.
        assert _statements(count_queries, wren, url) == off
        with count_queries() as statements:
            assert new_on(page(ada, url))[0] == size
        writes = [s for s in statements if not s.lstrip().upper().startswith("SELECT")]
        assert len(statements) == off + 2, statements  # and one upsert
        assert len(writes) == 1 and "ON CONFLICT" in writes[0].upper()
        assert _statements(count_queries, ada, url) == on


@pytest.mark.parametrize("url", ["/", "/stories/", "/boards/talk", "/groups/the-fellowship"])
def test_a_list_costs_one_statement_more_whatever_its_length(scene, count_queries, url):
    ada = scene["ada"]
    turn(ada, True)
    counts = []
    for size in (1, 10):
        for n in range(size):
            story = make_story(scene["bo_user"], title=f"Story {size}-{n}", body="Words.",
                               group_names=["The Fellowship"])
            thread = make_thread(scene["bo_user"], scene["board"], title=f"Thread {size}-{n}",
                                 body="Words.")
            page(ada, f"/stories/{story.slug}")
            page(ada, f"/threads/{thread.public_id}")
            make_reply(scene["bo_user"], story.thread, body="New.")
            make_reply(scene["bo_user"], thread, body="New.")
        counts.append(_statements(count_queries, ada, url))
    assert counts[0] == counts[1]
    turn(ada, False)
    assert _statements(count_queries, ada, url) == counts[0] - 1


# --- pruning, export, deletion -------------------------------------------------------------

def test_marks_older_than_90_days_are_pruned_by_the_daily_jobs(scene, app):
    ada = scene["ada"]
    turn(ada, True)
    page(ada, scene["thread_url"])
    page(ada, scene["story_url"])
    old = db.session.scalar(select(ReadMark).where(ReadMark.thread_id == scene["thread"].id))
    old.read_at = utcnow() - timedelta(days=91)
    db.session.commit()
    assert "read-marks" in jobs.NAMES
    result = app.test_cli_runner().invoke(args=["jobs", "run", "--only", "read-marks"])
    assert result.exit_code == 0, result.output
    assert "read-marks: Removed 1 read mark older than 90 days." in result.output
    assert [m.thread_id for m in marks()] == [scene["story"].thread_id]
    # A mark 89 days old stays.
    assert reading.prune(utcnow() + timedelta(days=89)) == 0
    db.session.commit()
    assert len(marks()) == 1


def test_the_export_holds_the_marks_as_the_member_saw_them(scene):
    ada = scene["ada"]
    turn(ada, True)
    page(ada, scene["thread_url"])
    page(ada, scene["story_url"])
    turn(scene["bo"], True)
    page(scene["bo"], scene["thread_url"])
    data = json.loads(ada.submit("/settings", {}, action="/settings/export").get_data())
    assert data["account"]["keep_read_marks"] is True
    got = {(m["title"], m["address"]) for m in data["read_marks"]}
    assert got == {("Leaving in winter", scene["thread_url"]),
                   ("The house on the hill", scene["story_url"])}
    bo_post = db.session.scalar(select(Post).where(Post.body == "Slowly."))
    thread_mark = next(m for m in data["read_marks"] if m["address"] == scene["thread_url"])
    assert thread_mark["newest_post_seen"] == bo_post.public_id and thread_mark["read_at"]
    # Never a row id, and nothing of Bo's reading.
    assert "last_post_id" not in json.dumps(data["read_marks"])
    assert len(data["read_marks"]) == 2


def test_deleting_the_account_deletes_its_marks(scene):
    ada, ada_id = scene["ada"], scene["ada_user"].id
    turn(ada, True)
    page(ada, scene["thread_url"])
    turn(scene["bo"], True)
    page(scene["bo"], scene["thread_url"])
    r = ada.submit("/settings/delete", {"writing": "keep",
                                        "current_password": "correct horse battery"})
    assert r.status_code == 302
    assert [m.user_id for m in marks()] == [scene["bo_user"].id]
    assert db.session.scalar(select(func.count(ReadMark.id))
                             .where(ReadMark.user_id == ada_id)) == 0
