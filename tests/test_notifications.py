"""Notifications and following: each kind, privacy, marking read, and the email digest."""
import re
from datetime import timedelta

import pytest

from forum.clock import utcnow
from forum.extensions import db
from forum.models import Notification, User
from tests.factories import make_board, make_reply, make_thread, make_user


def _user(app, login, handle, role="member"):
    with app.app_context():
        return make_user(login, handle=handle, role=role).id


def _notes(app, login):
    with app.app_context():
        user = db.session.scalar(User.by_login_name(login))
        return db.session.scalars(db.select(Notification).where(Notification.user_id == user.id)).all()


@pytest.fixture
def people(app, make_browser):
    """Three members, each in their own browser."""
    browsers = {}
    for login, handle in (("ana", "Ana Reyes"), ("ben", "Ben Okafor"), ("cleo", "Cleo March")):
        _user(app, login, handle)
        browsers[login] = make_browser()
        browsers[login].login(login)
    return browsers


def _story(person, title="My way out", anonymous=False):
    data = {"title": title, "body": "It was a long road."}
    if anonymous:
        data["anonymous"] = "y"
    url = person.submit("/stories/new", data).headers["Location"]
    thread_id = re.search(r"/threads/([a-z0-9]+)/reply", person.get(url).get_data(as_text=True)).group(1)
    return url, thread_id


def _reply(person, thread_id, body, parent=None, anonymous=False):
    data = {"body": body}
    if parent:
        data["parent_id"] = parent
    if anonymous:
        data["anonymous"] = "y"
    r = person.submit(f"/threads/{thread_id}/reply", data)
    assert r.status_code == 302, r.get_data(as_text=True)
    return r.headers["Location"].rsplit("#p", 1)[1]


def test_comment_on_my_story_and_reply_to_my_comment(people, app):
    url, thread = _story(people["ana"])
    comment = _reply(people["ben"], thread, "Thank you for this.")
    page = people["ana"].get("/notifications").get_data(as_text=True)
    assert "Ben Okafor commented on your story “My way out”" in page
    _reply(people["ana"], thread, "Thank you for reading.", parent=comment)
    page = people["ben"].get("/notifications").get_data(as_text=True)
    assert "Ana Reyes replied to your post in “My way out”" in page
    # The header count shows on every page, and only to its owner.
    assert re.search(r"Notifications <span class=\"badge\">1", people["ben"].get("/").get_data(as_text=True))


def test_followed_thread_and_follow_on_write(people, app, ctx):
    board = make_board("Rebuilding").slug
    url = people["ana"].submit(f"/boards/{board}/new", {"title": "Jobs after", "body": "How?"}).headers["Location"]
    thread = url.rsplit("/", 1)[1]
    r = people["cleo"].submit(url, {"follow": "1", "next": url}, action=f"/threads/{thread}/follow")
    assert r.status_code == 302
    _reply(people["ben"], thread, "I retrained.")
    assert "Ben Okafor wrote in “Jobs after”, which you follow" in people["cleo"].get("/notifications").get_data(as_text=True)
    # Ben wrote there, so Ben follows it now: Cleo's reply reaches him.
    _reply(people["cleo"], thread, "Me too.")
    kinds = [n.kind for n in _notes(app, "ben")]
    assert kinds == ["followed"]
    # Unfollow: no more.
    people["cleo"].submit(url, {"follow": "0"}, action=f"/threads/{thread}/follow")
    _reply(people["ana"], thread, "Thanks both.")
    assert len(_notes(app, "cleo")) == 1
    following = people["ben"].get("/notifications/following").get_data(as_text=True)
    assert "Jobs after" in following


def test_follow_group_hears_of_new_stories(people, app, client, make_browser):
    people["ana"].submit("/stories/new", {"title": "First", "body": "x", "new_group": "Bright Path"})
    # Ana's new group is a proposal until a moderator accepts it (tests/test_groups.py).
    _user(app, "mo", "Mo Keeper", role="moderator")
    moderator = make_browser()
    moderator.login("mo")
    assert moderator.submit("/mod/groups/", {"name": "Bright Path"},
                            action="/mod/groups/bright-path/accept").status_code == 302
    people["cleo"].submit("/groups/bright-path", {"follow": "1"}, action="/groups/bright-path/follow")
    people["ben"].submit("/stories/new", {"title": "Second about it", "body": "y", "groups": "Bright Path"})
    page = people["cleo"].get("/notifications").get_data(as_text=True)
    assert "A new story in a group you follow: “Second about it”" in page
    assert "Follow" not in client.get("/groups/bright-path").get_data(as_text=True).split("<main")[1].split("</h1>")[1][:200]


def test_anonymous_post_notifications_stay_private(people, ctx, make_browser, client):
    url, thread = _story(people["ana"], anonymous=True)
    comment = _reply(people["ben"], thread, "Sending strength.")
    page = people["ana"].get("/notifications").get_data(as_text=True)
    pseudonym = re.search(r"you wrote there as ([^)]+)\)", page).group(1)
    assert "Ben Okafor commented on your story" in page
    _reply(people["ana"], thread, "Thank you, truly.", parent=comment, anonymous=True)
    ben_page = people["ben"].get("/notifications").get_data(as_text=True)
    assert f"{pseudonym} replied to your post" in ben_page
    assert "Ana Reyes" not in ben_page
    # Nobody else sees anyone's notifications or follows.
    for viewer in (people["cleo"], make_browser()):
        assert "Sending strength" not in viewer.get("/notifications").get_data(as_text=True)
        assert "My way out" not in viewer.get("/notifications/following").get_data(as_text=True)
    assert client.get("/notifications").status_code == 302
    ana = db.session.scalar(User.by_login_name("ana"))
    assert all(n.recipient_handle.name == pseudonym for n in
               db.session.scalars(db.select(Notification).where(Notification.user_id == ana.id)))


