"""Search, narrowed and counted: how many results, only one kind, only one group's stories,
the query and the choices kept in the page's own form, and no result shown twice (a board
thread and its own first post)."""
from __future__ import annotations

import re

import pytest

from forum.clock import utcnow
from forum.extensions import db
from forum.models import Board, Group, Story, User
from forum.moderation import actions as moderation
from tests.factories import make_board, make_reply, make_story, make_thread, make_user
from tests.test_search import NEXT_RE, RESULT_RE

COUNT_RE = re.compile(r"<p class=\"search-count\"[^>]*>\s*(?:At least )?(\d+) results? for")


def page(client, q, **args):
    response = client.get("/search", query_string={"q": q, **args})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def found(client, q, **args) -> list[tuple[str, str]]:
    """(kind, url) of every result on every page, following the "next" links."""
    html = page(client, q, **args)
    out = RESULT_RE.findall(html)
    nxt = NEXT_RE.search(html)
    while nxt:
        html = client.get(nxt.group(1).replace("&amp;", "&")).get_data(as_text=True)
        out += RESULT_RE.findall(html)
        nxt = NEXT_RE.search(html)
    return out


def count(html) -> int | None:
    match = COUNT_RE.search(html)
    return int(match.group(1)) if match else None


@pytest.fixture
def world(ctx):
    """Two members, a public board and a members' board, and stories in two groups."""
    alice = make_user("alice", "Alice Marsh")
    bob = make_user("bob", "Bob Reed")
    make_user("mod", "Mod Person", role="moderator")
    board = make_board()
    members = make_board("Members", audience="members", position=1)
    orchard = make_story(alice, title="Compass in the orchard", body="The compass pointed home.",
                         group_names=["Orchard Fellowship"])
    river = make_story(alice, title="Compass by the river", body="No compass there.",
                       group_names=["River Assembly"])
    orchard_comment = make_reply(bob, orchard.thread, body="My compass too.")
    river_comment = make_reply(bob, river.thread, body="A compass, yes.")
    thread = make_thread(bob, board, title="Compass questions", body="Who kept a compass?")
    reply = make_reply(alice, thread, body="I kept a compass for years.")
    hidden = make_thread(bob, members, title="Compass, members only", body="compass inside")
    return {
        "orchard": f"/stories/{orchard.slug}", "river": f"/stories/{river.slug}",
        "orchard_comment": f"/posts/{orchard_comment.public_id}",
        "river_comment": f"/posts/{river_comment.public_id}",
        "thread": f"/threads/{thread.public_id}", "reply": f"/posts/{reply.public_id}",
        "first_post": f"/posts/{thread_first_post(thread)}",
        "members_thread": f"/threads/{hidden.public_id}",
        "orchard_slug": orchard.groups[0].slug, "river_slug": river.groups[0].slug,
        "board": board.id,
    }


def thread_first_post(thread) -> str:
    from sqlalchemy import select

    from forum.models import Post
    return db.session.scalar(select(Post.public_id).where(Post.thread_id == thread.id)
                             .order_by(Post.path).limit(1))


# --- no result twice ------------------------------------------------------------------------

def test_a_thread_and_its_own_first_post_are_one_result(world, client):
    """Broken before: the thread (by its title) and its first post (by its body) were two
    results with the same title, one under the other."""
    results = found(client, "compass")
    urls = [url for _, url in results]
    assert len(urls) == len(set(urls))
    assert world["thread"] in urls and world["first_post"] not in urls
    # Its other posts still show, and so does a first post when its thread's title does not
    # match (then it is the only way to the thread).
    assert world["reply"] in urls
    assert sorted(u for _, u in found(client, "kept")) == sorted([world["first_post"],
                                                                   world["reply"]])
    # Asked for posts only, the first post is the thread's one result.
    assert world["first_post"] in [u for _, u in found(client, "compass", kind="posts")]


def test_no_result_twice_across_pages(world, client, app):
    """Deduplicated in the ranking, before pages are cut: walking small pages shows every
    result once, and as many as the count says."""
    board = db.session.get(Board, world["board"])
    bob = db.session.scalar(db.select(User).where(User.login_name == "bob"))
    for n in range(4):
        make_thread(bob, board, title=f"Compass number {n}", body=f"compass body {n}")
    app.config["ITEMS_PER_PAGE"] = 3
    urls = [url for _, url in found(client, "compass")]
    assert len(urls) == len(set(urls))
    assert count(page(client, "compass")) == len(urls)


# --- the count ------------------------------------------------------------------------------

def test_the_page_says_how_many_results(world, client):
    html = page(client, "compass")
    # Both stories, both comments, the thread and its reply; not the first post, not the
    # members' thread (a visitor may not read that board).
    assert count(html) == 6
    assert "6 results for “compass”" in html
    assert count(page(client, "orchard")) == 1
    assert "1 result for “orchard”" in page(client, "orchard")
    assert count(page(client, "nothingatall")) is None
    assert "Nothing found for those words." in page(client, "nothingatall")


def test_the_count_follows_what_the_reader_may_see(world, app):
    from tests.conftest import Browser
    member = Browser(app.test_client())
    assert member.login("alice").status_code == 302
    urls = [u for _, u in found(member.client, "compass", kind="threads")]
    assert world["members_thread"] in urls
    assert count(page(member.client, "compass")) == 7
    # Hidden by a moderator: gone from the results and from the count.
    mod = db.session.scalar(db.select(User).where(User.login_name == "mod"))
    story = db.session.scalar(db.select(Story).where(Story.title == "Compass by the river"))
    moderation.hide(mod, story, reason="spam", now=utcnow())
    assert count(page(member.client, "compass")) == 5  # the story and its comment


