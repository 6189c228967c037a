"""The rendered post trees kept for readers who are not logged in (forum/threads/cache.py).

Each test first lets a visitor read the page, so the tree is in the cache, then changes it
through the site as a person would, and reads it again: the visitor must see the change at
once. Whatever the path of the change, a stale copy must never be served.
"""
import pytest
from sqlalchemy import select

from forum import create_app
from forum.extensions import db
from forum.models import Board, Post, Thread
from forum.threads.cache import TreeCache
from tests.factories import make_board, make_reply, make_story, make_thread, make_user

PASSWORD = "correct horse battery"


@pytest.fixture
def scene(ctx, person, make_browser):
    """Ada's thread with Ben's reply; `person` is Ada, logged in; `visitor` is logged out."""
    ada = make_user("ada", "Ada")
    ben = make_user("ben", "Ben")
    june = make_user("june", "June", role="moderator")
    thread = make_thread(ada, make_board(), title="Leaving", body="The first meeting.")
    reply = make_reply(ben, thread, thread_first_post(thread), body="Ben was there too.")
    ids = {"thread": thread.public_id, "reply": reply.public_id, "june": june.id}
    person.login("ada")
    ben_browser = make_browser()
    ben_browser.login("ben")
    june_browser = make_browser()
    june_browser.login("june")
    visitor = make_browser()
    return {**ids, "ada": person, "ben": ben_browser, "june": june_browser, "visitor": visitor,
            "url": f"/threads/{ids['thread']}"}


def thread_first_post(thread):
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id).order_by(Post.path))


def page(browser, url) -> str:
    response = browser.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_visitor_reads_the_second_time_from_the_cache(app, scene, count_queries):
    first = page(scene["visitor"], scene["url"])
    with count_queries() as statements:
        second = page(scene["visitor"], scene["url"])
    assert second == first
    assert "Ben was there too." in second
    assert len(statements) == 1, statements  # the thread row, which holds the key


def test_members_are_never_served_the_visitors_copy(scene):
    page(scene["visitor"], scene["url"])
    ada = page(scene["ada"], scene["url"])
    # Her own links and badge, which a shared copy must not carry to anyone else.
    assert "/reply?to=" in ada and '<span class="badge">you</span>' in ada
    visitor = page(scene["visitor"], scene["url"])
    assert "/reply?to=" not in visitor and "badge\">you<" not in visitor


def test_a_new_reply_shows_at_once(scene):
    page(scene["visitor"], scene["url"])
    r = scene["ben"].submit(f"{scene['url']}/reply", {"body": "Another thing I remember."})
    assert r.status_code == 302
    assert "Another thing I remember." in page(scene["visitor"], scene["url"])


def test_an_edit_shows_at_once(scene):
    page(scene["visitor"], scene["url"])
    url = f"/posts/{scene['reply']}/edit"
    r = scene["ben"].submit(url, {"body": "Ben was there, and saw it all."})
    assert r.status_code == 302
    html = page(scene["visitor"], scene["url"])
    assert "Ben was there, and saw it all." in html and "Ben was there too." not in html
    assert "edited" in html


def test_a_deletion_shows_at_once(scene):
    page(scene["visitor"], scene["url"])
    r = scene["ben"].submit(scene["url"], {"confirm": "yes"},
                            action=f"/posts/{scene['reply']}/delete")
    assert r.status_code == 302
    html = page(scene["visitor"], scene["url"])
    assert "Ben was there too." not in html and "[deleted]" in html


def test_an_undone_deletion_shows_at_once(scene):
    page(scene["visitor"], scene["url"])
    delete = f"/posts/{scene['reply']}/delete"
    scene["ben"].submit(scene["url"], {"confirm": "yes"}, action=delete)
    assert "[deleted]" in page(scene["visitor"], scene["url"])
    r = scene["ben"].submit(f"/posts/{scene['reply']}/deleted", {},
                            action=f"/posts/{scene['reply']}/undo-delete")
    assert r.status_code == 302
    html = page(scene["visitor"], scene["url"])
    assert "Ben was there too." in html and "[deleted]" not in html


def test_hiding_and_restoring_show_at_once(scene):
    page(scene["visitor"], scene["url"])
    hide = f"/mod/posts/{scene['reply']}/hide"
    r = scene["june"].submit(f"/mod/posts/{scene['reply']}", {"reason": "Doxxing"}, action=hide)
    assert r.status_code == 302
    html = page(scene["visitor"], scene["url"])
    assert "Ben was there too." not in html and "[removed]" in html
    restore = f"/mod/posts/{scene['reply']}/restore"
    r = scene["june"].submit(f"/mod/posts/{scene['reply']}", {"reason": "Cleared"},
                             action=restore)
    assert r.status_code == 302
    assert "Ben was there too." in page(scene["visitor"], scene["url"])


@pytest.mark.parametrize("writing", ["keep", "remove"])
def test_an_erased_account_vanishes_at_once(scene, writing):
    """Erasing an account changes posts and names with bulk statements, past the ORM."""
    html = page(scene["visitor"], scene["url"])
    assert ">Ben<" in html
    r = scene["ben"].submit("/settings/delete", {"writing": writing,
                                                 "current_password": PASSWORD})
    assert r.status_code == 302
    html = page(scene["visitor"], scene["url"])
    assert "Ben was there too." not in html and ">Ben<" not in html