def test_mark_one_and_all_read(people, app):
    url, thread = _story(people["ana"])
    _reply(people["ben"], thread, "one")
    _reply(people["cleo"], thread, "two")
    notes = _notes(app, "ana")
    assert len(notes) == 2
    r = people["ana"].submit("/notifications", {}, action=f"/notifications/{notes[0].public_id}/read")
    assert r.status_code == 302 and "/posts/" in r.headers["Location"]
    assert sum(n.read_at is None for n in _notes(app, "ana")) == 1
    # Someone else cannot mark Ana's notification.
    assert people["ben"].submit("/notifications", {}, action=f"/notifications/{notes[1].public_id}/read").status_code == 404
    people["ana"].submit("/notifications", {}, action="/notifications/read-all")
    assert all(n.read_at for n in _notes(app, "ana"))
    assert 'class="badge">' not in people["ana"].get("/stories/").get_data(as_text=True).split("</nav>")[0]


def test_notifications_page_costs_constant_queries(app, client, count_queries, people):
    url, thread = _story(people["ana"])
    for i in range(3):
        _reply(people["ben"], thread, f"reply {i}")
    with count_queries() as few:
        people["ana"].get("/notifications")
    for i in range(20):
        _reply(people["cleo"], thread, f"more {i}")
    with count_queries() as many:
        people["ana"].get("/notifications")
    assert len(few) == len(many)


def test_header_count_costs_no_query_for_visitors(app, client, count_queries):
    with count_queries() as statements:
        client.get("/boards/")
    assert not any("notifications" in s for s in statements)


def test_daily_digest_says_only_a_count(app, ctx, people, inbox):
    r = people["ana"].submit("/notifications/settings", {"follow_on_write": "y",
                                                         "email_digest": "y"})
    assert r.status_code == 302
    r = people["ana"].submit("/settings", {  # a new address needs the password
        "email": "ana@example.org", "email_password": "correct horse battery"},
        action="/settings/email")
    assert r.status_code == 302
    url, thread = _story(people["ana"], title="Secret title of pain")
    _reply(people["ben"], thread, "Private words of support")
    _reply(people["cleo"], thread, "More words")
    runner = app.test_cli_runner()
    # Until the address is confirmed, it gets its confirmation link and no digest.
    result = runner.invoke(args=["notifications", "send-digests"])
    assert "Sent 0 digests." in result.output, result.output
    [(rcpt, confirmation)] = inbox.messages
    assert rcpt == ["ana@example.org"] and "Confirm your email address" in confirmation
    link = re.search(r"http://localhost(/auth/email/\S+)", confirmation).group(1)
    assert people["ana"].submit(link, {}).status_code == 302
    result = runner.invoke(args=["notifications", "send-digests"])
    assert "Sent 1 digest." in result.output, result.output
    assert len(inbox.messages) == 2
    rcpt, content = inbox.messages[1]
    assert rcpt == ["ana@example.org"]
    assert "You have 2 new replies on Afterward." in content
    for secret in ("Secret title", "Private words", "Ben", "Cleo", "Ana Reyes"):
        assert secret not in content
    # Once a day: running again sends nothing, even with something new.
    _reply(people["ben"], thread, "again")
    assert "Sent 0 digests." in runner.invoke(args=["notifications", "send-digests"]).output
    user = db.session.scalar(User.by_login_name("ana"))
    user.digest_sent_at = utcnow() - timedelta(days=1)
    db.session.commit()
    assert "Sent 1 digest." in runner.invoke(args=["notifications", "send-digests"]).output
    assert "You have 1 new reply on Afterward." in inbox.messages[2][1]
    # Nobody who did not ask gets email.
    assert all(m[0] == ["ana@example.org"] for m in inbox.messages)


def test_moderator_action_notifies_author_with_reason(ctx):
    from forum.notifications import service
    user = make_user()
    board = make_board("B")
    thread = make_thread(user, board)
    post = make_reply(make_user(), thread, body="rude words")
    service.on_moderation(post=post, action="hidden", reason="insults", now=utcnow())
    db.session.commit()
    note = db.session.scalar(db.select(Notification).where(Notification.kind == "moderation"))
    assert note.user_id == post.handle.user_id and "insults" in note.reason


def test_the_notifications_arrays_carry_only_ids_and_kinds():
    """The posting path sends its notifications' columns to PostgreSQL as array text: ids,
    public ids and kinds go as they are, and anything that would need quoting is refused."""
    from forum.notifications.service import _array
    assert _array([3, None, 12]) == "{3,NULL,12}"
    assert _array(["followed", "reply"]) == "{followed,reply}"
    for bad in (['a"b'], ["a,b"], ["{x}"], ["a b"], ["é"], [""]):
        with pytest.raises(ValueError):
            _array(bad)
