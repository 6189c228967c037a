"""Registration modes: open, by approval (a moderator reads why you are here; until then you
read but do not write) and by invitation code (single-use, expiring, only its hash kept)."""
from __future__ import annotations

import re
from urllib.parse import quote
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum import site_settings
from forum.clock import utcnow
from forum.extensions import db
from forum.models import Invitation, Story, User
from tests.factories import make_board, make_story, make_user

PASSWORD = "correct horse battery"
CODE_RE = re.compile(r'class="invitation-code">([a-z0-9-]+)<')


def _mode(mode: str) -> None:
    site_settings.store("registration_mode", mode, utcnow())
    db.session.commit()


def _join(browser, login: str, **extra):
    return browser.submit("/auth/register", {
        "login_name": login, "handle": login.capitalize(), "password": PASSWORD,
        "confirm": PASSWORD, "email": "", **extra})


def _user(login: str) -> User | None:
    return db.session.scalar(select(User).where(User.login_name == login))


def _story_form(title="My first words", body="I got out last spring."):
    return {"title": title, "summary": "", "body": body, "action": "publish"}


@pytest.fixture
def june(ctx, make_browser):
    make_user("june", "June Watch", role="moderator")
    browser = make_browser()
    assert browser.login("june").status_code == 302
    return browser


# --- open ---------------------------------------------------------------------------------

def test_open_registration_says_so_and_writes_at_once(ctx, person):
    page = person.get("/auth/register").get_data(as_text=True)
    assert "Anyone may join" in page and "Why are you here?" not in page
    assert "Invitation code" not in page
    assert _join(person, "olga").status_code == 302
    assert _user("olga").approval_state == "approved"
    assert person.submit("/stories/new", _story_form()).status_code == 302


# --- by approval --------------------------------------------------------------------------

def test_approval_asks_why_and_keeps_the_form_without_an_answer(ctx, person):
    _mode("approval")
    page = person.get("/auth/register").get_data(as_text=True)
    assert "New accounts are approved by a moderator" in page and "Why are you here?" in page
    response = _join(person, "pia")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'value="pia"' in page
    assert "Please say in a few words why you are here" in page
    assert _user("pia") is None


def test_a_pending_account_reads_but_cannot_write_until_approved(ctx, person, june):
    _mode("approval")
    author = make_user("ada", "Ada")
    story = make_story(author, title="Leaving", body="It happened.")
    response = _join(person, "pia", reason="I left the Fellowship two months ago.")
    assert response.status_code == 302
    pia = _user("pia")
    assert pia.approval_state == "pending"
    assert pia.join_reason == "I left the Fellowship two months ago."
    # She reads; every page says why she cannot write yet.
    page = person.get(f"/stories/{story.slug}").get_data(as_text=True)
    assert "It happened." in page
    assert "waiting for a moderator to approve it" in page
    assert 'class="reply-form"' not in page  # no comment box
    assert "You can reply once it is approved." in page
    # Her answer is hers: it is in the download of her data.
    exported = person.submit("/settings", {}, action="/settings/export").get_json()
    assert exported["account"]["approval_state"] == "pending"
    assert exported["account"]["join_reason"] == "I left the Fellowship two months ago."
    refused = person.submit("/stories/new", _story_form())
    assert refused.status_code == 403
    refused_page = refused.get_data(as_text=True)
    assert "waiting for a moderator to approve it" in refused_page
    assert "I got out last spring." in refused_page  # her text is kept
    board = make_board("Just out")
    assert person.submit(f"/boards/{board.slug}/new", {"title": "Hi", "body": "Hello."}
                         ).status_code == 403
    assert db.session.scalar(select(Story.id).where(Story.title == "My first words")) is None

    # The moderators' queue: her handle and her answer, never her login name or email.
    assert "1 waiting" in re.sub(r"<[^>]+>", "", june.get("/mod/").get_data(as_text=True))
    queue = june.get("/mod/registrations").get_data(as_text=True)
    assert "Pia" in queue and "I left the Fellowship two months ago." in queue
    assert "pia" not in queue.replace("Pia", "")
    # Its forms name her by the handle it shows, never by a row id (which would tell the
    # order accounts were made in).
    assert 'action="/mod/registrations/Pia/approve"' in queue
    assert not re.search(r"/mod/registrations/\d+/", queue)
    assert june.submit("/mod/registrations", {},
                       action="/mod/registrations/Pia/approve").status_code == 302
    pia = _user("pia")
    assert pia.approval_state == "approved" and pia.join_reason is None
    log = june.get("/mod/log").get_data(as_text=True)
    assert "approved the registration of" in log and "Pia" in log
    assert "Fellowship" not in log
    assert "Nobody is waiting." in june.get("/mod/registrations").get_data(as_text=True)
    # Now she writes.
    assert person.submit("/stories/new", _story_form()).status_code == 302


