"""Search's excerpt cache: made once per text and query words, never an author's or a
reader's, never served for a text that changed, bounded, and forgotten after a while."""
from __future__ import annotations

import time
from hashlib import blake2b

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


@pytest.fixture
def scene(ctx):
    bob = make_user("bob", "Bob Reed")
    make_user("mod", "Mod Person", role="moderator")
    thread = make_thread(bob, make_board(), title="A question", body="Opening words.")
    post = make_reply(bob, thread, body="Original words about marmalade.", anonymous=True)
    db.session.commit()
    return {"bob": bob.id, "post": post.id}


def page(client, q):
    response = client.get("/search", query_string={"q": q})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def cache_of(app):
    return app.extensions.get("search_excerpt_cache")


def test_an_excerpt_is_made_once_and_holds_no_author(app, scene, client):
    assert "Original words about <mark>marmalade</mark>." in page(client, "marmalade")
    cache = cache_of(app)
    assert len(cache) == 1
    (key, ((made, pieces), size)), = cache._items.items()
    # Only the words and the text's digest, and pieces of the text: no row, name or account.
    assert key[0] == ("marmalade",) and isinstance(key[1], bytes) and len(key[1]) == 16
    assert pieces == [("Original words about ", False), ("marmalade", True), (".", False)]
    # Served from the cache: the same text for the same words is not made again.
    cache.put(key, (made, [("Words from the cache.", False)]), size)
    assert "Words from the cache." in page(client, "marmalade")


def test_an_edit_or_a_hidden_post_is_never_served_from_the_cache(app, scene, client):
    assert "marmalade" in page(client, "marmalade")
    bob = db.session.get(User, scene["bob"])
    replies.edit_post(bob, db.session.get(Post, scene["post"]),
                      "Rewritten words about marmalade and porridge.", now=utcnow())
    db.session.commit()
    assert "Rewritten words about <mark>marmalade</mark>" in page(client, "marmalade")
    mod = db.session.scalar(db.select(User).where(User.login_name == "mod"))
    moderation.hide(mod, db.session.get(Post, scene["post"]), reason="spam", now=utcnow())
    db.session.commit()
    html = page(client, "marmalade")
    assert "Nothing found for those words." in html and "<mark>" not in html


def test_a_change_through_another_process_is_seen(app, scene, client, app_config):
    """Two app instances on one database stand for two workers, each with its own cache."""
    if app_config["SQLALCHEMY_DATABASE_URI"].endswith(":memory:"):
        pytest.skip("needs a database two apps can share")
    other = create_app(app_config)
    try:
        reader = other.test_client()
        assert "Original words" in page(reader, "marmalade")
        assert "Original words" in page(client, "marmalade")
        bob = Browser(client)
        assert bob.login("bob").status_code == 302
        public_id = db.session.get(Post, scene["post"]).public_id
        r = bob.submit(f"/posts/{public_id}/edit", {"body": "Marmalade, and nothing else."})
        assert r.status_code == 302
        html = page(reader, "marmalade")
        assert "<mark>Marmalade</mark>, and nothing else." in html
        assert "Original words" not in html
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_an_old_excerpt_is_made_again(app, scene, client):
    assert "Original words" in page(client, "marmalade")
    cache = cache_of(app)
    (key, ((made, pieces), size)), = cache._items.items()
    stale = time.monotonic() - search_results.EXCERPT_MAX_AGE - 1
    cache.put(key, (stale, [("Words from long ago.", False)]), size)
    assert "Words from long ago." not in page(client, "marmalade")
    assert "Original words" in page(client, "marmalade")


@pytest.mark.parametrize("size", [0, 1500])
def test_the_cache_is_bounded(app_config, size, request):
    app_config["SEARCH_EXCERPT_CACHE_BYTES"] = size
    app = request.getfixturevalue("app")
    with app.app_context():
        bob = make_user("bob", "Bob Reed")
        thread = make_thread(bob, make_board(), title="Many", body="Opening words.")
        for n in range(12):
            make_reply(bob, thread, body=f"Reply {n} about marmalade, " + "jam " * n)
        db.session.commit()
    client = app.test_client()
    assert page(client, "marmalade").count('class="search-result post"') == 12
    cache = cache_of(app)
    if size == 0:
        assert len(cache) == 0
    else:
        assert 0 < len(cache) < 12 and cache.size <= size
    # The page is the same with or without the cache.
    assert page(client, "marmalade").count("<mark>marmalade</mark>") == 12


def test_the_digest_is_of_the_text_itself():
    words = ("jam",)
    one = blake2b("<p>jam</p>".encode(), digest_size=16).digest()
    assert search_results.excerpt("<p>jam</p>", list(words)) == [("jam", True)]
    assert one != blake2b("<p>jam!</p>".encode(), digest_size=16).digest()
