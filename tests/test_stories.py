"""Testimonies: writing, reading, editing, groups, and the comment tree under them."""
import re

import pytest

from forum.extensions import db
from forum.models import Post, Story
from tests.factories import make_reply, make_story, make_user


@pytest.fixture
def writer(person):
    person.register("writer", handle="Maren")
    return person


def test_write_story_with_groups_and_warnings(writer, client):
    r = writer.submit("/stories/new", {
        "title": "Ten years in the Fellowship", "summary": "How I got out.",
        "body": "# Leaving\n\nIt took *years*.", "warnings": ["abuse"],
        "other_warning": "shunning", "new_group": "Fellowship of the Open Door",
    })
    assert r.status_code == 302
    url = r.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    assert "Ten years in the Fellowship" in page
    assert "<h1>Leaving</h1>" in page and "<em>years</em>" in page
    assert "Content warnings: Abuse, shunning" in page
    assert "<details" in page
    assert "No comments yet" in page and "0 comments" not in page
    # A new group is the writer's proposal: shown with the story, listed once accepted
    # (tests/test_groups.py).
    assert "Fellowship of the Open Door <span class=\"muted\">(proposed)</span>" in page
    assert "Fellowship of the Open Door" not in client.get("/groups/").get_data(as_text=True)


def test_long_story_of_100000_characters(writer, client, ctx):
    body = ("I remember the meetings. " * 4000)[:100_000]
    r = writer.submit("/stories/new", {"title": "A long one", "body": body})
    assert r.status_code == 302
    assert len(db.session.scalar(db.select(Story)).body) == 100_000


def test_story_validation_keeps_text(writer):
    body = "A story I spent weeks on.\n\nEvery word matters."
    r = writer.submit("/stories/new", {"title": "", "body": body})
    page = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "A story I spent weeks on." in page and "Every word matters." in page


def test_edit_story_shows_edited_and_only_author_can(writer, make_browser, client):
    url = writer.submit("/stories/new", {"title": "Before", "body": "First text"}).headers["Location"]
    slug = url.rsplit("/", 1)[-1]
    edit = writer.get(f"/stories/{slug}/edit").get_data(as_text=True)
    assert "First text" in edit
    r = writer.submit(f"/stories/{slug}/edit", {"title": "After", "body": "Second text"})
    assert r.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "After" in page and "Second text" in page and "edited" in page
    other = make_browser()
    other.register("other")
    assert other.get(f"/stories/{slug}/edit").status_code == 403


def test_comment_reply_three_deep_edit_delete_and_read_as_visitor(writer, make_browser, client):
    url = writer.submit("/stories/new", {"title": "Out", "body": "Story"}).headers["Location"]
    thread_id = None
    reader = make_browser()
    reader.register("reader", handle="Jonas")
    story_page = reader.get(url).get_data(as_text=True)
    thread_id = re.search(r"/threads/([a-z0-9]+)/reply", story_page).group(1)
    r = reader.submit(url, {"body": "Thank you for writing this."}, action=f"/threads/{thread_id}/reply")
    assert r.status_code == 302
    first = r.headers["Location"].rsplit("#p", 1)[1]
    parent, ids = first, []
    for depth, text in enumerate(["Reply one", "Reply two", "Reply three"], start=1):
        who = writer if depth % 2 else reader
        r = who.submit(f"/threads/{thread_id}/reply?to={parent}", {"body": text, "parent_id": parent})
        assert r.status_code == 302, r.get_data(as_text=True)
        parent = r.headers["Location"].rsplit("#p", 1)[1]
        ids.append(parent)
    page = client.get(url).get_data(as_text=True)
    assert "4 comments" in page
    order = [page.index(t) for t in ["Thank you for writing this.", "Reply one", "Reply two", "Reply three"]]
    assert order == sorted(order)
    assert 'class="post depth-3' in page
    # The reader edits, then deletes, their first comment; the replies stay in place.
    r = reader.submit(f"/posts/{first}/edit", {"body": "Thank you, truly."})
    assert r.status_code == 302
    assert "Thank you, truly." in client.get(url).get_data(as_text=True)
    r = reader.submit(url, {"confirm": "yes"}, action=f"/posts/{first}/delete")
    assert r.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "[deleted]" in page and "Thank you, truly." not in page and "Reply three" in page
    # Another member cannot edit or delete someone else's post ("Reply two" is the reader's).
    assert writer.submit(url, {"body": "hijack"}, action=f"/posts/{ids[1]}/edit").status_code == 403
    assert writer.submit(url, {}, action=f"/posts/{ids[1]}/delete").status_code == 403
    page = client.get(url).get_data(as_text=True)
    assert "hijack" not in page and "Reply two" in page


