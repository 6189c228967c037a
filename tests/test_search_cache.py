"""What search keeps of what it made (forum/search/results.py): excerpts and pages of results,
keyed by what they show; never an account or a reader's badge, never served for a text that
changed or a result this reader may not see, bounded, and forgotten after a while."""
from __future__ import annotations

import re
import time
from contextlib import contextmanager

import pytest

from forum import create_app
from forum.clock import utcnow
from forum.extensions import db
from forum.models import Post, User
from forum.moderation import actions as moderation
from forum.posting import replies
from forum.search import results as search_results
from tests.conftest import Browser
from tests.factories import make_board, make_reply, make_thread, make_user
from tests import test_page_statements

# PostgreSQL's revision held still, to count statements (tests/test_page_statements.py).
still_server = test_page_statements.still_server
RESULTS = re.compile(r'<ol class="item-list search-results".*?</ol>', re.S)


@pytest.fixture
def scene(ctx):
    bob = make_user("bob", "Bob Reed")
    make_user("ann", "Ann Fox")
    make_user("mod", "Mod Person", role="moderator")
    thread = make_thread(bob, make_board(), title="A question", body="Opening words.")
    post = make_reply(bob, thread, body="Original words about marmalade.")
    hidden = make_reply(bob, thread, body="Marmalade, under another name.", anonymous=True)
    db.session.commit()
    return {"bob": bob.id, "post": post.id, "anonymous": hidden.id}


def page(client, q="marmalade"):
    response = client.get("/search", query_string={"q": q})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def listed(client, q="marmalade"):
    found = RESULTS.search(page(client, q))
    return found.group(0) if found else ""


def entries(app, kind):
    cache = app.extensions["search_cache"]
    return {key: value for key, (value, _) in cache._items.items() if key[0] == kind}


def reader(app, login):
    browser = Browser(app.test_client())
    assert browser.login(login).status_code == 302
    return browser.client


@contextmanager
def second_app(app_config, **overrides):
    """Another app instance on the same database: a second worker, with its own caches."""
    if app_config["SQLALCHEMY_DATABASE_URI"].endswith(":memory:"):
        pytest.skip("needs a database two apps can share")
    other = create_app({**app_config, **overrides})
    try:
        yield other
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_page_is_made_once_and_kept_without_its_readers_badges(app, scene, client):
    bob, ann = reader(app, "bob"), reader(app, "ann")
    mine = listed(bob)
    # Bob's own names, public and anonymous, say "you" to him, as the author macro writes it.
    assert mine.count('<span class="badge">you</span>') == 2
    assert 'Bob Reed</a> <span class="badge">you</span> · <time' in mine
    (key, (made, pieces)), = entries(app, "list").items()
    assert "badge" not in "".join(pieces) and "Bob Reed" in "".join(pieces)
    # Everything shown, and nothing about any account: a name links to a profile or not.
    assert all(len(shown) == 10 and isinstance(shown[7], bool) for shown in key[3])
    assert [shown[6] for shown in key[3]].count("Bob Reed") == 1
    # The same page for another member and for a visitor, from the same copy, without badges.
    assert listed(ann) == listed(client) == mine.replace(' <span class="badge">you</span>', "")
    assert len(entries(app, "list")) == 1
    # Served from the copy: the same rows for the same words are not rendered again.
    assert "A question" in pieces[0]
    app.extensions["search_cache"].put(key, (made, [pieces[0].replace("A question", "Kept")]
                                             + pieces[1:]), 1000)
    assert "Kept" in listed(client)


