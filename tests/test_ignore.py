"""Ignoring a name: its posts fold into one line for the member, it sends them no notices,
and it touches that one name only, never the account's other names."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from forum.clock import utcnow
from forum.extensions import db
from forum.models import BoardMember, Ignore, Notification, User
from tests.factories import make_board, make_reply, make_thread, make_user

LOUD = "Everything you say about the group is a lie."


@pytest.fixture
def scene(ctx, make_browser):
    """Bob started two threads; Tom answers him in each under a different pseudonym, and
    publicly in the first; Ann writes too. Bob follows both threads (he wrote in them)."""
    bob = make_user("bob", "Bob")
    tom = make_user("tom", "Tom")
    ann = make_user("ann", "Ann")
    make_user("june", "June", role="moderator")
    board = make_board("Talk")
    first = make_thread(bob, board, title="First thread", body="Bob asks.")
    second = make_thread(bob, board, title="Second thread", body="Bob asks again.")
    a = make_reply(tom, first, body=LOUD, anonymous=True)
    public = make_reply(tom, first, parent=a, body="Signed words by Tom.")
    b = make_reply(tom, second, body="Tom's other name speaks here.", anonymous=True)
    make_reply(ann, second, body="Ann is kind.")
    ids = {"first": first.public_id, "second": second.public_id, "a": a.public_id,
           "b": b.public_id, "public": public.public_id, "a_name": a.handle.name,
           "b_name": b.handle.name}
    people = {}
    for login in ("bob", "tom", "june"):
        people[login] = make_browser()
        assert people[login].login(login).status_code == 302
    return {**ids, **people}


def ignore(browser, thread, post):
    return browser.submit(f"/threads/{thread}", {}, action=f"/posts/{post}/ignore")


def page(browser, thread) -> str:
    return browser.get(f"/threads/{thread}").get_data(as_text=True)


def post_item(html: str, post: str) -> str:
    """The post's list item, its forms' CSRF tokens blanked: a token carries the second it
    was signed in, so two loads a second apart differ there and nowhere else."""
    item = re.search(rf'<li class="post[^"]*" id="p{post}">.*?</li>', html, re.S).group(0)
    return re.sub(r'(name="(?:csrf_token|once)"[^>]*?value=")[^"]*"', r'\1"', item)


def test_an_ignored_name_folds_into_one_line_that_keeps_its_place(app, scene):
    bob = scene["bob"]
    assert ignore(bob, scene["first"], scene["a"]).status_code == 302
    html = page(bob, scene["first"])
    folded = post_item(html, scene["a"])
    assert "Hidden: you ignored this name." in folded and "<details" in folded
    assert LOUD in folded  # one click (no script) opens it
    # The reply under it is still there, in its place, and Tom's public name is not folded.
    assert html.index(f'id="p{scene["a"]}"') < html.index(f'id="p{scene["public"]}"')
    assert "Hidden:" not in post_item(html, scene["public"])
    # Nobody else's page changes.
    for viewer in (scene["tom"], scene["june"], app.test_client()):
        assert "you ignored" not in viewer.get(f"/threads/{scene['first']}").get_data(
            as_text=True)


def test_ignoring_pseudonym_a_changes_nothing_in_thread_2_for_pseudonym_b(ctx, scene):
    bob = scene["bob"]
    before = post_item(page(bob, scene["second"]), scene["b"])
    ignore(bob, scene["first"], scene["a"])
    after = page(bob, scene["second"])
    assert post_item(after, scene["b"]) == before
    assert "you ignored" not in after
    # ... and Tom's other name still notifies Bob.
    before_count = db.session.scalar(select(func.count(Notification.id)).join(
        User, User.id == Notification.user_id).where(User.login_name == "bob"))
    scene["tom"].submit(f"/threads/{scene['second']}", {"body": "More.", "anonymous": "y"},
                        action=f"/threads/{scene['second']}/reply")
    assert db.session.scalar(select(func.count(Notification.id)).join(
        User, User.id == Notification.user_id).where(User.login_name == "bob")) \
        == before_count + 1


def test_an_ignored_name_sends_no_notifications_but_moderators_notices_arrive(ctx, scene):
    bob = scene["bob"]
    ignore(bob, scene["first"], scene["a"])
    ignore(bob, scene["first"], scene["public"])  # Tom's public name too
    db.session.execute(Notification.__table__.delete())
    db.session.commit()
    scene["tom"].submit(f"/threads/{scene['first']}", {"body": LOUD, "anonymous": "y"},
                        action=f"/threads/{scene['first']}/reply")
    scene["tom"].submit(f"/threads/{scene['first']}", {"body": "Signed again."},
                        action=f"/threads/{scene['first']}/reply")
    assert db.session.scalar(select(func.count(Notification.id))) == 0
    # Bob ignores June too; her notice about his own post still reaches him.
    own = scene["bob"].submit(f"/threads/{scene['first']}", {"body": "Bob's reply."},
                              action=f"/threads/{scene['first']}/reply")
    own_post = re.search(r"#p([a-z0-9]+)", own.headers["Location"]).group(1)
    june_says = scene["june"].submit(f"/threads/{scene['first']}", {"body": "Please stay kind."},
                                     action=f"/threads/{scene['first']}/reply")
    june_post = re.search(r"#p([a-z0-9]+)", june_says.headers["Location"]).group(1)
    ignore(bob, scene["first"], june_post)
    url = f"/mod/posts/{own_post}"
    assert scene["june"].submit(url, {"reason": "Off topic"},
                                action=f"{url}/hide").status_code == 302
    notes = bob.get("/notifications").get_data(as_text=True)
    assert "Off topic" in notes


def test_the_list_in_settings_undoes_it_and_the_export_holds_it(ctx, scene):
    bob = scene["bob"]
    ignore(bob, scene["first"], scene["a"])
    listed = bob.get("/settings/ignored").get_data(as_text=True)
    assert scene["a_name"] in listed and scene["b_name"] not in listed
    exported = bob.submit("/settings", {"password": "correct horse battery"},
                          action="/settings/export")
    data = json.loads(exported.get_data(as_text=True))
    assert [row["name"] for row in data["ignored_names"]] == [scene["a_name"]]
    row_id = db.session.scalar(select(Ignore.id))
    stopped = bob.submit("/settings/ignored", {}, action=f"/settings/ignored/{row_id}/remove")
    assert stopped.status_code == 302
    assert "you ignored" not in page(bob, scene["first"])
    # Someone else's row is not theirs to remove.
    ignore(bob, scene["first"], scene["a"])
    row_id = db.session.scalar(select(Ignore.id))
    assert scene["tom"].submit("/settings/ignored", {},
                               action=f"/settings/ignored/{row_id}/remove").status_code == 404


def test_ones_own_name_cannot_be_ignored_and_deletion_takes_the_list(ctx, scene):
    tom = scene["tom"]
    ignore(tom, scene["first"], scene["a"])
    assert db.session.scalar(select(func.count(Ignore.id))) == 0
    ignore(scene["bob"], scene["first"], scene["a"])
    bob = scene["bob"]
    assert db.session.scalar(select(func.count(Ignore.id))) == 1
    response = bob.submit("/settings/delete", {"current_password": "correct horse battery",
                                               "writing": "keep"})
    assert response.status_code == 302
    assert db.session.scalar(User.by_login_name("bob")) is None
    assert db.session.scalar(select(func.count(Ignore.id))) == 0


def test_ignore_under_a_post_asks_first_and_changes_nothing_until_confirmed(app, scene):
    bob = scene["bob"]
    thread = page(bob, scene["first"])
    # A link under the post, not a form of its own: nothing happens on a stray tap.
    assert f'<a href="/posts/{scene["a"]}/ignore">Ignore' in thread
    assert f'action="/posts/{scene["a"]}/ignore"' not in thread
    question = bob.get(f"/posts/{scene['a']}/ignore")
    assert question.status_code == 200
    html = question.get_data(as_text=True)
    assert f"Ignore {scene['a_name']}?" in html and "Nobody is told" in html
    assert f'action="/posts/{scene["a"]}/ignore"' in html
    assert db.session.scalar(select(func.count()).select_from(Ignore)) == 0
    # Confirming ignores the name.
    assert bob.submit(f"/posts/{scene['a']}/ignore", {}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Ignore)) == 1


def test_asking_to_ignore_ones_own_name_says_so_and_offers_no_button(app, scene):
    tom = scene["tom"]
    html = tom.get(f"/posts/{scene['a']}/ignore").get_data(as_text=True)
    assert "This is one of your own names" in html
    assert 'action="/posts/' not in html


def test_the_question_is_for_members_and_for_posts_that_can_be_read(app, scene, make_browser):
    visitor = make_browser()
    assert visitor.get(f"/posts/{scene['a']}/ignore").status_code == 302  # to log in
    assert scene["bob"].get("/posts/aaaaaaaaaaaa/ignore").status_code == 404


def test_no_name_is_named_or_ignored_where_the_member_cannot_read_it(app, ctx, scene):
    """A post on a circle board the member is not in, one waiting for a moderator and one a
    moderator removed: the question is the 404 of a missing post, and so is the POST."""
    from forum.models import Post
    tom = db.session.scalar(User.by_login_name("tom"))
    circle = make_board("Inner circle", audience="circle")
    db.session.add(BoardMember(board_id=circle.id, user_id=tom.id, granted_at=utcnow()))
    db.session.commit()
    inside = make_thread(tom, circle, title="Circle only", body="Inside words.", anonymous=True)
    circle_post = db.session.scalar(select(Post).where(Post.thread_id == inside.id))
    app.config["APPROVE_FIRST_POSTS"] = 50
    waiting = scene["tom"].submit(f"/threads/{scene['second']}",
                                  {"body": "Waiting words.", "anonymous": "y"},
                                  action=f"/threads/{scene['second']}/reply")
    app.config["APPROVE_FIRST_POSTS"] = 0
    waiting_post = re.search(r"#p([a-z0-9]+)", waiting.headers["Location"]).group(1)
    assert db.session.scalar(select(Post.state).where(Post.public_id == waiting_post)) == "pending"
    url = f"/mod/posts/{scene['a']}"
    assert scene["june"].submit(url, {"reason": "Mocking"}, action=f"{url}/hide").status_code == 302
    bob = scene["bob"]
    for post in (circle_post.public_id, waiting_post, scene["a"]):
        question = bob.get(f"/posts/{post}/ignore")
        assert question.status_code == 404, post
        assert circle_post.handle.name not in question.get_data(as_text=True)
        assert bob.submit(f"/threads/{scene['first']}", {},
                          action=f"/posts/{post}/ignore").status_code == 404, post
    assert db.session.scalar(select(func.count(Ignore.id))) == 0
    # A moderator, who reads removed posts, may still ignore the removed post's name.
    assert scene["june"].get(f"/posts/{scene['a']}/ignore").status_code == 200
