"""The rendered post trees kept for logged-in members (forum/threads/tree.py, cache.py).

A member's copy is shared by every reader who may do the same things on the page; the
reader's own posts and the posts of names they ignore are rendered for them on each request.
Each test compares what the cache serves with what the templates render without it, or
checks that one reader's private bits never reach another, or that a change by any path
shows at once.
"""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum import create_app
from forum.clock import utcnow
from forum.extensions import db
from forum.models import Ignore, Post, User
from tests.conftest import Browser
from tests.factories import make_board, make_reply, make_story, make_thread, make_user

OWN_BADGE = '<span class="badge">you</span>'
TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]*)"')


@pytest.fixture
def scene(ctx, make_browser):
    """Ada's thread: replies by Ben, by Cleo under a pseudonym, by Ada under hers, and one
    of Ben's that a moderator hid. Dan reads only; June moderates; Sam is suspended; Root
    is the admin. Every browser is logged in."""
    ada = make_user("ada", "Ada")
    ben = make_user("ben", "Ben")
    cleo = make_user("cleo", "Cleo")
    make_user("dan", "Dan")
    make_user("june", "June", role="moderator")
    make_user("root", "Root", role="admin")
    sam = make_user("sam", "Sam")
    thread = make_thread(ada, make_board(), title="Leaving", body="The first meeting.")
    first = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    ben_reply = make_reply(ben, thread, first, body="Ben was there too.")
    cleo_reply = make_reply(cleo, thread, ben_reply, body="Cleo remembers.", anonymous=True)
    ada_reply = make_reply(ada, thread, cleo_reply, body="Ada, masked.", anonymous=True)
    hidden = make_reply(ben, thread, first, body="Something a moderator hid.")
    hidden.state = "hidden"
    sam.suspended_until = utcnow() + timedelta(days=2)
    db.session.commit()
    ids = {"thread": thread.public_id, "first": first.public_id, "ben_post": ben_reply.public_id,
           "cleo_post": cleo_reply.public_id, "ada_post": ada_reply.public_id,
           "pseudonym": cleo_reply.handle.name, "hidden": hidden.public_id}
    people = {}
    for login in ("ada", "ben", "cleo", "dan", "june", "root", "sam"):
        people[login] = make_browser()
        assert people[login].login(login).status_code == 302
    return {**ids, **people, "url": f"/threads/{ids['thread']}"}


def page(browser, url) -> str:
    response = browser.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def same_form(html: str) -> str:
    """The page with its CSRF tokens and spam-gate timestamp written out: both carry the
    time they were made, which two renders a second apart do not share."""
    return re.sub(r'(name="(?:csrf_token|started|once)" value=")[^"]*"', r'\1X"', html)


def uncached(app, browser, url) -> str:
    members = app.extensions["member_tree_cache"]
    kept, members.max_chars = members.max_chars, 0
    try:
        return page(browser, url)
    finally:
        members.max_chars = kept


def ignore(browser, scene, post):
    return browser.submit(scene["url"], {}, action=f"/posts/{post}/ignore")


def assert_served_as_rendered(app, browser, url):
    """What the cache serves is what the templates render without it, and its forms carry
    the reader's own token (the one in the forms outside the tree)."""
    cached = page(browser, url)
    assert same_form(cached) == same_form(uncached(app, browser, url))
    assert len(set(TOKEN_RE.findall(cached))) == 1
    return cached


@pytest.mark.parametrize("reader", ["dan", "ada", "ben", "june", "sam"])
def test_the_cached_page_is_the_uncached_page(app, scene, reader):
    if reader == "ben":  # a member who ignores a name
        assert ignore(scene["ben"], scene, scene["cleo_post"]).status_code == 302
        page(scene["ben"], scene["url"])  # the notice that says so, shown once
    # Another member fills the cache first, then the reader reads from it (twice: a copy
    # they built themselves too).
    page(scene["root"] if reader == "june" else scene["dan"], scene["url"])
    for _ in range(2):
        html = assert_served_as_rendered(app, scene[reader], scene["url"])
    if reader == "ada":
        assert html.count(OWN_BADGE) == 3 and html.count(">Edit</a>") == 2  # and the heading
    if reader == "ben":
        assert "Hidden: you ignored this name." in html
    if reader == "june":
        assert "Something a moderator hid." in html and "Moderate<span" in html
    if reader == "sam":
        assert "/reply?to=" not in html and "Report<span" not in html


