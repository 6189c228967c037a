"""Deleting a post asks first, and the author can take it back for a few minutes (issue 19)."""
import re
from datetime import timedelta

import pytest

from forum.extensions import db
from forum.models import DeletedPostText, Post, User
from forum.posting import replies
from tests.factories import Clock, make_board, make_reply, make_thread, make_user

TEXT = "I said it *badly*, and then\n\n> quoted myself.\n\nStill true: https://example.org/x"


@pytest.fixture
def clock(monkeypatch):
    """The routes' clock, moved by hand."""
    now = Clock()
    monkeypatch.setattr("forum.posting.routes.utcnow", now)
    return now


@pytest.fixture
def mine(person, ctx):
    """A reply the person wrote, in a thread someone else started."""
    person.register("writer", handle="Writer")
    thread = make_thread(make_user("host"), make_board("Talk"))
    writer = db.session.scalar(User.by_login_name("writer"))
    post = make_reply(writer, thread, body=TEXT)
    post.edited_at = None
    db.session.commit()
    return post


def _refresh(post):
    db.session.expire_all()
    return db.session.get(Post, post.id)


def _delete(person, post):
    return person.submit(f"/posts/{post.public_id}/delete", {"confirm": "yes"})


def test_one_post_to_delete_only_asks(person, mine):
    """The old one-click Delete button (a POST without the confirmation) deletes nothing."""
    token = person.csrf_token(f"/posts/{mine.public_id}/edit")
    r = person.client.post(f"/posts/{mine.public_id}/delete", data={"csrf_token": token})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "Delete this post?" in page
    assert "I said it badly" in page  # the excerpt, so they know which one
    assert 'name="confirm" value="yes"' in page and "Keep it" in page
    assert _refresh(mine).body == TEXT and not _refresh(mine).is_deleted
    # The confirmation page is a plain GET too (works without JavaScript).
    assert person.get(f"/posts/{mine.public_id}/delete").status_code == 200


def test_confirmed_delete_then_undo_restores_the_exact_text(person, mine, clock):
    html = mine.body_html
    r = _delete(person, mine)
    assert r.status_code == 302 and r.headers["Location"] == f"/posts/{mine.public_id}/deleted"
    post = _refresh(mine)
    assert post.is_deleted and post.body == "" and post.body_html == ""
    page = person.get(r.headers["Location"]).get_data(as_text=True)
    assert "is deleted" in page and ">Undo</button>" in page
    clock.now += timedelta(minutes=9)
    r = person.submit(f"/posts/{mine.public_id}/deleted", {},
                      action=f"/posts/{mine.public_id}/undo-delete")
    assert r.status_code == 302
    post = _refresh(mine)
    assert post.is_visible and post.body == TEXT and post.body_html == html
    assert post.edited_at is None  # not marked edited either
    assert db.session.scalar(db.select(db.func.count(DeletedPostText.id))) == 0


def test_undo_after_the_window_is_refused_and_the_text_is_gone(person, mine, clock):
    _delete(person, mine)
    token = person.csrf_token(f"/posts/{mine.public_id}/deleted")
    clock.now += replies.UNDO_WINDOW + timedelta(seconds=1)
    page = person.get(f"/posts/{mine.public_id}/deleted").get_data(as_text=True)
    assert ">Undo</button>" not in page and "gone for good" in page
    r = person.client.post(f"/posts/{mine.public_id}/undo-delete", data={"csrf_token": token})
    page = r.get_data(as_text=True)
    assert r.status_code == 410
    assert "too late to undo" in page.lower() and 'class="notice error"' in page
    assert _refresh(mine).is_deleted and _refresh(mine).body == ""
    assert db.session.scalar(db.select(db.func.count(DeletedPostText.id))) == 0


def test_nobody_else_learns_of_or_undoes_a_deletion(person, mine, make_browser, app):
    _delete(person, mine)
    other = make_browser()
    other.register("other", handle="Other")
    for who in (other, make_browser()):  # another member, and a visitor
        r = who.get(f"/posts/{mine.public_id}/deleted")
        assert r.status_code in (404, 302) and "I said it" not in r.get_data(as_text=True)
    token = other.csrf_token("/settings")
    r = other.client.post(f"/posts/{mine.public_id}/undo-delete", data={"csrf_token": token})
    assert r.status_code == 404 and _refresh(mine).is_deleted
    # Nor does a moderator: the deleted page and the undo are the author's alone.
    make_user("mod", role="moderator")
    mod = make_browser()
    mod.login("mod")
    assert mod.get(f"/posts/{mine.public_id}/deleted").status_code == 404
    # The thread shows the placeholder, nothing of the kept text.
    page = app.test_client().get(f"/threads/{mine.thread.public_id}").get_data(as_text=True)
    assert "[deleted]" in page and "I said it" not in page


