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

import io
import re
import time
from urllib.parse import quote
from collections.abc import Callable
from datetime import timedelta
from typing import NamedTuple

import pyotp
import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from forum.auth import recovery
from forum.auth.email_verification import ask, new_token
from forum.auth.password_reset import fingerprint
from forum.clock import utcnow
from forum.contact.service import code_hash as contact_code_hash
from forum.extensions import db
from forum.models import (
    PUBLIC,
    Appeal,
    BoardMember,
    Bookmark,
    Group,
    ContactMessage,
    Conversation,
    Handle,
    Ignore,
    ModAction,
    Notification,
    PasswordReset,
    Post,
    Report,
    StoryRevision,
    Suspension,
    StoryRestriction,
    TwoStepSecret,
    Unmasking,
    User,
)
from forum.models.notifications import REPLY
from forum.names import name_key
from forum.posting import replies
from forum.posting import blog_uploads as blog_import
from forum.slugs import slugify
from tests.factories import make_board, make_reply, make_story, make_thread
from tests.conftest import CSRF_RE
from tests.test_wxr_import import FIXTURE

ROLES = ("visitor", "member", "author", "suspended", "moderator", "admin")
OK, LOGIN = "ok", "login"
PASSWORD = "correct horse battery"
NEW_PASSWORD = "a much longer passphrase 2024"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
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


def _outing_held(w):
    """Bob reported Alice's post and story as outing someone, and the fast path hid both."""
    bob = w["users"]["member"]
    for target in ({"post_id": w["post_obj"].id}, {"story_id": w["story_id"]}):
        db.session.add(Report(reporter_id=bob.id, reason="outing", created_at=utcnow(), **target))
    w["post_obj"].state = "hidden"
    w["story_obj"].state, w["story_obj"].thread.hidden = "hidden", True


def _bob_comments(w):
    """Bob comments under Alice's story, so that she has a name to bar."""
    make_reply(w["users"]["member"], w["story_obj"].thread, body="A comment to bar.")


def _bob_barred(w):
    _bob_comments(w)
    bob = w["users"]["member"]
    restriction = StoryRestriction(story_id=w["story_id"], handle_id=bob.public_handle.id,
                                   user_id=bob.id, created_at=utcnow())
    db.session.add(restriction)
    db.session.flush()
    w["restriction"] = restriction.id


def _everyone_ignores(w):
    """Each person ignores Bob's public name: each has a row of their own to remove."""
    bob_handle = w["users"]["member"].public_handle.id
    w["ignores"] = {}
    for role, user in w["users"].items():
        row = Ignore(user_id=user.id, handle_id=bob_handle, created_at=utcnow())
        db.session.add(row)
        db.session.flush()
        w["ignores"][role] = row.id


def _bob_keeps_the_story(w):
    """Bob (the member) keeps Alice's story: the one bookmark, his alone to remove."""
    row = Bookmark(user_id=w["users"]["member"].id, story_id=w["story_id"],
                   created_at=utcnow())
    db.session.add(row)
    db.session.flush()
    w["bookmark"] = row.public_id


def _circle_board(w):
    """A circle board, after the world's public one, with Bob (the member) in its circle."""
    board = make_board(f"Inner room {w['logins']['member']}", position=1, audience="circle")
    db.session.add(BoardMember(board_id=board.id, user_id=w["users"]["member"].id,
                               granted_at=utcnow()))
    w["circle"] = board.slug


def _group_of_state(state: str):
    def setup(w):
        """A group of its own in this world: a member's proposal, or an accepted twin."""
        name = f"{'Proposed' if state == 'proposed' else 'Twin'} {w['logins']['member']}"
        group = Group(name=name, slug=slugify(name), description="", created_at=utcnow(),
                      state=state)
        db.session.add(group)
        db.session.flush()
        w["own_group"] = group.slug
    return setup


MATRIX_CODE = "abcd-efgh-jkmn-pqrs"


def _conversations(w):
    """Each person has a conversation with the moderators; a visitor has one with a code."""
    now = utcnow()
    w["conversations"] = {}
    for role, user in w["users"].items():
        conversation = Conversation(user_id=user.id, handle_id=user.public_handle.id,
                                    created_at=now, last_at=now)
        conversation.messages.append(ContactMessage(body="Matrix message", created_at=now))
        db.session.add(conversation)
        db.session.flush()
        w["conversations"][role] = conversation.public_id
    visitor = Conversation(code_hash=contact_code_hash(MATRIX_CODE + w["logins"]["member"][-4:]),
                           created_at=now, last_at=now)
    db.session.add(visitor)
    db.session.flush()
    w["code"] = MATRIX_CODE + w["logins"]["member"][-4:]