def test_a_barred_member_reads_the_story_as_rendered(app, ctx, make_browser):
    ada, tom = make_user("ada", "Ada"), make_user("tom", "Tom")
    make_user("bea", "Bea")
    story = make_story(ada, title="Leaving the Farm", body="It happened.")
    make_reply(tom, story.thread, body="Signed comment.")
    make_reply(tom, story.thread, body="Anonymous comment.", anonymous=True)
    browsers = {}
    for login in ("ada", "tom", "bea"):
        browsers[login] = make_browser()
        browsers[login].login(login)
    url = f"/stories/{story.slug}"
    assert browsers["ada"].submit(f"{url}/barred", {"name": "Tom"}).status_code == 302
    page(browsers["ada"], url)  # the notice that says so, shown once
    page(browsers["bea"], url)
    html = assert_served_as_rendered(app, browsers["tom"], url)
    assert "Comments on this story are closed to you." in html
    assert assert_served_as_rendered(app, browsers["bea"], url).count(OWN_BADGE) == 0
    assert assert_served_as_rendered(app, browsers["ada"], url).count(OWN_BADGE) >= 1


def test_one_members_controls_never_reach_another(scene):
    ada = page(scene["ada"], scene["url"])  # Ada builds the copy
    assert ada.count(OWN_BADGE) == 3  # her two posts and the heading
    dan = page(scene["dan"], scene["url"])
    assert OWN_BADGE not in dan and ">Edit</a>" not in dan and ">Delete</button>" not in dan
    assert "/edit" not in dan and "/delete" not in dan
    # Each reader's forms carry their own token, never another's.
    assert set(TOKEN_RE.findall(ada)).isdisjoint(TOKEN_RE.findall(dan))
    # Ada's page offers her Report on others' posts, never on her own.
    assert f"/posts/{scene['ada_post']}/report" not in page(scene["ada"], scene["url"])
    assert f"/posts/{scene['ada_post']}/report" in dan


def test_a_moderators_controls_and_hidden_posts_never_reach_a_member(scene):
    june = page(scene["june"], scene["url"])
    assert "Something a moderator hid." in june and "/mod/posts/" in june
    for reader in ("dan", "ben", "sam"):
        html = page(scene[reader], scene["url"])
        assert "Something a moderator hid." not in html and "[removed]" in html
        assert "/mod/posts/" not in html and "Moderate<span" not in html


def test_ignoring_is_one_readers_alone(scene):
    assert ignore(scene["ben"], scene, scene["cleo_post"]).status_code == 302
    assert "you ignored this name" in page(scene["ben"], scene["url"])
    assert "you ignored this name" not in page(scene["dan"], scene["url"])


@pytest.mark.parametrize("reader", ["dan", "ada", "june"])
def test_a_members_page_takes_constant_statements(app, scene, count_queries, reader):
    page(scene[reader], scene["url"])
    with count_queries() as statements:
        page(scene[reader], scene["url"])
    # The reader with their unread count (one statement), the thread with whether they follow
    # it (one), their own and ignored posts on the page (one).
    assert len(statements) == 3, statements


def test_statements_do_not_grow_with_the_page(app, scene, count_queries):
    thread_id = db.session.scalar(select(Post.thread_id).where(Post.public_id == scene["ben_post"]))
    from forum.models import Thread
    thread = db.session.get(Thread, thread_id)
    ada = db.session.scalar(select(User).where(User.login_name == "ada"))
    for i in range(30):
        make_reply(ada, thread, body=f"More from Ada, {i}.", anonymous=bool(i % 2))
    assert ignore(scene["dan"], scene, scene["ben_post"]).status_code == 302
    for reader in ("ada", "dan"):
        page(scene[reader], scene["url"])
        with count_queries() as statements:
            assert page(scene[reader], scene["url"]).count(OWN_BADGE) == (33 if reader == "ada"
                                                                         else 0)
        assert len(statements) == 3, statements


def test_a_member_with_a_post_waiting_for_a_moderator_sees_it(app, scene):
    """A post waiting for a moderator is its writer's alone: their page is not the shared one."""
    post = db.session.scalar(select(Post).where(Post.public_id == scene["ada_post"]))
    post.state = "pending"
    db.session.commit()
    page(scene["dan"], scene["url"])
    html = assert_served_as_rendered(app, scene["ada"], scene["url"])
    assert "Ada, masked." in html and "Waiting for a moderator" in html
    assert "Ada, masked." not in page(scene["dan"], scene["url"])