def test_story_comments_are_cached_and_kept_true(app, ctx, person, make_browser):
    ada = make_user("ada", "Ada")
    story = make_story(ada, title="The farm", body="We lived on the farm.")
    make_reply(ada, story.thread, None, body="A first comment.")
    slug = story.slug
    person.login("ada")
    visitor = make_browser()
    url = f"/stories/{slug}"
    assert "A first comment." in page(visitor, url)
    assert "A first comment." in page(visitor, url)
    r = person.submit(url, {"body": "A second comment."},
                      action=f"/threads/{story_thread_id(app, slug)}/reply")
    assert r.status_code == 302
    assert "A second comment." in page(visitor, url)


def story_thread_id(app, slug):
    from forum.models import Story, Thread
    with app.app_context():
        return db.session.scalar(
            select(Thread.public_id).join(Story, Story.thread_id == Thread.id)
            .where(Story.slug == slug))


def test_each_page_of_a_long_thread_is_kept_apart(app, ctx, client):
    app.config["POSTS_PER_PAGE"] = 2
    ada = make_user("ada", "Ada")
    thread = make_thread(ada, make_board(), body="post 0")
    for i in range(1, 5):
        make_reply(ada, thread, None, body=f"post {i}")
    thread_id = thread.public_id
    first = client.get(f"/threads/{thread_id}").get_data(as_text=True)
    assert "post 0" in first and "post 2" not in first
    after = first.split("after=")[1].split('"')[0]
    second = client.get(f"/threads/{thread_id}?after={after}").get_data(as_text=True)
    assert "post 2" in second and "post 0" not in second
    assert client.get(f"/threads/{thread_id}").get_data(as_text=True) == first


def test_a_change_made_by_another_process_is_seen(ctx, app_config, make_browser):
    """Two app instances on one database stand for two workers (or two hosts): each has its
    own cache, and a change made through one shows at once through the other."""
    if app_config["SQLALCHEMY_DATABASE_URI"].endswith(":memory:"):
        pytest.skip("needs a database two apps can share")
    ada = make_user("ada", "Ada")
    thread = make_thread(ada, make_board(), body="As it was.")
    post_id = thread_first_post(thread).public_id
    url = f"/threads/{thread.public_id}"
    other = create_app(app_config)
    reader = other.test_client()
    assert "As it was." in reader.get(url).get_data(as_text=True)
    ada_browser = make_browser()
    ada_browser.login("ada")
    r = ada_browser.submit(f"/posts/{post_id}/edit", {"body": "As it is now."})
    assert r.status_code == 302
    html = reader.get(url).get_data(as_text=True)
    assert "As it is now." in html and "As it was." not in html
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_change_outside_the_posting_path_still_bumps_the_revision(ctx):
    """The hook sits on the ORM session, not in the posting service: any code that changes a
    post through the ORM makes the copy stale, and a change to nothing shown does not."""
    ada = make_user("ada", "Ada")
    thread = make_thread(ada, make_board())
    post = thread_first_post(thread)
    before = thread.revision
    post.body_html = "<p>Changed by hand.</p>"
    db.session.commit()
    assert db.session.get(Thread, thread.id).revision == before + 1
    db.session.get(Board, thread.board_id).name = "Renamed"
    db.session.commit()
    assert db.session.get(Thread, thread.id).revision == before + 1


def test_the_cache_is_bounded_by_size():
    cache = TreeCache(max_chars=10)
    cache.put(("a",), "12345")
    cache.put(("b",), "12345")
    assert cache.get(("a",)) == "12345"  # now the most recently used
    cache.put(("c",), "12345")
    assert cache.get(("b",)) is None and cache.get(("a",)) and cache.get(("c",))
    assert cache.size == 10
    cache.put(("d",), "x" * 11)  # larger than the whole cache: not kept
    assert cache.get(("d",)) is None and cache.size == 10


def test_the_cache_can_be_turned_off(app, ctx, client, count_queries):
    app.config["TREE_CACHE_CHARS"] = 0
    app.extensions["tree_cache"] = TreeCache(0)
    thread = make_thread(make_user(), make_board())
    url = f"/threads/{thread.public_id}"
    client.get(url)
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    assert len(statements) == 2


def test_a_handle_cut_loose_from_its_account_loses_its_profile_link(ctx, client):
    """A handle links to a profile only while it has an account (Handle.has_profile)."""
    from forum.models import Handle
    ada = make_user("ada", "Ada")
    thread = make_thread(ada, make_board())
    url = f"/threads/{thread.public_id}"
    assert 'href="/u/Ada"' in client.get(url).get_data(as_text=True)
    db.session.scalar(select(Handle).where(Handle.name == "Ada")).user_id = None
    db.session.commit()
    html = client.get(url).get_data(as_text=True)
    assert 'href="/u/Ada"' not in html and "<span>Ada</span>" in html