def test_the_page_is_the_same_with_the_cache_or_without(app_config, request):
    app_config["SEARCH_CACHE_BYTES"] = 0
    app = request.getfixturevalue("app")
    with app.app_context():
        bob = make_user("bob", "Bob Reed")
        thread = make_thread(bob, make_board(), title="Marmalade", body="Opening words.")
        make_reply(bob, thread, body="Words about marmalade.", anonymous=True)
        db.session.commit()
        client = reader(app, "bob")
        without = page(client)
    assert without.count('<span class="badge">you</span>') == 2  # the thread and the reply
    assert "search_cache" not in app.extensions or len(app.extensions["search_cache"]) == 0
    if app_config["SQLALCHEMY_DATABASE_URI"].endswith(":memory:"):
        return  # another app cannot see this database
    with second_app(app_config, SEARCH_CACHE_BYTES=1_000_000) as other:
        client = reader(other, "bob")
        strip = lambda html: re.sub(r'((?:csrf_token|once)"[^>]*value=")[^"]+|nonce="[^"]+"', "", html)
        assert strip(page(client)) == strip(page(client)) == strip(without)
        # The page, its list and its two excerpts.
        assert len(other.extensions["search_cache"]) == 4


def test_an_edit_or_a_hidden_post_is_never_served_from_the_cache(app, scene, client):
    assert "Original words" in listed(client)
    bob = db.session.get(User, scene["bob"])
    replies.edit_post(bob, db.session.get(Post, scene["post"]),
                      "Rewritten words about marmalade and porridge.", now=utcnow())
    db.session.commit()
    html = listed(client)
    assert "Rewritten words about <mark>marmalade</mark>" in html
    assert "Original words" not in html
    mod = db.session.scalar(db.select(User).where(User.login_name == "mod"))
    for key in ("post", "anonymous"):
        moderation.hide(mod, db.session.get(Post, scene[key]), reason="spam", now=utcnow())
    db.session.commit()
    html = page(client)
    assert "Nothing found for those words." in html and "<mark>" not in html


def test_a_change_through_another_process_is_seen(app, scene, client, app_config):
    """Two app instances on one database stand for two workers, each with its own cache."""
    with second_app(app_config) as other:
        elsewhere = other.test_client()
        assert "Original words" in listed(elsewhere)
        assert "Original words" in listed(client)
        bob = Browser(client)
        assert bob.login("bob").status_code == 302
        public_id = db.session.get(Post, scene["post"]).public_id
        r = bob.submit(f"/posts/{public_id}/edit", {"body": "Marmalade, and nothing else."})
        assert r.status_code == 302
        html = listed(elsewhere)
        assert "<mark>Marmalade</mark>, and nothing else." in html
        assert "Original words" not in html
        # A moderator hides it through the first process: the second shows it no more.
        mod = Browser(app.test_client())
        assert mod.login("mod").status_code == 302
        r = mod.submit(f"/mod/posts/{public_id}", {"reason": "spam"},
                       action=f"/mod/posts/{public_id}/hide")
        assert r.status_code == 302
        html = listed(elsewhere)
        assert "nothing else" not in html and "under another name" in html


def test_an_excerpt_is_kept_by_its_words_and_text_alone(app, scene, client):
    assert "Original words about <mark>marmalade</mark>." in listed(client)
    kept = entries(app, "excerpt")
    assert len(kept) == 2
    for key, (made, pieces) in kept.items():
        assert key[1] == ("marmalade",) and isinstance(key[2], bytes) and len(key[2]) == 16
        assert "".join(text for text, _ in pieces) in (
            "Original words about marmalade.", "Marmalade, under another name.")


def test_an_old_page_is_made_again(app, scene, client):
    assert "Original words" in listed(client)
    cache = app.extensions["search_cache"]
    (key, (made, pieces)), = entries(app, "list").items()
    stale = time.monotonic() - search_results.MAX_AGE - 1
    cache.put(key, (stale, ["<ol>Words from long ago.", "", "</ol>"]), 100)
    assert "Words from long ago." not in listed(client)
    assert "Original words" in listed(client)


@pytest.mark.parametrize("size", [0, 3000])
def test_the_cache_is_bounded(app_config, size, request):
    app_config["SEARCH_CACHE_BYTES"] = size
    app = request.getfixturevalue("app")
    with app.app_context():
        bob = make_user("bob", "Bob Reed")
        thread = make_thread(bob, make_board(), title="Many", body="Opening words.")
        for n in range(12):
            make_reply(bob, thread, body=f"Reply {n} about marmalade, " + "jam " * n)
        db.session.commit()
    client = app.test_client()
    assert page(client).count('class="search-result post"') == 12
    cache = app.extensions["search_cache"]
    if size == 0:
        assert len(cache) == 0
    else:
        assert 0 < len(cache) < 13 and cache.size <= size
    assert page(client).count("<mark>marmalade</mark>") == 12