def test_a_post_a_moderator_hid_comes_back_hidden(person, mine, clock):
    mine.state = "hidden"
    db.session.commit()
    _delete(person, mine)
    person.submit(f"/posts/{mine.public_id}/deleted", {},
                  action=f"/posts/{mine.public_id}/undo-delete")
    assert _refresh(mine).state == "hidden" and _refresh(mine).body == TEXT


def test_old_kept_texts_are_dropped_by_the_next_deletion(person, mine, clock, ctx):
    _delete(person, mine)
    clock.now += replies.UNDO_WINDOW + timedelta(minutes=1)
    writer = db.session.scalar(User.by_login_name("writer"))
    other = make_reply(writer, mine.thread, body="another")
    _delete(person, other)
    kept = db.session.scalars(db.select(DeletedPostText.post_id)).all()
    assert kept == [other.id]


def test_delete_link_on_the_thread_leads_to_the_question(person, mine):
    page = person.get(f"/threads/{mine.thread.public_id}").get_data(as_text=True)
    action = re.search(rf'action="(/posts/{mine.public_id}/delete)"', page).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = person.client.post(action, data={"csrf_token": token})
    assert r.status_code == 200 and "Delete this post?" in r.get_data(as_text=True)
    assert not _refresh(mine).is_deleted


def test_deleting_the_account_drops_the_kept_text_at_once(person, mine, clock):
    from forum.profiles import deletion
    from tests.factories import PASSWORD
    _delete(person, mine)
    writer = db.session.scalar(User.by_login_name("writer"))
    deletion.delete_account(writer, password=PASSWORD, remove_writing=False, now=clock.now)
    assert db.session.scalar(db.select(db.func.count(DeletedPostText.id))) == 0


def test_the_kept_text_is_erased_when_its_window_ends_without_any_other_deletion(
        person, mine, clock, monkeypatch, app):
    """Each deletion sets a timer for the end of its window; the daily command catches what a
    stopped worker's timer missed."""
    timers = []
    monkeypatch.setattr("forum.background.run_after",
                        lambda seconds, job, *args: timers.append((seconds, job, args)))
    monkeypatch.setattr("forum.posting.replies.utcnow", clock)
    _delete(person, mine)
    [(seconds, job, args)] = timers
    assert replies.UNDO_WINDOW.total_seconds() < seconds <= replies.UNDO_WINDOW.total_seconds() + 5
    with app.app_context():
        assert job(*args) == 0  # too early: still kept for its author
        clock.now += timedelta(seconds=seconds)
        assert job(*args) == 1
        assert db.session.scalar(db.select(db.func.count(DeletedPostText.id))) == 0
    assert _refresh(mine).is_deleted and _refresh(mine).body == ""


def test_the_daily_command_erases_kept_texts_past_their_window(person, mine, clock, app,
                                                                monkeypatch):
    monkeypatch.setattr("forum.background.run_after", lambda *args: None)  # a stopped worker
    _delete(person, mine)
    monkeypatch.setattr("forum.posting.replies.utcnow",
                        lambda: clock.now + replies.UNDO_WINDOW + timedelta(seconds=1))
    result = app.test_cli_runner().invoke(args=["notifications", "send-digests"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(DeletedPostText.id))) == 0


def test_the_too_late_page_erases_what_it_says_is_gone(person, mine, clock, monkeypatch, app):
    monkeypatch.setattr("forum.background.run_after", lambda *args: None)  # a stopped worker
    _delete(person, mine)
    clock.now += replies.UNDO_WINDOW + timedelta(seconds=1)
    monkeypatch.setattr("forum.posting.replies.utcnow", clock)
    page = person.get(f"/posts/{mine.public_id}/deleted").get_data(as_text=True)
    assert "gone for good" in page
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(DeletedPostText.id))) == 0
