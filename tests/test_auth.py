"""Register, log in, log out, and the forms that keep what was typed."""
from forum.extensions import db
from forum.models import User


def test_register_logs_in_and_keeps_login_name_private(person, ctx):
    r = person.register("secret_login", handle="Open Door Leaver")
    assert r.status_code == 302
    home = person.get("/").get_data(as_text=True)
    assert "Log out" in home
    assert "secret_login" not in home
    user = db.session.scalar(User.by_login_name("secret_login"))
    assert user.password_hash.startswith("scrypt:")
    assert user.public_handle.name == "Open Door Leaver"


def test_register_rejects_and_keeps_fields(person):
    r = person.submit("/auth/register", {
        "login_name": "ab c", "handle": "Good Handle", "password": "short",
        "confirm": "short", "email": "",
    })
    page = r.get_data(as_text=True)
    assert r.status_code == 400
    assert 'value="Good Handle"' in page
    # Nothing long was typed (and the passwords are not typed back): no promise of kept text.
    assert "Please check the highlighted field" in page
    assert "Your text is still here" not in page


def test_register_rejects_look_alike_handle(person, make_browser):
    person.register("first", handle="Paul")
    other = make_browser()
    r = other.register("second", handle="Pau1")
    assert r.status_code == 400
    assert "looks like it, is taken" in r.get_data(as_text=True)


def test_login_and_wrong_password(person, make_browser):
    person.register("walker")
    person.logout()
    r = person.login("walker", "wrong password!")
    assert r.status_code == 400
    assert "do not match" in r.get_data(as_text=True)
    r = person.login("nobody-here", "wrong password!")
    assert r.status_code == 400
    assert person.login("walker").status_code == 302
    assert "Log out" in person.get("/").get_data(as_text=True)


def test_logout_is_post_only_and_ends_copied_cookie(person, client):
    person.register("leaver")
    assert client.get("/auth/logout").status_code == 405
    cookie = client.get_cookie("session").value
    person.logout()
    client.set_cookie("session", cookie)
    assert "Log out" not in client.get("/").get_data(as_text=True)


def test_a_login_older_than_its_account_is_refused(ctx, person, client):
    """A cookie names an account by row id: one that outlived its account (a restore from a
    backup brings the id back for the next account made) must not open the newer account."""
    from datetime import timedelta
    from forum.clock import utcnow
    person.register("before")
    assert "Log out" in client.get("/").get_data(as_text=True)
    user = db.session.scalar(db.select(User).where(User.login_name == "before"))
    user.created_at = utcnow() + timedelta(minutes=10)  # as if the row were made after the login
    db.session.commit()
    assert "Log out" not in client.get("/").get_data(as_text=True)


def test_post_without_csrf_token_is_refused(client):
    r = client.post("/auth/register", data={"login_name": "x", "handle": "Xavier",
                                            "password": "p" * 12, "confirm": "p" * 12})
    assert r.status_code == 400


def test_login_next_stays_on_site(person):
    person.register("nexter")
    person.logout()
    token = person.csrf_token("/auth/login")
    r = person.client.post("/auth/login?next=//evil.example/x",
                            data={"login_name": "nexter", "password": "correct horse battery",
                                  "csrf_token": token})
    assert r.headers["Location"] == "/"


def test_a_failed_login_is_a_form_with_an_error_not_an_http_challenge(person):
    """401 means "authenticate with the WWW-Authenticate scheme given": a log-in form has none
    to give, so a refused log-in is the form again, 400, with words for a login, not a story."""
    person.register("walker")
    person.logout()
    for r in (person.login("walker", "wrong password!"), person.submit("/auth/login", {})):
        page = r.get_data(as_text=True)
        assert r.status_code == 400
        assert "WWW-Authenticate" not in r.headers
        assert '<form' in page and 'name="login_name"' in page
        assert "Please check the highlighted field" in page
        assert "Nothing was saved yet" not in page and "Your text is still here" not in page


def test_only_long_text_forms_promise_the_text_is_kept(person):
    """The reply form (a text area) still says the text is kept; the log-in form does not."""
    from tests.test_posting import _story_thread
    person.register("writer")
    _, thread_id = _story_thread(person)
    r = person.submit(f"/threads/{thread_id}/reply", {"body": "   "})
    assert r.status_code == 400
    assert "Your text is still here" in r.get_data(as_text=True)


def test_a_failed_login_that_carries_a_text_is_400_and_keeps_it(person):
    """A writer whose login expired logs in again from the page that holds their text: a
    wrong password there is the same 400, with the text still in the form."""
    person.register("walker")
    person.logout()
    token = person.csrf_token("/auth/login")
    r = person.client.post("/auth/login?next=/stories/new", data={
        "login_name": "walker", "password": "wrong password!", "csrf_token": token,
        "resume__body": "Three years of my life."})
    page = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "WWW-Authenticate" not in r.headers
    assert "Three years of my life." in page and 'name="resume__body"' in page


def test_the_session_cookie_holds_no_trace_of_the_network_address(person, client, app):
    """The login's cookie says which account and when, nothing about where from: no hash of
    the browser's address and user agent (Flask-Login's session protection would add one,
    unsalted, so an IPv4 address could be found back from a copied cookie)."""
    from flask.sessions import SecureCookieSessionInterface

    person.register("traveller")
    client.get("/", environ_base={"REMOTE_ADDR": "203.0.113.7"},
               headers={"User-Agent": "Example/1.0"})
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    session = serializer.loads(client.get_cookie("session").value)
    assert session["_user_id"].split(":")[0].isdigit()
    assert "_id" not in session
    import hashlib
    for value in session.values():
        assert "203.0.113.7" not in str(value)
        assert hashlib.sha512(b"203.0.113.7|Example/1.0").hexdigest() not in str(value)
    # A login is not tied to an address: the same cookie from another network still works.
    assert "Log out" in client.get("/", environ_base={"REMOTE_ADDR": "198.51.100.9"}).get_data(
        as_text=True)
