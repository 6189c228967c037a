"""Unmasking: one administrator asks with a reason, a second approves, and only then does the
one who asked see the answer, once. Every request is logged; the approved ones are counted on
the public transparency page, by day and kind, never whom."""
from __future__ import annotations

from datetime import timedelta

import flask_migrate
import pytest
from sqlalchemy import func, select
from sqlalchemy import text as sql

from forum.extensions import db
from forum.models import Handle, Post, Unmasking, User
from tests.factories import make_board, make_reply, make_story, make_thread, make_user
from tests.test_migrations import MIGRATIONS

REASON = "Credible threat reported against another member"


@pytest.fixture
def scene(ctx):
    """Alice writes anonymously and publicly; an admin, a moderator and a member exist."""
    alice = make_user("alice_login", "Alice Marsh")
    make_user("root", "Site Keeper", role="admin")
    make_user("second", "Second Key", role="admin")
    make_user("june", "June Watch", role="moderator")
    make_user("bob", "Bob Reed")
    board = make_board()
    thread = make_thread(alice, board, title="Anonymous thread", anonymous=True)
    reply = make_reply(alice, thread, body="More from me", anonymous=True)
    signed = make_reply(alice, thread, body="Signed words")
    story = make_story(alice, title="Anonymous story", anonymous=True)
    return {
        "thread": thread.public_id, "post": reply.public_id, "signed": signed.public_id,
        "post_row": reply.id, "slug": story.slug,
        "pseudonym": reply.handle.name, "handle": reply.handle.id,
        "story_pseudonym": story.handle.name,
    }


def ask(person, address, reason=REASON, kind="safety"):
    return person.submit("/admin/unmask", {"address": address, "kind": kind, "reason": reason})


def unmaskings() -> int:
    return db.session.scalar(select(func.count(Unmasking.id)))


def last_request() -> Unmasking:
    return db.session.scalars(select(Unmasking).order_by(Unmasking.id.desc())).first()


@pytest.fixture
def approver(app, make_browser, scene):
    """The second administrator, logged in in a browser of their own."""
    browser = make_browser()
    assert browser.login("second").status_code == 302
    return browser


def approve(browser, unmasking_id: int, action: str = "approve"):
    return browser.submit("/admin/unmask", {},
                          action=f"/admin/unmaskings/{unmasking_id}/{action}")


def unmask(person, approver, address, reason=REASON):
    """Ask as `person`, approve as the second administrator, then see the answer as `person`."""
    asked = ask(person, address, reason)
    if asked.status_code != 302:
        return asked
    with approver.client.application.app_context():
        request_id = last_request().id
    assert approve(approver, request_id).status_code == 302
    return person.submit("/admin/unmask", {}, action=f"/admin/unmaskings/{request_id}/answer")


def test_two_administrators_unmask_with_a_reason_and_it_is_logged(ctx, person, approver, scene):
    assert person.login("root").status_code == 302
    assert person.get("/admin/unmask").status_code == 200
    asked = ask(person, f"/posts/{scene['post']}")
    assert asked.status_code == 302 and asked.headers["Location"].endswith("/admin/unmaskings")
    waiting = person.get("/admin/unmaskings").get_data(as_text=True)
    assert "Waiting for another administrator" in waiting and "Alice Marsh" not in waiting
    row = last_request()
    admin = db.session.scalar(User.by_login_name("root"))
    assert (row.admin_id, row.handle_id, row.reason, row.kind, row.state) == (
        admin.id, scene["handle"], REASON, "safety", "asked")
    request_id = row.id
    # Nothing shows the answer before a second administrator approves.
    early = person.submit("/admin/unmask", {}, action=f"/admin/unmaskings/{request_id}/answer")
    assert early.status_code == 409 and "Alice Marsh" not in early.get_data(as_text=True)
    # The one who asked cannot approve their own request.
    own = approve(person, request_id)
    assert own.status_code == 409 and "another administrator" in own.get_data(as_text=True)
    # The second administrator sees the pseudonym and the reason, and approves; they never
    # see the answer: they are not the one who asked.
    pending = approver.get("/admin/unmaskings").get_data(as_text=True)
    assert scene["pseudonym"] in pending and REASON in pending and "Alice Marsh" not in pending
    assert approve(approver, request_id).status_code == 302
    for body in (approver.get("/admin/unmaskings").get_data(as_text=True),
                 approver.submit("/admin/unmask", {},
                                 action=f"/admin/unmaskings/{request_id}/answer").get_data(
                     as_text=True)):
        assert "Alice Marsh" not in body
    # The one who asked sees it, once.
    response = person.submit("/admin/unmask", {},
                             action=f"/admin/unmaskings/{request_id}/answer")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert scene["pseudonym"] in body and "Alice Marsh" in body
    assert "alice_login" not in body
    assert response.headers["Cache-Control"] == "private, no-store"
    again = person.submit("/admin/unmask", {}, action=f"/admin/unmaskings/{request_id}/answer")
    assert again.status_code == 409 and "Alice Marsh" not in again.get_data(as_text=True)

    log = person.get("/admin/unmaskings").get_data(as_text=True)
    assert "Site Keeper" in log and "Second Key" in log and scene["pseudonym"] in log
    assert REASON in log
    # The log says who asked, who approved and why, never what was found.
    assert "Alice Marsh" not in log


