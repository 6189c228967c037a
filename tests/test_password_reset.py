"""Password reset by email: a member with a confirmed address gets back in with a link.

The link comes from a real SMTP server (aiosmtpd). It works once, for an hour, only while
the address and the password stay as they were; using it sets a new password under the
registration rules, ends every other session and logs in. Asking for one answers alike,
in words, status and time, whether or not anything matched, and every mail is content-free.
"""
from __future__ import annotations

import re
import statistics
import time

import pytest

from forum import background
from forum.auth import password_reset
from forum.extensions import db
from forum.models import PasswordReset, User
from tests.conftest import CSRF_RE, Browser
from tests.factories import Clock, PASSWORD, make_board, make_thread, make_user
from tests.test_two_step import code, switch_on

NEW_PASSWORD = "a river between the hills"
LINK = re.compile(r"http://localhost(/auth/reset/[A-Za-z0-9_-]+)")
SENT_PAGE = "/auth/reset/sent"



@pytest.fixture
def clock(monkeypatch):
    """The reset views' "now", moved by hand (log-ins keep the real time)."""
    clock = Clock()
    monkeypatch.setattr("forum.auth.email_routes.utcnow", clock)
    return clock


@pytest.fixture
def ana(ctx):
    """A member with a confirmed address and a thread whose title no mail may carry."""
    user = make_user("ana_login", "Ana Reyes", email="ana@example.org")
    make_thread(user, make_board(), title="A title nobody may read in an inbox")
    return "ana_login"


def _ask(person, identifier):
    return person.submit("/auth/reset", {"identifier": identifier})


def _link(inbox, n=-1) -> str:
    inbox.settle()
    return LINK.search(inbox.messages[n][1]).group(1)


def _set(person, link, password=NEW_PASSWORD, confirm=None, **kw):
    # The token for the form comes from the reset page: a spent link's page has no form.
    return person.submit("/auth/reset", {"new_password": password,
                                         "confirm": password if confirm is None else confirm},
                         action=link, **kw)


def _content_free(content: str) -> None:
    for secret in ("ana_login", "Ana Reyes", "A title nobody", PASSWORD, NEW_PASSWORD):
        assert secret not in content, secret


def _logged_in(person) -> bool:
    return person.get("/settings").status_code == 200


def test_a_member_gets_back_in_with_an_email_reset(app, ana, person, make_browser, inbox):
    elsewhere = make_browser()
    assert elsewhere.login("ana_login").status_code == 302
    # From the log-in page, as a person who forgot their password would go.
    assert 'href="/auth/forgot">Forgot your password?</a>' in person.get("/auth/login").get_data(
        as_text=True)
    assert 'href="/auth/reset">Send me a link</a>' in person.get("/auth/forgot").get_data(
        as_text=True)
    response = _ask(person, "ana_login")
    assert response.status_code == 302 and response.headers["Location"] == SENT_PAGE
    assert "Check your email" in person.get(SENT_PAGE).get_data(as_text=True)
    link = _link(inbox)
    [(rcpt, content)] = inbox.messages
    assert rcpt == ["ana@example.org"]
    assert "Subject: Choose a new password on Afterward" in content
    _content_free(content)

    form = person.get(link)
    assert form.status_code == 200 and "Choose a new password" in form.get_data(as_text=True)
    assert form.headers["Cache-Control"] == "private, no-store"  # its address holds the token
    done = _set(person, link, follow_redirects=True)
    assert "Your new password is set and you are logged in." in done.get_data(as_text=True)
    assert _logged_in(person)
    assert not _logged_in(elsewhere)  # every other session ended
    assert make_browser().login("ana_login").status_code == 400
    assert make_browser().login("ana_login", NEW_PASSWORD).status_code == 302
    # The confirmed address hears that the password changed, and nothing more.
    inbox.settle()
    assert len(inbox.messages) == 2
    assert "Subject: Your password on Afterward was changed" in inbox.messages[1][1]
    _content_free(inbox.messages[1][1])

    # The link was for one use.
    again = make_browser().get(link)
    assert again.status_code == 410
    assert "This link has been used already." in again.get_data(as_text=True)
    assert _set(make_browser(), link, "yet another long passphrase").status_code == 410
    assert make_browser().login("ana_login", NEW_PASSWORD).status_code == 302