def _contact_data(w, r):
    name = {"name": str(w["users"][r].public_handle.id)} if r in w["users"] else {}
    return {"body": "A word with the moderators.", **name}


def _suspended_for_real(w):
    """The suspended person's suspension, as a moderator made it (an appeal needs one)."""
    sam = w["users"]["suspended"]
    db.session.add(Suspension(user_id=sam.id, handle_id=sam.public_handle.id,
                              until=sam.suspended_until, reason="Matrix", created_at=utcnow()))


def _appeal_waiting(w):
    """Sam appealed a suspension that a third moderator made: anyone else may decide it."""
    now = utcnow()
    other = _account(f"third_mod_{w['logins']['member'].rsplit('_', 1)[1]}",
                     f"Third Mod {w['logins']['member'].rsplit('_', 1)[1]}", "moderator", now)
    db.session.flush()
    sam = w["users"]["suspended"]
    suspension = Suspension(user_id=sam.id, handle_id=sam.public_handle.id, moderator_id=other.id,
                            until=sam.suspended_until, reason="Matrix", created_at=now)
    db.session.add(suspension)
    db.session.flush()
    filed = Appeal(suspension_id=suspension.id, body="Please look again.", created_at=now)
    db.session.add(filed)
    db.session.flush()
    w["appeal"] = filed.public_id


def _someone_waiting(w):
    """Someone registered while registration was by approval, and waits for a moderator."""
    tag = w["logins"]["member"].rsplit("_", 1)[1]
    waiting = _account(f"newcomer_{tag}", f"Newcomer {tag.capitalize()}", "member", utcnow())
    waiting.approval_state, waiting.join_reason = "pending", "I left last month."
    db.session.flush()
    w["waiting"] = quote(waiting.public_handle.name)


def _settings_data(w, r):
    return {"registration_mode": "approval", "approve_first_posts": "2",
            "young_account_link_limit": "2", "reason": ""}


def _suspend_author(w):
    # Through her public handle, which signs both the post and the story.
    author = w["users"]["author"]
    until = utcnow() + timedelta(days=1)
    author.suspended_until = until
    db.session.add(Suspension(user_id=author.id, handle_id=w["post_obj"].handle_id, until=until,
                              reason="", created_at=utcnow()))


def _hide_post(w):
    w["post_obj"].state = "hidden"


def _author_deleted(w):
    """Alice deleted her post a moment ago: she may still undo it."""
    replies.delete_post(w["users"]["author"], w["post_obj"], utcnow())


def _story_draft(w):
    w["story_obj"].state = "draft"


def _post_waiting(w):
    """Alice's post waits for a moderator (new-member review)."""
    w["post_obj"].state = "pending"


def _story_waiting(w):
    w["story_obj"].state = "pending"


def _hide_story(w):
    w["story_obj"].state, w["story_obj"].thread.hidden = "hidden", True


def _hide_thread(w):
    w["thread_obj"].hidden = True


def _pin(w):
    w["thread_obj"].pinned = True


def _lock_thread(w):
    w["thread_obj"].locked_at = utcnow()


def _unmasking(asked_by: str, state: str = "asked"):
    """A request to look behind Alice's anonymous post, asked by the world's `asked_by` (an
    administrator) or by another administrator, and approved by a third when `state` says."""
    def setup(w):
        now = utcnow()
        tag = w["logins"]["member"].rsplit("_", 1)[1]
        users = {role: w["users"][role] for role in ("admin",)}
        if asked_by != "admin":
            users["admin"] = _account(f"other_admin_{tag}", f"Other Admin {tag}", "admin", now)
        decider = _account(f"third_admin_{tag}", f"Third Admin {tag}", "admin", now)
        db.session.flush()
        anonymous = db.session.scalar(select(Post).where(Post.public_id == w["anonymous_post"]))
        request = Unmasking(admin_id=users["admin"].id, handle_id=anonymous.handle_id,
                            kind="safety", reason="Matrix check", created_at=now, state=state,
                            decided_by_id=decider.id if state != "asked" else None,
                            decided_at=now if state != "asked" else None)
        db.session.add(request)
        db.session.flush()
        w["unmasking"] = request.id
    return setup