def test_a_refused_registration_stays_read_only_and_is_logged_by_handle(ctx, person, june):
    _mode("approval")
    _join(person, "rex", reason="Just looking around.")
    rex = _user("rex")
    response = june.submit("/mod/registrations", {},
                           action=f"/mod/registrations/{quote(rex.public_handle.name)}/refuse")
    assert response.status_code == 302
    assert _user("rex").approval_state == "refused"
    page = person.get("/").get_data(as_text=True)
    assert "A moderator did not approve this account" in page
    assert person.submit("/stories/new", _story_form()).status_code == 403
    log = june.get("/mod/log").get_data(as_text=True)
    assert "did not approve the registration of" in log and "Rex" in log
    # Decided once: a second decision is refused.
    again = june.submit("/mod/registrations", {},
                        action=f"/mod/registrations/{quote(rex.public_handle.name)}/approve")
    assert again.status_code == 409
    assert _user("rex").approval_state == "refused"


def test_an_account_made_in_open_mode_is_not_touched_by_approval(ctx, person, june):
    make_user("old", "Old Timer")
    _mode("approval")
    assert "Old Timer" not in june.get("/mod/registrations").get_data(as_text=True)
    person.login("old")
    assert person.submit("/stories/new", _story_form()).status_code == 302


# --- by invitation ------------------------------------------------------------------------

def _new_code(browser, url="/mod/invitations") -> str:
    response = browser.submit(url, {})
    assert response.status_code == 200, response.get_data(as_text=True)[-500:]
    return CODE_RE.search(response.get_data(as_text=True)).group(1)


def test_invitation_mode_end_to_end_with_a_reused_and_an_expired_code(ctx, june, make_browser):
    _mode("invitation")
    code = _new_code(june)
    # Only a hash is kept: the code itself is nowhere in the database.
    row = db.session.scalar(select(Invitation))
    assert code not in (row.code_hash, str(row.id)) and len(row.code_hash) == 64
    assert row.expires_at - row.created_at == timedelta(days=14)
    # The page does not show it again.
    assert code not in june.get("/mod/invitations").get_data(as_text=True)

    first, second, third = make_browser(), make_browser(), make_browser()
    page = first.get("/auth/register").get_data(as_text=True)
    assert "Joining is by invitation" in page and "Invitation code" in page
    missing = _join(first, "nina")
    assert missing.status_code == 400
    assert "please enter your invitation code" in missing.get_data(as_text=True)
    wrong = _join(first, "nina", invitation="aaaa-bbbb-cccc")
    assert wrong.status_code == 400 and "not one of ours" in wrong.get_data(as_text=True)
    assert _user("nina") is None
    # Typed in capitals and without dashes, it still matches.
    assert _join(first, "nina", invitation=code.upper().replace("-", "")).status_code == 302
    assert _user("nina").approval_state == "approved"
    assert first.submit("/stories/new", _story_form()).status_code == 302

    reused = _join(second, "omar", invitation=code)
    page = reused.get_data(as_text=True)
    assert reused.status_code == 400 and "has been used already" in page
    assert 'value="omar"' in page and f'value="{code}"' in page  # the form is kept
    assert _user("omar") is None

    late = _new_code(june)
    old = db.session.scalar(select(Invitation).where(Invitation.used_at.is_(None)))
    old.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    expired = _join(third, "ezra", invitation=late)
    assert expired.status_code == 400 and "has expired" in expired.get_data(as_text=True)
    assert _user("ezra") is None
    listing = june.get("/mod/invitations").get_data(as_text=True)
    assert "used" in listing and "expired" in listing


def test_members_invite_only_when_the_admin_allows_and_once_established(ctx, make_browser):
    long_ago = utcnow() - timedelta(days=60)
    veteran = make_user("vera", "Vera", created_at=long_ago)
    make_story(veteran, title="Years ago", body="Written long ago.")
    make_user("newt", "Newt")
    vera, newt = make_browser(), make_browser()
    vera.login("vera")
    newt.login("newt")
    # Off (the default): no link in Settings, and no codes.
    assert "Make an invitation code" not in vera.get("/settings").get_data(as_text=True)
    assert vera.submit("/settings", {}, action="/settings/invitations").status_code == 403
    site_settings.store("members_may_invite", True, utcnow())
    db.session.commit()
    assert "Make an invitation code" in vera.get("/settings").get_data(as_text=True)
    code = _new_code(vera, "/settings/invitations")
    assert db.session.scalar(select(Invitation.created_by_id)) == veteran.id
    assert code
    # A new account sees why it cannot yet, and cannot.
    page = newt.get("/settings/invitations").get_data(as_text=True)
    assert "once their account is established" in page and "Make a new code" not in page
    assert newt.submit("/settings", {}, action="/settings/invitations").status_code == 403


def test_an_admin_command_makes_accounts_whatever_the_mode(app, ctx):
    _mode("invitation")
    result = app.test_cli_runner().invoke(
        args=["users", "create", "helper_admin", "--role", "admin"],
        input="a long enough passphrase\na long enough passphrase\n")
    assert result.exit_code == 0, result.output
    assert _user("helper_admin").approval_state == "approved"