def test_asking_by_the_confirmed_address_works_in_any_case(ctx, ana, person, inbox):
    assert _ask(person, "  ANA@example.org ").headers["Location"] == SENT_PAGE
    link = _link(inbox)
    assert inbox.messages[0][0] == ["ana@example.org"]
    assert _set(person, link).status_code == 302
    # A domain in another script is found as it was stored, in its ASCII form.
    make_user("bo_login", "Bo Lind", email="bo@xn--bcher-kva.example")
    assert _ask(person, "bo@bücher.example").headers["Location"] == SENT_PAGE
    inbox.settle()
    assert inbox.messages[-1][0] == ["bo@xn--bcher-kva.example"]


def test_an_expired_link_fails_with_a_clear_message(app, ana, person, inbox, clock):
    _ask(person, "ana_login")
    link = _link(inbox)
    clock.advance(minutes=59)
    assert person.get(link).status_code == 200
    clock.advance(minutes=2)
    response = _set(person, link)
    assert response.status_code == 410
    assert "This link has expired" in response.get_data(as_text=True)
    assert person.login("ana_login").status_code == 302  # the old password still works


def test_a_link_for_a_changed_address_fails(app, ana, person, make_browser, inbox):
    _ask(make_browser(), "ana_login")
    link = _link(inbox)
    # The owner changes the address (and confirms the new one) before using the link.
    assert person.login("ana_login").status_code == 302
    assert person.submit("/settings", {"email": "new@example.org", "email_password": PASSWORD},
                         action="/settings/email").status_code == 302
    confirm = re.search(r"http://localhost(/auth/email/\S+)", inbox.messages[1][1]).group(1)
    assert person.submit(confirm, {}).status_code == 302
    response = _set(make_browser(), link)
    assert response.status_code == 410
    assert "email address changed" in response.get_data(as_text=True)


