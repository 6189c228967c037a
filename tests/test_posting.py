"""The posting path: refused writes hand the writer their text back, and nothing is lost."""
import re
from datetime import timedelta

from forum.clock import utcnow
from forum.extensions import db
from forum.models import Story, Thread, User

TEXT = "Three years of my life.\n\nI am still angry, and that is all right."


def _story_thread(person):
    url = person.submit("/stories/new", {"title": "Kept", "body": "Story"}).headers["Location"]
    page = person.get(url).get_data(as_text=True)
    return url, re.search(r"/threads/(\d+)/reply", page).group(1)


def test_expired_csrf_token_keeps_text_and_resends(person):
    person.register("writer")
    r = person.client.post("/stories/new", data={"title": "My story", "body": TEXT, "csrf_token": "stale"})
    page = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "Your text is safe" in page
    assert "Three years of my life." in page and "that is all right." in page
    # The page carries a fresh token: sending it again publishes the story.
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = person.client.post("/stories/new", data={"title": "My story", "body": TEXT, "csrf_token": token})
    assert r.status_code == 302


def test_expired_login_keeps_text_and_sends_after_logging_in(person, make_browser, app):
    person.register("writer")
    url, thread_id = _story_thread(person)
    token = person.csrf_token(url)
    with app.app_context():  # the login expires: every session of this account ends
        user = db.session.scalar(User.by_login_name("writer"))
        user.session_version += 1
        db.session.commit()
    r = person.client.post(f"/threads/{thread_id}/reply", data={"body": TEXT, "csrf_token": token})
    page = r.get_data(as_text=True)
    assert r.status_code == 401
    assert "Three years of my life." in page and 'name="resume__body"' in page
    # Log in from that page: the text comes back in a form that sends it.
    login_token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    action = re.search(r'<form method="post" action="([^"]+)" class="resubmit', page).group(1)
    r = person.client.post(action.replace("&amp;", "&"), data={
        "login_name": "writer", "password": "correct horse battery", "resume__body": TEXT,
        "csrf_token": login_token})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "Three years of my life." in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = person.client.post(f"/threads/{thread_id}/reply", data={"body": TEXT, "csrf_token": token})
    assert r.status_code == 302
    assert "that is all right." in person.get(url).get_data(as_text=True)


def test_locked_thread_refuses_reply_and_keeps_text(person, app):
    person.register("writer")
    url, thread_id = _story_thread(person)
    with app.app_context():
        thread = db.session.get(Thread, int(thread_id))
        thread.locked_at, thread.lock_reason = utcnow(), "cooling down"
        db.session.commit()
    page = person.get(url).get_data(as_text=True)
    assert "Comments are closed." in page and "cooling down" in page
    assert 'name="body"' not in page
    r = person.submit(f"/threads/{thread_id}/reply", {"body": TEXT})
    page = r.get_data(as_text=True)
    assert r.status_code == 403
    assert "Comments are closed" in page and "Three years of my life." in page


def test_suspended_member_is_told_why_and_keeps_text(person, app):
    person.register("writer")
    with app.app_context():
        user = db.session.scalar(User.by_login_name("writer"))
        user.suspended_until = utcnow() + timedelta(days=3)
        user.suspension_reason = "repeated insults"
        db.session.commit()
    r = person.submit("/stories/new", {"title": "Story", "body": TEXT})
    page = r.get_data(as_text=True)
    assert r.status_code == 403
    assert "suspended until" in page and "repeated insults" in page
    assert "Three years of my life." in page
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Story.id))) == 0


def test_empty_reply_is_refused_with_message(person):
    person.register("writer")
    url, thread_id = _story_thread(person)
    r = person.submit(f"/threads/{thread_id}/reply", {"body": "   "})
    assert r.status_code == 400
    assert "Please write something" in r.get_data(as_text=True)


def test_reply_to_post_of_another_thread_is_404(person, app):
    person.register("writer")
    _, first = _story_thread(person)
    url2 = person.submit("/stories/new", {"title": "Other", "body": "x"}).headers["Location"]
    page = person.get(url2).get_data(as_text=True)
    second = re.search(r"/threads/(\d+)/reply", page).group(1)
    r = person.submit(f"/threads/{first}/reply", {"body": "a comment"})
    post_id = r.headers["Location"].rsplit("#p", 1)[1]
    r = person.submit(f"/threads/{second}/reply", {"body": "cross", "parent_id": post_id})
    assert r.status_code == 404


def test_write_pages_need_login(client):
    r = client.get("/stories/new")
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]
