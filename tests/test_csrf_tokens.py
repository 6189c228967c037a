"""A member's signed CSRF token is signed once per process (forum/csrf_tokens.py): the same
token on every page of that session, still accepted, never another session's, and a new one
after logging in again."""
from __future__ import annotations

from itsdangerous import URLSafeTimedSerializer

from tests.conftest import CSRF_RE
from tests.factories import make_user


def token(browser, url="/") -> str:
    return CSRF_RE.search(browser.get(url).get_data(as_text=True)).group(1)


def test_a_members_token_is_signed_once_and_still_accepted(ctx, app, make_browser):
    make_user("maren", "Maren")
    make_user("tove", "Tove")
    maren, tove = make_browser(), make_browser()
    assert maren.login("maren").status_code == 302
    assert tove.login("tove").status_code == 302
    kept = app.extensions["csrf_tokens"]
    first = token(maren)
    # Served from the kept copy: the same signed token on the next pages.
    assert token(maren, "/stories/") == token(maren, "/settings/") == first
    assert len(kept) >= 1
    # Another member's session has its own token, never Maren's.
    assert token(tove) != first
    # It is a token of Maren's session, and a form sent with it goes through.
    with maren.client.session_transaction() as session:
        raw = session["csrf_token"]
    serializer = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
    assert serializer.loads(first) == raw
    # The page's token comes from the copy kept for that session token.
    assert kept.get(raw) == first
    kept.put(raw, "kept-for-this-session")
    assert token(maren, "/stories/") == "kept-for-this-session"
    kept.put(raw, first)
    assert maren.client.post("/auth/logout", data={"csrf_token": first}).status_code == 302
    # Logged out, then in again: a new session token, and a new signed token for it.
    assert maren.login("maren").status_code == 302
    assert token(maren) != first


def test_a_visitor_is_given_no_kept_token_and_keeps_compressed_pages(ctx, app, client):
    kept = app.extensions["csrf_tokens"]
    before = len(kept)
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.headers.get("Content-Encoding") == "gzip"
    assert len(kept) == before
    # A visitor who opened a form has a session token, but is no member: nothing is kept.
    client.get("/auth/login")
    assert len(kept) == before


def test_nothing_is_kept_when_turned_off_or_when_tokens_expire(app_config, schema):
    from forum import create_app
    for overrides in ({"CSRF_TOKENS_KEPT": 0}, {"WTF_CSRF_TIME_LIMIT": 3600}):
        app = create_app({**app_config, **overrides})
        with app.app_context():
            kept = app.extensions.get("csrf_tokens")
            assert kept is None or kept.kept == 0