def test_a_link_stops_working_once_the_password_changes(app, ana, person, make_browser, inbox):
    _ask(make_browser(), "ana_login")
    link = _link(inbox)
    assert person.login("ana_login").status_code == 302
    assert person.submit("/settings", {"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                       "confirm": NEW_PASSWORD},
                         action="/settings/password").status_code == 302
    response = make_browser().get(link)
    assert response.status_code == 410 and "password changed" in response.get_data(as_text=True)


def test_a_link_nobody_sent_fails(app, ana, person):
    response = person.get("/auth/reset/" + "x" * 43)
    assert response.status_code == 404
    assert "not one this site sent" in response.get_data(as_text=True)


def test_the_new_password_follows_the_registration_rules(app, ana, person, inbox):
    _ask(person, "ana_login")
    link = _link(inbox)
    for password, confirm, words in (
            ("short", None, "at least 10 characters"),
            ("password123", None, "most common"),
            ("ana_login_2024", None, "must not be your login name"),
            ("Ana Reyes!!", None, "must not be your login name or your handle"),
            (NEW_PASSWORD, "something else entirely", "differ")):
        response = _set(person, link, password, confirm)
        page = response.get_data(as_text=True)
        assert response.status_code == 400, password
        assert words in page, password
        assert f'value="{password}"' not in page  # passwords are never sent back
    assert _set(person, link).status_code == 302  # the refusals did not spend the link


def test_only_one_mail_per_account_every_few_minutes(app_config, app, ana, person, inbox):
    app.config["RESET_MAIL_LIMIT"] = "1 per 5 minutes"
    answers = [_ask(person, identifier) for identifier in ("ana_login", "ana@example.org",
                                                          "ana_login")]
    assert {(r.status_code, r.headers["Location"]) for r in answers} == {(302, SENT_PAGE)}
    inbox.settle()
    assert len(inbox.messages) == 1  # the inbox is not flooded, and nobody is told why


# --- no enumeration -----------------------------------------------------------------------

@pytest.fixture
def others(app, ctx, ana):
    """An account with only an unconfirmed address, and one with none."""
    make_user("ben_login", "Ben Okafor")
    make_user("cleo_login", "Cleo March")
    assert Browser(app.test_client()).login("ben_login").status_code == 302


def _answer(app, identifier):
    """Ask from a fresh browser; the whole answer, and the page it leads to."""
    person = Browser(app.test_client())
    form = person.get("/auth/reset")
    response = _ask(person, identifier)
    followed = person.get(response.headers["Location"])
    return (form.status_code, response.status_code, response.headers["Location"],
            followed.status_code, re.sub(r'name="once" value="[^"]*"', "",  # one-time keys
                                         CSRF_RE.sub("", followed.get_data(as_text=True))))


@pytest.mark.parametrize("identifier", [
    "ana_login", "ana@example.org", "ben_login", "cleo_login", "nobody@example.org"])
def test_the_answer_is_the_same_whatever_was_typed(app, ana, others, inbox, identifier):
    assert _answer(app, identifier) == _answer(app, "no.such.name")


def test_mail_goes_out_only_for_a_real_confirmed_address(app, ana, others, inbox):
    for identifier in ("nobody_at_all", "nobody@example.org", "cleo_login", "ben_login"):
        _answer(app, identifier)
    inbox.settle()
    assert inbox.messages == []
    _answer(app, "ana_login")
    inbox.settle()
    assert [rcpt for rcpt, _ in inbox.messages] == [["ana@example.org"]]


def test_a_request_does_the_same_work_either_way(app, ana, count_queries, monkeypatch):
    """The answer comes before any look-up: the account is found, and mailed, afterwards."""
    later = []
    monkeypatch.setattr(background, "run_later", lambda job, *args: later.append((job, args)))
    person = Browser(app.test_client())
    statements = {}
    for identifier in ("ana_login", "nobody_at_all"):
        token = CSRF_RE.search(person.get("/auth/reset").get_data(as_text=True)).group(1)
        with count_queries() as seen:
            response = person.client.post("/auth/reset", data={"identifier": identifier,
                                                               "csrf_token": token})
        assert response.status_code == 302
        statements[identifier] = [s for s in seen if "users" in s or "password_resets" in s]
    assert statements == {"ana_login": [], "nobody_at_all": []}
    assert [(job, args[0]) for job, args in later] == [
        (password_reset.send_links, "ana_login"), (password_reset.send_links, "nobody_at_all")]


def test_a_request_takes_as_long_for_a_missing_account(app_config, app, ana, inbox):
    app.config["RESET_MAIL_LIMIT"] = "1000 per minute"  # every request for Ana sends a mail

    def timed(identifier):
        client = app.test_client()
        token = CSRF_RE.search(client.get("/auth/reset").get_data(as_text=True)).group(1)
        # CPU time of this thread, which runs the request: what the request itself costs,
        # whatever the rest of a shared machine (or the mail thread) is doing meanwhile. The
        # database work is compared by statements in the test above.
        started = time.thread_time()
        client.post("/auth/reset", data={"identifier": identifier, "csrf_token": token})
        took = time.thread_time() - started
        inbox.settle()  # the mail, after the answer, is not timed with the next request
        return took

    timed("ana_login"), timed("nobody_at_all")  # warm both paths up
    # Taken in turns, so that whatever else the machine does weighs on both alike, and
    # compared pair by pair: a burst of other work spoils a pair or two, not the median.
    pairs = [(timed("ana_login"), timed("nobody_at_all")) for _ in range(21)]
    known = statistics.median(k for k, _ in pairs)
    unknown = statistics.median(u for _, u in pairs)
    ratio = statistics.median(u / k for k, u in pairs)
    inbox.settle()
    assert len(inbox.messages) == 22  # the mail did go out, after the answers
    # Mail goes out after the answer; the rest is the same work. Far apart would show.
    print(f"reset request: {known * 1000:.2f} ms for an account, {unknown * 1000:.2f} ms for none")
    assert 0.5 < ratio < 2.0, (known, unknown, ratio)


def _normalised(response, typed):
    page = CSRF_RE.sub("", response.get_data(as_text=True))
    page = re.sub(r'name="once" value="[^"]*"', "", page)  # the form's one-time key
    return response.status_code, page.replace(f'value="{typed}"', 'value="TYPED"')


@pytest.fixture
def real_login_limits(app_config):
    app_config.update(LOGIN_ADDRESS_LIMIT="6 per minute;30 per hour", LOGIN_PAIR_LIMIT="3 per 15 minutes")


def test_requests_are_limited_alike_for_known_and_unknown_names(real_login_limits, app, ana,
                                                                 inbox):
    def attempts(identifier, address):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        person = Browser(client)
        return [_ask(person, identifier) for _ in range(5)]

    known = attempts("ana_login", "192.0.2.1")
    unknown = attempts("nobody_at_all", "192.0.2.2")
    assert [r.status_code for r in known] == [302, 302, 302, 429, 429]
    assert [r.status_code for r in unknown] == [302, 302, 302, 429, 429]
    for mine, theirs in zip(known[3:], unknown[3:]):
        assert _normalised(mine, "ana_login") == _normalised(theirs, "nobody_at_all")
        assert 'value="nobody_at_all"' in theirs.get_data(as_text=True)  # typed text kept
    # Using a link counts against the address's log-in limit too.
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "192.0.2.3"
    person = Browser(client)
    statuses = [_set(person, "/auth/reset/" + "x" * 43).status_code for _ in range(7)]
    assert statuses[-1] == 429, statuses


def test_the_database_keeps_only_a_hash_of_the_link(ctx, ana, person, inbox):
    _ask(person, "ana_login")
    token = _link(inbox).rsplit("/", 1)[1]
    assert len(token) >= 43  # 32 random bytes
    [reset] = db.session.scalars(db.select(PasswordReset)).all()
    assert token not in repr(vars(reset)) and reset.token_hash != token
    assert db.session.scalar(db.select(User.email)) == reset.email


def test_with_two_step_login_on_the_code_is_still_asked_after_a_reset(app, ana, person, inbox):
    """The mail proves the address, not the second step."""
    assert person.login("ana_login").status_code == 302
    secret = switch_on(person)
    person.logout()
    _ask(person, "ana_login")
    done = _set(person, _link(inbox))
    assert done.status_code == 302 and done.headers["Location"].endswith("/auth/two-step")
    assert not _logged_in(person)
    # The next step's code: the one that switched it on cannot be used twice.
    assert person.submit("/auth/two-step", {"code": code(secret, 1)}).status_code == 302
    assert _logged_in(person)


def test_two_requests_racing_with_one_link_set_one_password(app, ana, person, make_browser,
                                                            inbox, monkeypatch):
    """The second of two requests that both read the link before either was done (as two
    clicks of the button do) finds it spent, and the first request's password stands."""
    _ask(person, "ana_login")
    link = _link(inbox)
    first, second = make_browser(), make_browser()
    token = second.csrf_token(link)
    assert _set(first, link).status_code == 302

    def read_before_the_first_was_done(token, now):
        reset = db.session.scalar(db.select(PasswordReset).where(
            PasswordReset.token_hash == password_reset.token_hash(token)))
        return reset, db.session.get(User, reset.user_id)

    monkeypatch.setattr(password_reset, "check_link", read_before_the_first_was_done)
    late = second.client.post(link, data={"new_password": "the second click's password",
                                          "confirm": "the second click's password",
                                          "csrf_token": token})
    assert late.status_code == 410
    assert "This link has been used already." in late.get_data(as_text=True)
    assert make_browser().login("ana_login", NEW_PASSWORD).status_code == 302


def test_a_link_stays_void_when_the_same_address_comes_back(app, ana, person, make_browser,
                                                            inbox):
    """Removing the address voids the link for good: confirming the same address again within
    the hour does not bring it back."""
    _ask(make_browser(), "ana_login")
    link = _link(inbox)
    assert person.login("ana_login").status_code == 302
    removed = person.submit("/settings", {"email": "", "email_password": PASSWORD},
                            action="/settings/email")
    assert removed.status_code == 302
    assert person.submit("/settings", {"email": "ana@example.org", "email_password": PASSWORD},
                         action="/settings/email").status_code == 302
    inbox.settle()
    confirm = re.search(r"http://localhost(/auth/email/\S+)", inbox.to("ana@example.org")[-1])
    assert person.submit(confirm.group(1), {}).status_code == 302
    with app.app_context():
        assert db.session.scalar(User.by_login_name("ana_login")).email == "ana@example.org"
    response = _set(make_browser(), link)
    assert response.status_code == 410
    assert "email address changed" in response.get_data(as_text=True)
    assert make_browser().login("ana_login").status_code == 302  # the password is as it was