def test_a_refused_request_never_shows_the_answer(ctx, person, approver, scene):
    person.login("root")
    ask(person, f"/posts/{scene['post']}", kind="legal")
    request_id = last_request().id
    assert approve(approver, request_id, "refuse").status_code == 302
    assert approve(approver, request_id).status_code == 409  # decided once, for good
    answer = person.submit("/admin/unmask", {}, action=f"/admin/unmaskings/{request_id}/answer")
    assert answer.status_code == 409 and "Alice Marsh" not in answer.get_data(as_text=True)
    assert last_request().state == "refused"


def test_an_approval_lapses_after_a_week(ctx, person, approver, scene):
    person.login("root")
    ask(person, f"/posts/{scene['post']}")
    request_id = last_request().id
    approve(approver, request_id)
    row = db.session.get(Unmasking, request_id)
    row.decided_at -= timedelta(days=8)
    db.session.commit()
    answer = person.submit("/admin/unmask", {}, action=f"/admin/unmaskings/{request_id}/answer")
    assert answer.status_code == 409 and "lapsed" in answer.get_data(as_text=True)
    assert "Alice Marsh" not in answer.get_data(as_text=True)


def test_asking_twice_stores_one_request(ctx, person, scene):
    person.login("root")
    assert ask(person, f"/posts/{scene['post']}").status_code == 302
    again = ask(person, f"/posts/{scene['post']}")
    assert again.status_code == 400 and "already asked" in again.get_data(as_text=True)
    assert REASON in again.get_data(as_text=True)  # the reason typed is still there
    assert unmaskings() == 1


def test_a_lone_administrator_cannot_unmask(ctx, person, scene):
    """With one administrator on the site, nobody can approve: the answer stays hidden."""
    db.session.scalar(User.by_login_name("second")).role = "member"
    db.session.commit()
    person.login("root")
    ask(person, f"/posts/{scene['post']}")
    request_id = last_request().id
    for action in ("approve", "answer"):
        response = approve(person, request_id, action)
        assert response.status_code == 409 and "Alice Marsh" not in response.get_data(
            as_text=True)


def test_the_transparency_page_counts_each_look_by_day_and_kind_never_whom(
        ctx, client, person, approver, scene):
    empty = client.get("/transparency").get_data(as_text=True)
    assert "Never, so far" in empty
    person.login("root")
    unmask(person, approver, f"/posts/{scene['post']}")
    ask(person, f"/threads/{scene['thread']}", kind="legal")
    refused_id = last_request().id
    approve(approver, refused_id, "refuse")
    ask(person, f"/stories/{scene['slug']}", kind="legal")  # still waiting
    page = client.get("/transparency")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "1 time in all" in body and "1 request was refused" in body
    assert "1 request is waiting" in body
    assert "A threat to someone&#39;s safety" in body or "A threat to someone's safety" in body
    day = last_request().created_at.strftime("%-d %B %Y")
    assert day in body
    for secret in ("Alice Marsh", scene["pseudonym"], scene["story_pseudonym"], "Site Keeper",
                   "Second Key", REASON, "Anonymous thread", "Anonymous story"):
        assert secret not in body
    assert 'href="/transparency"' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("address", [
    "{post}", "/posts/{post}", "http://localhost/threads/{thread}#p{post}",
    "https://afterward.example/posts/{post}/",
])
def test_post_addresses_in_any_form(app, person, approver, scene, address):
    person.login("root")
    response = unmask(person, approver, address.format(**scene))
    assert response.status_code == 200
    assert "Alice Marsh" in response.get_data(as_text=True)


def test_a_row_id_names_only_a_post_from_before_public_ids(ctx, person, approver, scene):
    person.login("root")
    for address in ("{post_row}", "/posts/{post_row}", "/threads/1#p{post_row}"):
        response = ask(person, address.format(**scene))
        assert response.status_code == 400 and "Nothing was found" in response.get_data(
            as_text=True), address
    db.session.get(Post, scene["post_row"]).has_legacy_url = True  # as migration 0006 does
    db.session.commit()
    response = unmask(person, approver, "/posts/{post_row}".format(**scene))
    assert response.status_code == 200 and "Alice Marsh" in response.get_data(as_text=True)