# --- a page asked again ---------------------------------------------------------------------

def statements(count_queries, ask) -> int:
    with count_queries() as found:
        ask()
    return len(found)


def test_a_page_asked_again_costs_one_statement_while_nothing_changed(
        app, scene, client, count_queries, still_server):
    first = page(client)
    assert statements(count_queries, lambda: page(client)) == 1  # the groups, and revision
    assert page(client) == first
    bob = reader(app, "bob")
    mine = listed(bob)
    # Bob's account, then the groups with which of the page's names are his.
    assert statements(count_queries, lambda: listed(bob)) == 2
    assert listed(bob) == mine and mine.count('<span class="badge">you</span>') == 2



def test_anything_written_has_a_page_answered_again(app, scene, client, count_queries):
    first = page(client)
    make_user("newcomer", "New Comer")
    with count_queries() as after_a_write:
        assert page(client) == first
    assert len(after_a_write) == 2  # the groups and revision, then the ranking


def test_a_new_match_shows_at_once_from_either_process(app, scene, client, app_config):
    with second_app(app_config) as other:
        elsewhere = other.test_client()
        assert listed(elsewhere).count("<li") == listed(client).count("<li") == 2
        bob = Browser(client)
        assert bob.login("bob").status_code == 302
        thread = db.session.get(Post, scene["post"]).thread
        r = bob.submit(f"/threads/{thread.public_id}/reply", {"body": "More marmalade."},
                       action=f"/threads/{thread.public_id}/reply")
        assert r.status_code in (302, 303)
        assert listed(elsewhere).count("<li") == 3 == listed(client).count("<li")
        carl = Browser(other.test_client())
        assert carl.register("carl").status_code == 302
        assert carl.submit(f"/threads/{thread.public_id}/reply", {"body": "Marmalade too."},
                           action=f"/threads/{thread.public_id}/reply").status_code in (302, 303)
        assert listed(client).count("<li") == 4 == listed(elsewhere).count("<li")


def test_a_kept_page_is_never_another_readers(app, ctx, client):
    from forum.models import BoardMember
    cara = make_user("cara", "Cara Lane")
    make_user("dan", "Dan Moss")
    circle = make_board("Circle", audience="circle")
    db.session.add(BoardMember(board_id=circle.id, user_id=cara.id, granted_at=utcnow()))
    make_thread(cara, circle, title="Quince", body="Quince jelly, in the circle.")
    make_thread(cara, make_board("Open"), title="Quince", body="Quince, for everyone.")
    db.session.commit()
    inside, outside = reader(app, "cara"), reader(app, "dan")
    for _ in range(2):  # made, then kept
        assert "in the circle" in listed(inside, "quince")
        assert "in the circle" not in listed(outside, "quince")
        assert "in the circle" not in listed(client, "quince")
        assert "for everyone" in listed(client, "quince")


def test_the_group_choices_follow_the_groups(app, scene, client):
    from tests.factories import make_story
    assert 'name="group"' not in page(client)  # no accepted group yet
    make_story(db.session.get(User, scene["bob"]), title="Marmalade days",
               group_names=["Orchard Fellowship"])
    html = page(client)
    assert '<option value="orchard-fellowship">Orchard Fellowship</option>' in html
    make_story(db.session.get(User, scene["bob"]), title="More", group_names=["Apple Assembly"])
    html = page(client)
    assert html.index("Apple Assembly") < html.index("Orchard Fellowship")
    html = client.get("/search", query_string={"q": "marmalade",
                                               "group": "orchard-fellowship"}).get_data(as_text=True)
    assert '<option value="orchard-fellowship" selected>Orchard Fellowship</option>' in html
    assert '<option value="apple-assembly">Apple Assembly</option>' in html