def _blog_file(w, role):
    return {"export": (io.BytesIO(FIXTURE.read_bytes()), "blog.wordpress.xml")}


def _blog_uploaded(w):
    """Alice (the author) uploaded her blog and has not confirmed it yet."""
    with open(FIXTURE, "rb") as export:
        w["upload"] = blog_import.receive(w["users"]["author"], export, utcnow()).public_id


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


def _with_recovery_codes(w):
    w["codes"] = {role: recovery.issue_codes(user, utcnow())[0] for role, user in w["users"].items()}


def _recover(w, role):
    login = w["logins"].get(role, w["logins"]["author"])
    code = w["codes"].get(role, w["codes"]["author"])
    return {"login_name": login, "code": code, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}


def _with_two_step(w):
    for user in w["users"].values():
        db.session.add(TwoStepSecret(user_id=user.id, secret=TOTP_SECRET, created_at=utcnow(),
                                     enabled_at=utcnow()))


def _two_step_off(w, role):
    # The next time step's code: logging in spent the step before.
    return {"current_password": PASSWORD, "code": pyotp.TOTP(TOTP_SECRET).at(time.time() + 30)}


def _notification_url(w, role):
    return f"/notifications/{w['notifications'].get(role, w['notifications']['author'])}/read"


def _own_account(w, role) -> User:
    return w["users"].get(role, w["users"]["author"])


def _reset_link(w, role):
    """A reset link sent to the person's own confirmed address (a visitor uses the author's)."""
    user = _own_account(w, role)
    user.email = f"{role}@example.org"
    token, hashed = new_token()
    db.session.add(PasswordReset(user_id=user.id, token_hash=hashed, email=user.email,
                                 password_fingerprint=fingerprint(user), created_at=utcnow()))
    db.session.commit()
    return f"/auth/reset/{token}"


def _confirm_link(w, role):
    """The link confirming an address the person (a visitor: the author) asked for."""
    user = _own_account(w, role)
    token = ask(user, f"{role}@example.org", utcnow())
    db.session.commit()
    return f"/auth/email/{token}"


