"""Who may send what: every POST endpoint in the app, for every kind of person.

`MATRIX` holds one entry per endpoint: how to address it, what a valid form for it holds,
and the outcome for each role. `test_every_post_endpoint_has_a_rule` walks app.url_map, so
a new write endpoint without an entry here fails the suite until someone decides who may
use it.

Outcomes: OK (the action succeeds: 2xx or a redirect that is not to the log-in page),
LOGIN (a visitor is sent to log in, or for a POST shown the page that keeps their text: 401),
or an exact status (403 not allowed, 404 for things that must not even be admitted to exist).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import NamedTuple

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from forum.clock import utcnow
from forum.extensions import db
from forum.models import (
    PUBLIC,
    Group,
    Handle,
    ModAction,
    Notification,
    Report,
    StoryRevision,
    Suspension,
    User,
)
from forum.models.notifications import REPLY
from forum.names import name_key
from tests.factories import make_board, make_reply, make_story, make_thread
from tests.conftest import CSRF_RE

ROLES = ("visitor", "member", "author", "suspended", "moderator", "admin")
OK, LOGIN = "ok", "login"
PASSWORD = "correct horse battery"
NEW_PASSWORD = "a much longer passphrase 2024"
# A deliberately cheap hash, shared by every account here: these tests log in some three
# hundred times, and scrypt would make that the whole run time. Real accounts use scrypt.
PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
# Each role's world gets its own names (tagged by role), so one database holds all six.
LOGINS = {"member": "bob", "author": "alice", "suspended": "sam", "moderator": "june",
          "admin": "root"}
HANDLES = {"member": "Bob Reed", "author": "Alice Marsh", "suspended": "Sam Stone",
           "moderator": "June Watch", "admin": "Site Keeper"}
ROLE_OF = {"member": "member", "author": "member", "suspended": "member",
           "moderator": "moderator", "admin": "admin"}


def everyone(outcome=OK) -> dict:
    """Any logged-in person acting on their own account; visitors log in first."""
    return {role: LOGIN if role == "visitor" else outcome for role in ROLES}


WRITE = {**everyone(), "suspended": 403}
OWNER = {**everyone(403), "author": OK}
OWNER_PRIVATE = {**everyone(404), "author": OK}
MODERATORS = {**everyone(403), "moderator": OK, "admin": OK}
ADMINS = {**everyone(403), "admin": OK}


class Case(NamedTuple):
    url: Callable[[dict, str], str]
    expect: dict
    data: Callable[[dict, str], dict] = lambda w, role: {}
    setup: Callable[[dict], None] | None = None


def _reason(w, role):
    return {"reason": "Matrix check"}


def _lock(w):
    w["story_obj"].thread.locked_at = utcnow()


def _author_closed(w):
    w["story_obj"].thread.locked_at, w["story_obj"].thread.locked_by_author = utcnow(), True


def _report_all(w):
    bob = w["users"]["member"]
    db.session.add(Report(reporter_id=bob.id, post_id=w["post_obj"].id, reason="spam", created_at=utcnow()))
    db.session.add(Report(reporter_id=bob.id, story_id=w["story_id"], reason="spam", created_at=utcnow()))


def _suspend_author(w):
    # Through her public handle, which signs both the post and the story.
    author = w["users"]["author"]
    until = utcnow() + timedelta(days=1)
    author.suspended_until = until
    db.session.add(Suspension(user_id=author.id, handle_id=w["post_obj"].handle_id, until=until,
                              reason="", created_at=utcnow()))


def _hide_post(w):
    w["post_obj"].state = "hidden"


def _hide_story(w):
    w["story_obj"].state, w["story_obj"].thread.hidden = "hidden", True


def _hide_thread(w):
    w["thread_obj"].hidden = True


def _pin(w):
    w["thread_obj"].pinned = True


def _lock_thread(w):
    w["thread_obj"].locked_at = utcnow()


def _story_data(w, role):
    return {"title": f"A story by {role}", "body": "Told in the matrix."}


def _own_login(w, role):
    return {"login_name": w["logins"].get(role, w["logins"]["author"]), "password": PASSWORD}


def _register(w, role):
    return {"login_name": f"new_{role}", "handle": f"Newcomer {role.capitalize()}",
            "password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "email": ""}


def _profile(w, role):
    handle = w["handles"].get(role, "Nobody")
    return {"handle": handle, "bio": "Still here.", "anonymous_by_default": ""}


def _password(w, role):
    return {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}


def _notification_url(w, role):
    return f"/notifications/{w['notifications'].get(role, w['notifications']['author'])}/read"


MATRIX: dict[str, Case] = {
    # --- accounts (auth, profiles, notifications): each person acts on their own account
    "auth.register": Case(lambda w, r: "/auth/register", {**everyone(), "visitor": OK}, _register),
    "auth.login": Case(lambda w, r: "/auth/login", {**everyone(), "visitor": OK}, _own_login),
    "auth.logout": Case(lambda w, r: "/auth/logout", everyone()),
    # A public handle and bio are user text: a suspended member cannot change them either.
    "profiles.update_profile": Case(lambda w, r: "/settings/profile", WRITE, _profile),
    "profiles.update_password": Case(lambda w, r: "/settings/password", everyone(), _password),
    "profiles.end_sessions": Case(lambda w, r: "/settings/sessions", everyone()),
    "profiles.export_data": Case(lambda w, r: "/settings/export", everyone()),
    "profiles.delete_account": Case(
        lambda w, r: "/settings/delete", everyone(),
        lambda w, r: {"writing": "keep", "current_password": PASSWORD}),
    "notifications.read": Case(_notification_url, everyone()),
    "notifications.read_all": Case(lambda w, r: "/notifications/read-all", everyone()),
    "notifications.settings": Case(
        lambda w, r: "/notifications/settings", everyone(),
        lambda w, r: {"follow_on_write": "y", "email": ""}),
    "notifications.follow_thread": Case(
        lambda w, r: f"/threads/{w['thread']}/follow", everyone(), lambda w, r: {"follow": "1"}),
    "notifications.follow_group": Case(
        lambda w, r: f"/groups/{w['group']}/follow", everyone(), lambda w, r: {"follow": "1"}),
    # --- writing: the posting path
    "posting.new_story": Case(lambda w, r: "/stories/new", WRITE, _story_data),
    "posting.autosave": Case(lambda w, r: "/stories/autosave", WRITE, _story_data),
    "posting.new_thread": Case(
        lambda w, r: f"/boards/{w['board']}/new", WRITE,
        lambda w, r: {"title": "A thread", "body": "First words."}),
    "posting.reply": Case(
        lambda w, r: f"/threads/{w['thread']}/reply", WRITE, lambda w, r: {"body": "A reply."}),
    "posting.edit_post": Case(
        lambda w, r: f"/posts/{w['post']}/edit", OWNER, lambda w, r: {"body": "Changed."}),
    "posting.delete_post": Case(lambda w, r: f"/posts/{w['post']}/delete", OWNER),
    "posting.edit_story": Case(lambda w, r: f"/stories/{w['story']}/edit", OWNER, _story_data),
    # An edit history could unmask its author, so for anyone else it does not exist.
    "posting.purge": Case(lambda w, r: f"/stories/{w['story']}/history/purge", OWNER_PRIVATE),
    "posting.restore": Case(
        lambda w, r: f"/stories/{w['story']}/history/{w['revision']}/restore", OWNER_PRIVATE),
    "posting.report_post": Case(
        lambda w, r: f"/posts/{w['post']}/report", WRITE, lambda w, r: {"reason": "spam"}),
    "posting.report_story": Case(
        lambda w, r: f"/stories/{w['story']}/report", WRITE, lambda w, r: {"reason": "spam"}),
    "posting.close_comments": Case(
        lambda w, r: f"/stories/{w['story']}/close-comments", OWNER, _reason),
    "posting.reopen_comments": Case(
        lambda w, r: f"/stories/{w['story']}/reopen-comments", OWNER, setup=_author_closed),
    # --- moderation: moderators and admins only
    "moderation.hide_post": Case(lambda w, r: f"/mod/posts/{w['post']}/hide", MODERATORS, _reason),
    "moderation.restore_post": Case(
        lambda w, r: f"/mod/posts/{w['post']}/restore", MODERATORS, _reason, _hide_post),
    "moderation.lock_post": Case(lambda w, r: f"/mod/posts/{w['post']}/lock", MODERATORS, _reason),
    "moderation.suspend_post_author": Case(
        lambda w, r: f"/mod/posts/{w['post']}/suspend", MODERATORS,
        lambda w, r: {"reason": "Matrix check", "days": "2"}),
    "moderation.unsuspend_post_author": Case(
        lambda w, r: f"/mod/posts/{w['post']}/unsuspend", MODERATORS, _reason, _suspend_author),
    "moderation.dismiss_post_reports": Case(
        lambda w, r: f"/mod/posts/{w['post']}/dismiss", MODERATORS, _reason, _report_all),
    "moderation.hide_story": Case(
        lambda w, r: f"/mod/stories/{w['story']}/hide", MODERATORS, _reason),
    "moderation.restore_story": Case(
        lambda w, r: f"/mod/stories/{w['story']}/restore", MODERATORS, _reason, _hide_story),
    "moderation.lock_story": Case(
        lambda w, r: f"/mod/stories/{w['story']}/lock", MODERATORS, _reason),
    "moderation.suspend_story_author": Case(
        lambda w, r: f"/mod/stories/{w['story']}/suspend", MODERATORS,
        lambda w, r: {"reason": "Matrix check", "permanent": "y"}),
    "moderation.unsuspend_story_author": Case(
        lambda w, r: f"/mod/stories/{w['story']}/unsuspend", MODERATORS, _reason, _suspend_author),
    "moderation.dismiss_story_reports": Case(
        lambda w, r: f"/mod/stories/{w['story']}/dismiss", MODERATORS, _reason, _report_all),
    "moderation.lock_thread": Case(
        lambda w, r: f"/mod/threads/{w['thread']}/lock", MODERATORS, _reason),
    "moderation.unlock_thread": Case(
        lambda w, r: f"/mod/threads/{w['thread']}/unlock", MODERATORS, _reason, _lock_thread),
    "moderation.pin_thread": Case(lambda w, r: f"/mod/threads/{w['thread']}/pin", MODERATORS),
    "moderation.unpin_thread": Case(
        lambda w, r: f"/mod/threads/{w['thread']}/unpin", MODERATORS, setup=_pin),
    "moderation.hide_thread": Case(
        lambda w, r: f"/mod/threads/{w['thread']}/hide", MODERATORS, _reason),
    "moderation.restore_thread": Case(
        lambda w, r: f"/mod/threads/{w['thread']}/restore", MODERATORS, _reason, _hide_thread),
    "moderation.set_role": Case(
        lambda w, r: "/mod/users/role", ADMINS,
        lambda w, r: {"handle": w["handles"]["member"], "role": "moderator", "reason": ""}),
    # --- admin
    "admin.unmask": Case(
        lambda w, r: "/admin/unmask", ADMINS,
        lambda w, r: {"address": f"/posts/{w['anonymous_post']}", "reason": "Matrix check"}),
}


def _account(login: str, handle: str, role: str, now) -> User:
    user = User(login_name=login, password_hash=PASSWORD_HASH, role=role, bio="", created_at=now)
    db.session.add(user)
    db.session.add(Handle(user=user, name=handle, name_key=name_key(handle), kind=PUBLIC,
                          created_at=now))
    return user


def build_world(tag: str) -> dict:
    """Five people, and Alice's (the author's) board thread, post, story and its history."""
    now = utcnow() - timedelta(days=3)
    logins = {role: f"{login}_{tag}" for role, login in LOGINS.items()}
    handles = {role: f"{name} {tag.capitalize()}" for role, name in HANDLES.items()}
    users = {role: _account(logins[role], handles[role], ROLE_OF[role], now) for role in LOGINS}
    users["suspended"].suspended_until = utcnow() + timedelta(days=3)
    users["suspended"].suspension_reason = "Matrix suspension"
    db.session.commit()
    alice = users["author"]
    board = make_board(f"Just left {tag}")
    thread = make_thread(alice, board, title="First week outside")
    post = make_reply(alice, thread, body="My own words.")
    anonymous = make_reply(alice, thread, body="Quietly.", anonymous=True)
    story = make_story(alice, title="Nine years inside", group_names=["Open Door"])
    revision = StoryRevision(story_id=story.id, title="Old title", body="Old words.",
                             created_at=now)
    db.session.add(revision)
    db.session.flush()
    notifications = {}
    for role, user in users.items():
        note = Notification(user_id=user.id, kind=REPLY, thread_id=thread.id, post_id=post.id,
                            created_at=now)
        db.session.add(note)
        db.session.flush()
        notifications[role] = note.public_id
    db.session.commit()
    return {
        "users": users, "logins": logins, "handles": handles, "board": board.slug,
        "thread": thread.public_id, "thread_obj": thread, "post": post.public_id, "post_obj": post,
        "anonymous_post": anonymous.public_id,
        "story": story.slug, "story_id": story.id, "story_obj": story, "revision": revision.public_id,
        "group": db.session.scalar(select(Group.slug)), "notifications": notifications,
    }


def test_every_post_endpoint_has_a_rule(app):
    posting = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    missing = sorted(posting - MATRIX.keys())
    assert not missing, f"POST endpoints with no rule in the permissions matrix: {missing}"
    stale = sorted(MATRIX.keys() - posting)
    assert not stale, f"Matrix rules for endpoints that no longer exist: {stale}"
    for endpoint, case in MATRIX.items():
        assert set(case.expect) == set(ROLES), endpoint


def _log_in(client, login: str) -> None:
    """Log in through the real form, as a browser would."""
    response = client.post("/auth/login", data={
        "login_name": login, "password": PASSWORD, "csrf_token": _token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def _token(client) -> str:
    page = client.get("/auth/login").get_data(as_text=True)
    return CSRF_RE.search(page).group(1)


def _outcome(app, case: Case, role: str) -> str | None:
    """Send the endpoint's form as `role` in a world of its own; say what went wrong, if anything."""
    with app.app_context():
        world = build_world(role)
        if case.setup:
            case.setup(world)
            db.session.commit()
        url, data = case.url(world, role), case.data(world, role)
    client = app.test_client()
    if role != "visitor":
        _log_in(client, world["logins"][role])
    response = client.post(url, data={**data, "csrf_token": _token(client)})
    expected, status = case.expect[role], response.status_code
    where = response.headers.get("Location", "")
    if expected == OK:
        passed = 200 <= status < 400 and "/auth/login" not in where
    elif expected == LOGIN:
        passed = status == 401 or (status == 302 and "/auth/login" in where)
    else:
        passed = status == expected
    if passed:
        return None
    body = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
    return f"as {role}: expected {expected}, got {status} {where} {body[-400:]!r}"


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_post_endpoint_outcome_for_every_role(app, endpoint):
    # One app for the six roles (each in its own world and browser) keeps the run short.
    problems = [p for role in ROLES if (p := _outcome(app, MATRIX[endpoint], role))]
    assert not problems, f"{endpoint}:\n" + "\n".join(problems)


def test_a_post_without_a_csrf_token_is_refused(ctx, client):
    world = build_world("csrf")
    _log_in(client, world["logins"]["moderator"])
    post = world["post"]
    response = client.post(f"/mod/posts/{post}/hide", data={"reason": "No token"})
    assert response.status_code == 400
    assert db.session.scalar(select(ModAction.id)) is None