# --- by kind ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, expected", [
    ("stories", {"orchard", "river"}),
    ("threads", {"thread"}),
    ("posts", {"orchard_comment", "river_comment", "first_post", "reply"}),
])
def test_a_search_keeps_to_one_kind(world, client, kind, expected):
    results = found(client, "compass", kind=kind)
    assert {url for _, url in results} == {world[name] for name in expected}
    assert {k for k, _ in results} == {{"stories": "story", "threads": "thread",
                                        "posts": "post"}[kind]}
    html = page(client, "compass", kind=kind)
    assert count(html) == len(expected)
    assert f'<option value="{kind}" selected>' in html


def test_an_unknown_kind_narrows_nothing(world, client):
    assert count(page(client, "compass", kind="everything; DROP")) == 6


def test_page_links_keep_the_kind_and_the_group(world, client, app):
    app.config["ITEMS_PER_PAGE"] = 1
    html = page(client, "compass", kind="stories")
    nxt = NEXT_RE.search(html).group(1).replace("&amp;", "&")
    assert "kind=stories" in nxt
    assert all(k == "story" for k, _ in found(client, "compass", kind="stories"))
    html = page(client, "compass", group=world["orchard_slug"])
    nxt = NEXT_RE.search(html).group(1).replace("&amp;", "&")
    assert f"group={world['orchard_slug']}" in nxt


# --- by group --------------------------------------------------------------------------------

def test_a_search_keeps_to_one_group(world, client):
    results = found(client, "compass", group=world["orchard_slug"])
    assert {url for _, url in results} == {world["orchard"], world["orchard_comment"]}
    html = page(client, "compass", group=world["orchard_slug"])
    assert count(html) == 2
    assert "in Orchard Fellowship" in html
    assert f'<option value="{world["orchard_slug"]}" selected>' in html
    # With a kind as well.
    assert [u for _, u in found(client, "compass", group=world["orchard_slug"],
                                kind="stories")] == [world["orchard"]]
    assert found(client, "compass", group=world["orchard_slug"], kind="threads") == []


def test_only_accepted_groups_are_offered_and_used(world, client):
    db.session.add(Group(name="Waiting Circle", slug="waiting-circle", description="",
                         state="proposed", created_at=utcnow()))
    db.session.commit()
    html = page(client, "compass")
    options = re.findall(r'<option value="([^"]*)"', html.split('id="search-group"')[1]
                         .split("</select>")[0])
    assert options == ["", world["orchard_slug"], world["river_slug"]]
    # A group not offered narrows nothing.
    assert count(page(client, "compass", group="waiting-circle")) == 6


# --- the form keeps the query ---------------------------------------------------------------

def test_the_page_form_keeps_the_query_and_the_choices(world, client):
    html = page(client, 'compass "&<tag>', kind="posts", group=world["river_slug"])
    box = re.search(r'<input type="search" id="search-q"[^>]*>', html).group(0)
    assert 'value="compass &#34;&amp;&lt;tag&gt;"' in box
    assert '<option value="posts" selected>' in html
    assert f'<option value="{world["river_slug"]}" selected>' in html
    assert "<tag>" not in html


def test_a_thread_result_shows_its_first_posts_words(world, client):
    """The first post is not a result of its own, so the thread's result shows its words."""
    html = page(client, "compass", kind="threads")
    item = html.split('<li class="search-result thread">')[1].split("</li>")[0]
    assert 'class="excerpt"' in item and "Who kept a <mark>compass</mark>?" in item


def test_a_hidden_first_posts_words_are_not_shown(world, client):
    from sqlalchemy import select

    from forum.models import Post
    mod = db.session.scalar(db.select(User).where(User.login_name == "mod"))
    first = db.session.scalar(select(Post).where(Post.public_id == world["first_post"]
                                                 .rsplit("/", 1)[1]))
    moderation.hide(mod, first, reason="spam", now=utcnow())
    html = page(client, "compass", kind="threads")
    item = html.split('<li class="search-result thread">')[1].split("</li>")[0]
    assert "Who kept" not in item and 'class="excerpt"' not in item


def test_a_count_past_what_is_ranked_says_at_least(world, client, monkeypatch):
    """Only each kind's WINDOW newest matches are ranked: when a kind has more, the count is
    a floor, and the page says so."""
    from forum.search import query as search_query
    assert "At least" not in page(client, "compass")
    monkeypatch.setattr(search_query, "WINDOW", 2)  # posts: 5 compass matches, 2 ranked
    html = page(client, "compass", kind="posts")
    assert re.search(r"At least \d+ results? for “compass”", html)
    assert "narrows them down" in html
    # A kind with fewer matches than its window is counted exactly.
    monkeypatch.setattr(search_query, "WINDOW", 8)  # stories' window: 8 // 4 = 2; 2 stories
    assert "At least" in page(client, "compass", kind="stories")
    monkeypatch.setattr(search_query, "WINDOW", 12)
    html = page(client, "compass", kind="stories")
    assert "At least" not in html and count(html) == 2