MATRIX: dict[str, Case] = {
    # --- accounts (auth, profiles, notifications): each person acts on their own account
    "auth.register": Case(lambda w, r: "/auth/register", {**everyone(), "visitor": OK}, _register),
    "auth.login": Case(lambda w, r: "/auth/login", {**everyone(), "visitor": OK}, _own_login),
    "auth.logout": Case(lambda w, r: "/auth/logout", everyone()),
    # Anyone holding a code of an account may use it; the login name says which account.
    "auth.recover": Case(lambda w, r: "/auth/recover", {**everyone(), "visitor": OK}, _recover,
                         _with_recovery_codes),
    "auth.first_codes": Case(lambda w, r: "/auth/recovery-codes/first", everyone()),
    "auth.recovery_codes": Case(
        lambda w, r: "/auth/recovery-codes", everyone(),
        lambda w, r: {"current_password": PASSWORD}),
    # Without a right password just before, the code page sends a visitor to log in.
    "auth.two_step_login": Case(lambda w, r: "/auth/two-step", everyone(),
                                lambda w, r: {"code": "123456"}),
    "auth.two_step_start": Case(
        lambda w, r: "/auth/two-step/start", everyone(),
        lambda w, r: {"current_password": PASSWORD}),
    "auth.two_step_confirm": Case(lambda w, r: "/auth/two-step/confirm", everyone(),
                                  lambda w, r: {"code": "123456"}),
    "auth.two_step_off": Case(lambda w, r: "/auth/two-step/off", everyone(), _two_step_off,
                              _with_two_step),
    # A public handle and bio are user text: a suspended member cannot change them either.
    "profiles.update_profile": Case(lambda w, r: "/settings/profile", WRITE, _profile),
    "profiles.update_password": Case(lambda w, r: "/settings/password", everyone(), _password),
    "profiles.update_email": Case(
        lambda w, r: "/settings/email", everyone(),
        lambda w, r: {"email": f"{r}@example.org", "email_password": PASSWORD}),
    # Asking for a reset link, using one and confirming an address need no log-in: the
    # link in the mail is the proof.
    "auth.reset_request": Case(
        lambda w, r: "/auth/reset", {**everyone(), "visitor": OK},
        lambda w, r: {"identifier": w["logins"].get(r, w["logins"]["author"])}),
    "auth.reset_password": Case(
        _reset_link, {**everyone(), "visitor": OK},
        lambda w, r: {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}),
    "auth.confirm_email": Case(_confirm_link, {**everyone(), "visitor": OK}),
    "profiles.end_sessions": Case(lambda w, r: "/settings/sessions", everyone()),
    # Bringing one's blog in: writing, so not while suspended; an upload is its owner's alone
    # (404 for everyone else, moderators included).
    "posting.upload_blog": Case(lambda w, r: "/settings/import", WRITE, _blog_file),
    "posting.confirm_import": Case(
        lambda w, r: f"/settings/import/{w['upload']}/confirm", OWNER_PRIVATE,
        lambda w, r: {"name_choice": "pseudonym"}, _blog_uploaded),
    "posting.cancel_import": Case(
        lambda w, r: f"/settings/import/{w['upload']}/cancel", OWNER_PRIVATE,
        setup=_blog_uploaded),
    "profiles.export_data": Case(lambda w, r: "/settings/export", everyone()),
    "profiles.export_archive": Case(lambda w, r: "/settings/export/archive", everyone()),
    "profiles.delete_account": Case(
        lambda w, r: "/settings/delete", everyone(),
        lambda w, r: {"writing": "keep", "current_password": PASSWORD}),
    # A member's own language, from the switcher at the foot of a page or from Settings
    # (visitors switch with a link that only sets a cookie: no form to send).
    "profiles.save_language": Case(
        lambda w, r: "/language/de", everyone(), lambda w, r: {"next": "/stories/"}),
    "profiles.language": Case(
        lambda w, r: "/settings/language", everyone(), lambda w, r: {"language": "es"}),
    # "New since my last visit": a member's own setting (forum/reading), suspended or not.
    "reading.settings": Case(
        lambda w, r: "/settings/reading", everyone(), lambda w, r: {"keep_read_marks": "y"}),
    "notifications.read": Case(_notification_url, everyone()),
    "notifications.read_all": Case(lambda w, r: "/notifications/read-all", everyone()),
    "notifications.settings": Case(
        lambda w, r: "/notifications/settings", everyone(),
        lambda w, r: {"follow_on_write": "y", "email_digest": "y"}),
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
    "posting.delete_post": Case(lambda w, r: f"/posts/{w['post']}/delete", OWNER,
                                lambda w, r: {"confirm": "yes"}),
    # Only the author is told their post was deleted, and only they can take it back.
    "posting.undo_delete": Case(
        lambda w, r: f"/posts/{w['post']}/undo-delete", OWNER_PRIVATE, setup=_author_deleted),
    "posting.delete_draft": Case(
        lambda w, r: f"/stories/{w['story']}/delete-draft", OWNER_PRIVATE, setup=_story_draft),
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
    # --- quiet support and "I lived this too": any member who may write, never on their own
    # writing; the author alone turns "I lived this too" off for their story
    "reactions.story": Case(
        lambda w, r: f"/stories/{w['story']}/react/thanks", {**WRITE, "author": 403}),
    "reactions.post": Case(
        lambda w, r: f"/posts/{w['post']}/react/relate", {**WRITE, "author": 403}),
    "reactions.lived": Case(
        lambda w, r: f"/stories/{w['story']}/lived-this-too", {**WRITE, "author": 403}),
    "reactions.lived_setting": Case(
        lambda w, r: f"/stories/{w['story']}/lived-this-too/setting", OWNER,
        lambda w, r: {"on": "0"}),
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
    # Any member keeps what they can read; a bookmark is 404 to all but its member.
    "bookmarks.story": Case(lambda w, r: f"/bookmarks/stories/{w['story_obj'].public_id}",
                            everyone(), lambda w, r: {"keep": "1"}),
    "bookmarks.post": Case(lambda w, r: f"/bookmarks/posts/{w['post']}", everyone()),
    "bookmarks.remove": Case(lambda w, r: f"/bookmarks/{w['bookmark']}/remove",
                             {**everyone(404), "member": OK}, setup=_bob_keeps_the_story),
    "profiles.ignore_name": Case(lambda w, r: f"/posts/{w['post']}/ignore", everyone()),
    "profiles.stop_ignoring": Case(
        lambda w, r: f"/settings/ignored/{w['ignores'].get(r, 0)}/remove", everyone(),
        setup=_everyone_ignores),
    # The line to the moderators is open to everyone, suspended members and visitors too.
    "contact.write": Case(lambda w, r: "/contact", everyone(OK) | {"visitor": OK},
                          _contact_data),
    "contact.conversation": Case(
        lambda w, r: f"/contact/mine/{w['conversations'].get(r, 'a00000000000')}", everyone(),
        lambda w, r: {"body": "More."}, _conversations),
    "contact.read": Case(lambda w, r: "/contact/read", everyone(OK) | {"visitor": OK},
                         lambda w, r: {"code": w["code"]}, _conversations),
    "contact.moderate": Case(
        lambda w, r: f"/mod/contact/{w['conversations']['member']}", MODERATORS,
        lambda w, r: {"body": "An answer."}, _conversations),
    "contact.close": Case(
        lambda w, r: f"/mod/contact/{w['conversations']['member']}/close", MODERATORS,
        setup=_conversations),
    # Only a suspended member has something to appeal; for anyone else it is a plain refusal.
    "contact.appeal": Case(lambda w, r: "/appeal", {**everyone(400), "suspended": OK},
                           lambda w, r: {"body": "Please look again."}, _suspended_for_real),
    "moderation.appeal": Case(
        lambda w, r: f"/mod/appeals/{w['appeal']}", MODERATORS,
        lambda w, r: {"reason": "Looked again.", "decision": "uphold"}, _appeal_waiting),
    "posting.barred": Case(
        lambda w, r: f"/stories/{w['story']}/barred", OWNER,
        lambda w, r: {"name": w["handles"]["member"]}, _bob_comments),
    "posting.lift_bar": Case(
        lambda w, r: f"/stories/{w['story']}/barred/{w['restriction']}/lift", OWNER,
        setup=_bob_barred),
    # New-member review (forum/moderation/review.py).
    "moderation.approve_post": Case(
        lambda w, r: f"/mod/review/posts/{w['post']}/approve", MODERATORS, setup=_post_waiting),
    "moderation.refuse_post": Case(
        lambda w, r: f"/mod/review/posts/{w['post']}/refuse", MODERATORS, _reason, _post_waiting),
    "moderation.approve_story": Case(
        lambda w, r: f"/mod/review/stories/{w['story_obj'].public_id}/approve", MODERATORS,
        setup=_story_waiting),
    "moderation.refuse_story": Case(
        lambda w, r: f"/mod/review/stories/{w['story_obj'].public_id}/refuse", MODERATORS,
        _reason, _story_waiting),
    "moderation.confirm_post": Case(
        lambda w, r: f"/mod/posts/{w['post']}/confirm", MODERATORS, _reason, _outing_held),
    "moderation.confirm_story": Case(
        lambda w, r: f"/mod/stories/{w['story']}/confirm", MODERATORS, _reason, _outing_held),
    "moderation.unsuspend_story_author": Case(
        lambda w, r: f"/mod/stories/{w['story']}/unsuspend", MODERATORS, _reason, _suspend_author),
    "moderation.dismiss_story_reports": Case(
        lambda w, r: f"/mod/stories/{w['story']}/dismiss", MODERATORS, _reason, _report_all),
    "moderation.lock_thread": Case(
        lambda w, r: f"/mod/threads/{w['thread']}/lock", MODERATORS, _reason),
    "moderation.unlock_thread": Case(
        lambda w, r: f"/mod/threads/{w['thread']}/unlock", MODERATORS, _reason, _lock_thread),
    "moderation.pace_thread": Case(
        lambda w, r: f"/mod/threads/{w['thread']}/pace", MODERATORS,
        lambda w, r: {"interval": "300", "members_only": "y", "reason": "Matrix check"}),
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
    # --- joining: registrations by approval, invitation codes
    "moderation.approve_registration": Case(
        lambda w, r: f"/mod/registrations/{w['waiting']}/approve", MODERATORS,
        setup=_someone_waiting),
    "moderation.refuse_registration": Case(
        lambda w, r: f"/mod/registrations/{w['waiting']}/refuse", MODERATORS,
        setup=_someone_waiting),
    "moderation.invitations": Case(lambda w, r: "/mod/invitations", MODERATORS),
    # Members make codes only when the admin allows it (off here, the default).
    "profiles.invitations_made": Case(lambda w, r: "/settings/invitations", MODERATORS),
    "admin.settings": Case(lambda w, r: "/admin/settings", ADMINS, _settings_data),
    # --- admin
    "admin.unmask": Case(
        lambda w, r: "/admin/unmask", ADMINS,
        lambda w, r: {"address": f"/posts/{w['anonymous_post']}", "kind": "safety",
                      "reason": "Matrix check"}),
    # Another administrator's request: any administrator but the one who asked decides.
    "admin.approve": Case(
        lambda w, r: f"/admin/unmaskings/{w['unmasking']}/approve", ADMINS,
        setup=_unmasking(asked_by="another")),
    "admin.refuse": Case(
        lambda w, r: f"/admin/unmaskings/{w['unmasking']}/refuse", ADMINS,
        setup=_unmasking(asked_by="another")),
    # Their own approved request: only the administrator who asked sees the answer.
    "admin.answer": Case(
        lambda w, r: f"/admin/unmaskings/{w['unmasking']}/answer", ADMINS,
        setup=_unmasking(asked_by="admin", state="approved")),
    # --- boards: the admin's page, and the circle a moderator keeps
    "admin.create_board": Case(
        lambda w, r: "/admin/boards", ADMINS,
        lambda w, r: {"name": f"Matrix board {r}", "description": "", "audience": "members"}),
    "admin.update_board": Case(
        lambda w, r: f"/admin/boards/{w['board']}/update", ADMINS,
        lambda w, r: {f"b{w['board_id']}-name": f"Renamed {r}",
                      f"b{w['board_id']}-description": "Now described.",
                      f"b{w['board_id']}-audience": "members"}),
    "admin.move_board": Case(
        lambda w, r: f"/admin/boards/{w['board']}/move", ADMINS,
        lambda w, r: {"direction": "up"}, _circle_board),
    "admin.archive_board": Case(
        lambda w, r: f"/admin/boards/{w['board']}/archive", ADMINS,
        lambda w, r: {"archived": "1"}),
    "moderation.circle_add": Case(
        lambda w, r: f"/mod/boards/{w['circle']}/circle", MODERATORS,
        lambda w, r: {"name": w["handles"]["member"]}, _circle_board),
    "moderation.circle_remove": Case(
        lambda w, r: f"/mod/boards/{w['circle']}/circle/remove", MODERATORS,
        lambda w, r: {"name": w["handles"]["member"]}, _circle_board),
    "groups.accept": Case(
        lambda w, r: f"/mod/groups/{w['own_group']}/accept", MODERATORS,
        setup=_group_of_state("proposed")),
    "groups.refuse": Case(
        lambda w, r: f"/mod/groups/{w['own_group']}/refuse", MODERATORS, _reason,
        _group_of_state("proposed")),
    "groups.rename": Case(
        lambda w, r: f"/mod/groups/{w['group']}/rename", MODERATORS,
        lambda w, r: {"name": f"Open Door {r}"}),
    "groups.add_name": Case(
        lambda w, r: f"/mod/groups/{w['group']}/names", MODERATORS,
        lambda w, r: {"other_name": f"The Door {r}"}),
    "groups.merge": Case(
        lambda w, r: f"/mod/groups/{w['own_group']}/merge", MODERATORS,
        lambda w, r: {"into": w["group"]}, _group_of_state("accepted")),
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
        "board_id": board.id,
        "thread": thread.public_id, "thread_obj": thread, "post": post.public_id, "post_obj": post,
        "anonymous_post": anonymous.public_id,
        "story": story.slug, "story_id": story.id, "story_obj": story, "revision": revision.public_id,
        "group": db.session.scalar(select(Group.slug).order_by(Group.id)),
        "notifications": notifications,
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
    if response.headers["Location"].endswith("/auth/two-step"):  # two-step login is on
        response = client.post("/auth/two-step", data={
            # The step before this one (within the drift allowed): the code a case sends
            # afterwards (_two_step_off: the next step's) is then a later one even when the
            # clock passes a step between preparing it and logging in.
            "code": pyotp.TOTP(TOTP_SECRET).at(time.time() - 30), "csrf_token": _token(client)})
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