def test_thread_and_story_addresses_unmask_their_starter(ctx, person, approver, scene):
    person.login("root")
    story = unmask(person, approver, f"/stories/{scene['slug']}").get_data(as_text=True)
    assert scene["story_pseudonym"] in story and "Alice Marsh" in story
    thread = unmask(person, approver, f"/threads/{scene['thread']}").get_data(as_text=True)
    assert scene["pseudonym"] in thread and "Alice Marsh" in thread
    assert unmaskings() == 2


@pytest.mark.parametrize("reason", ["", "   ", "because"])
def test_a_reason_is_required(ctx, person, scene, reason):
    person.login("root")
    response = ask(person, f"/posts/{scene['post']}", reason=reason)
    assert response.status_code == 400
    assert "Alice Marsh" not in response.get_data(as_text=True)
    assert unmaskings() == 0


def test_public_posts_and_nonsense_are_refused(ctx, person, scene):
    person.login("root")
    for address, message in ((f"/posts/{scene['signed']}", "public handle"),
                             ("/posts/999999", "Nothing was found"),
                             ("/boards/", "Nothing was found")):
        response = ask(person, address)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert unmaskings() == 0


@pytest.mark.parametrize("login", ["june", "bob"])
def test_moderators_and_members_get_403(ctx, person, scene, login):
    person.login(login)
    assert person.get("/admin/unmask").status_code == 403
    assert person.get("/admin/unmaskings").status_code == 403
    token = person.csrf_token("/settings")
    response = person.client.post("/admin/unmask", data={
        "address": f"/posts/{scene['post']}", "reason": REASON, "csrf_token": token})
    assert response.status_code == 403
    assert "Alice Marsh" not in response.get_data(as_text=True)
    assert "Admin</a>" not in person.get("/").get_data(as_text=True)
    assert unmaskings() == 0


def test_visitors_are_sent_to_log_in(client, scene):
    response = client.get("/admin/unmaskings")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_a_deleted_account_cannot_be_unmasked_but_the_look_is_logged(ctx, person, approver,
                                                                    scene):
    alice = db.session.scalar(User.by_login_name("alice_login"))
    for handle in db.session.scalars(select(Handle).where(Handle.user_id == alice.id)):
        handle.user_id = None
    db.session.delete(alice)
    db.session.commit()
    person.login("root")
    response = unmask(person, approver, f"/posts/{scene['post']}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "deleted" in body and "Alice Marsh" not in body
    assert unmaskings() == 1


def test_migration_keeps_past_look_ups_as_approved_and_counted(scratch_app):  # noqa: F811
    """A look-up made by one administrator before 0010 stays in the log, approved and shown,
    of an unrecorded kind, and the transparency page counts it."""
    when = "2026-01-01 00:00:00"
    with scratch_app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS, revision="0007")
        with db.engine.begin() as conn:
            for user_id, login, role in ((1, "old", "member"), (2, "boss", "admin")):
                conn.execute(sql(
                    "INSERT INTO users (id, login_name, password_hash, role, bio, "
                    "anonymous_by_default, follow_on_write, email_digest, created_at, "
                    f"session_version) VALUES ({user_id}, '{login}', 'x', '{role}', '', false, "
                    f"true, false, '{when}', 1)"))
            conn.execute(sql("INSERT INTO handles (id, user_id, name, name_key, kind, created_at)"
                             f" VALUES (1, 1, 'Quiet Heron', 'quiet heron', 'anonymous', '{when}')"))
            conn.execute(sql("INSERT INTO unmaskings (id, admin_id, handle_id, reason, created_at)"
                             f" VALUES (1, 2, 1, 'An old look-up', '{when}')"))
        flask_migrate.upgrade(directory=MIGRATIONS)
        [row] = db.session.scalars(select(Unmasking)).all()
        assert (row.state, row.kind, row.admin_id, row.decided_by_id) == (
            "approved", "unrecorded", 2, None)
        assert row.decided_at == row.shown_at == row.created_at
        page = scratch_app.test_client().get("/transparency").get_data(as_text=True)
        assert "1 time in all" in page and "1 January 2026" in page
        assert "Not recorded" in page and "Quiet Heron" not in page
        db.session.remove()
        flask_migrate.downgrade(directory=MIGRATIONS, revision="0007")
        with db.engine.connect() as conn:
            assert conn.execute(sql("SELECT reason FROM unmaskings")).scalar() == "An old look-up"