# --- a change by any path shows at once ---------------------------------------------------

def test_an_edit_a_deletion_and_a_hide_show_at_once(scene):
    page(scene["dan"], scene["url"])
    r = scene["ben"].submit(f"/posts/{scene['ben_post']}/edit", {"body": "Ben saw it all."})
    assert r.status_code == 302
    html = page(scene["dan"], scene["url"])
    assert "Ben saw it all." in html and "Ben was there too." not in html
    r = scene["ada"].submit(scene["url"], {"confirm": "yes"},
                            action=f"/posts/{scene['ada_post']}/delete")
    assert r.status_code == 302
    assert "Ada, masked." not in page(scene["dan"], scene["url"])
    hide = f"/mod/posts/{scene['cleo_post']}/hide"
    r = scene["june"].submit(f"/mod/posts/{scene['cleo_post']}", {"reason": "Doxxing"}, action=hide)
    assert r.status_code == 302
    assert "Cleo remembers." not in page(scene["dan"], scene["url"])
    assert "Cleo remembers." in page(scene["june"], scene["url"])


def test_a_role_change_shows_at_once(scene):
    assert "Moderate<span" not in page(scene["dan"], scene["url"])
    r = scene["root"].submit("/mod/users", {"handle": "Dan", "role": "moderator",
                                            "reason": "Volunteered"}, action="/mod/users/role")
    assert r.status_code == 302
    html = page(scene["dan"], scene["url"])
    assert "Moderate<span" in html and "Something a moderator hid." in html


def test_an_ignore_and_its_undoing_show_at_once(scene):
    page(scene["ben"], scene["url"])
    assert ignore(scene["ben"], scene, scene["cleo_post"]).status_code == 302
    assert "you ignored this name" in page(scene["ben"], scene["url"])
    ignored = db.session.scalar(select(Ignore.id))
    r = scene["ben"].submit("/settings/ignored", {},
                            action=f"/settings/ignored/{ignored}/remove")
    assert r.status_code == 302
    html = page(scene["ben"], scene["url"])
    assert "you ignored this name" not in html and "Cleo remembers." in html


def test_a_lock_and_a_suspension_show_at_once(app, scene):
    assert "/reply?to=" in page(scene["dan"], scene["url"])
    thread = scene["thread"]
    r = scene["june"].submit(f"/mod/threads/{thread}", {"reason": "Cooling down"},
                             action=f"/mod/threads/{thread}/lock")
    assert r.status_code == 302
    assert "/reply?to=" not in page(scene["dan"], scene["url"])
    assert "Report<span" in page(scene["dan"], scene["url"])
    dan = db.session.scalar(select(User).where(User.login_name == "dan"))
    dan.suspended_until = utcnow() + timedelta(days=1)
    db.session.commit()
    assert "Report<span" not in page(scene["dan"], scene["url"])


def test_a_change_through_another_process_is_seen(ctx, scene, app_config):
    """Two app instances on one database stand for two workers: each keeps its own copies."""
    if app_config["SQLALCHEMY_DATABASE_URI"].endswith(":memory:"):
        pytest.skip("needs a database two apps can share")
    other = create_app(app_config)
    dan, june, ada = (Browser(other.test_client()) for _ in range(3))
    for browser, login in ((dan, "dan"), (june, "june"), (ada, "ada")):
        assert browser.login(login).status_code == 302
    # Copies made on B by a moderator and by an author are not served to Dan on B.
    assert "Something a moderator hid." in page(june, scene["url"])
    assert page(ada, scene["url"]).count(OWN_BADGE) == 3
    html = page(dan, scene["url"])
    assert "Ben was there too." in html and OWN_BADGE not in html
    assert "Something a moderator hid." not in html and "/mod/posts/" not in html
    r = scene["ben"].submit(f"/posts/{scene['ben_post']}/edit", {"body": "Ben saw it all."})
    assert r.status_code == 302
    html = page(dan, scene["url"])
    assert "Ben saw it all." in html and "Moderate<span" not in html
    r = scene["root"].submit("/mod/users", {"handle": "Dan", "role": "moderator",
                                            "reason": "Volunteered"}, action="/mod/users/role")
    assert r.status_code == 302
    assert "Moderate<span" in page(dan, scene["url"])
    with other.app_context():
        db.session.remove()
        db.engine.dispose()