def test_reply_to_deepest_level_attaches_at_that_level(app, ctx):
    user = make_user()
    story = make_story(user)
    post = None
    for _ in range(app.config["MAX_DEPTH"] + 2):
        post = make_reply(user, story.thread, post)
    depths = [p.depth for p in db.session.scalars(Post.tree(story.thread_id))]
    assert max(depths) == app.config["MAX_DEPTH"] - 1
    assert depths == sorted(depths)


@pytest.mark.parametrize("size", [5, 200])
def test_story_page_query_count_is_constant(app, ctx, client, count_queries, size):
    user = make_user()
    story = make_story(user, title="Counted")
    parent = None
    for i in range(size):
        parent = make_reply(user, story.thread, parent if i % 3 else None, body=f"post {i}")
    slug = story.slug
    with count_queries() as statements:
        assert client.get(f"/stories/{slug}").status_code == 200
    app.config.setdefault("_counts", {})[size] = len(statements)
    # The story with the reader's follow and bar and its groups; the page of the tree (a
    # first read: no copy kept yet).
    assert len(statements) == 2, statements


def test_index_paginates_newest_first(app, ctx, client):
    app.config["ITEMS_PER_PAGE"] = 2
    user = make_user()
    for i in range(5):
        make_story(user, title=f"Story number {i}")
    page = client.get("/stories/").get_data(as_text=True)
    assert "Story number 4" in page and "Story number 3" in page and "Story number 2" not in page
    nxt = re.search(r'href="(/stories/\?after=[a-z0-9]+)"', page).group(1)
    page2 = client.get(nxt).get_data(as_text=True)
    assert "Story number 2" in page2 and "Story number 1" in page2 and "Story number 4" not in page2
    assert client.get("/stories/?after=abc").status_code == 404


def test_unknown_story_is_404(client):
    assert client.get("/stories/nothing-here").status_code == 404


@pytest.mark.parametrize("barred", [False, True])
def test_a_members_story_page_takes_three_statements(app, ctx, make_browser, count_queries,
                                                       barred):
    """The reader with their unread count; the story with whether the reader follows its
    comments, whether its author barred them and its groups; the reader's own posts on the
    page. A bar shows as the closed comment box, read in the story's own statement."""
    from forum.models import StoryRestriction
    from forum.clock import utcnow
    writer, reader = make_user("writer", "Writer"), make_user("reader", "Reader")
    story = make_story(writer, title="Counted", group_names=["The Fellowship", "The Circle"])
    comment = make_reply(reader, story.thread, body="A comment.")
    make_reply(writer, story.thread, comment, body="An answer.")
    if barred:
        db.session.add(StoryRestriction(story_id=story.id, handle_id=comment.handle_id,
                                        user_id=reader.id, created_at=utcnow()))
    db.session.commit()
    url = f"/stories/{story.slug}"
    browser = make_browser()
    assert browser.login("reader").status_code == 302
    browser.get(url)
    with count_queries() as statements:
        html = browser.get(url).get_data(as_text=True)
    assert len(statements) == 3, statements
    # Its groups, by name, a proposed one said to be so.
    assert re.search(r'About: <a href="/groups/the-circle">The Circle</a>, '
                     r'<a href="/groups/the-fellowship">The Fellowship</a></p>', html), html
    assert ("closed to you" in html) is barred
    assert ('name="body"' in html) is not barred
