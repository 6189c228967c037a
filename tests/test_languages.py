"""Choosing the site's language, through HTTP like a browser: a member's setting, the switcher
at the foot of every page (a link for visitors, a form for members), the order in which they
decide, and the page texts in each language."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.i18n import LANGUAGES
from forum.models import User
from forum.pages.routes import SITE_TEXTS
from tests.conftest import CSRF_RE
from tests.factories import make_user

PAGES = Path(__file__).resolve().parents[1] / "forum" / "pages"
YEAR = 365 * 24 * 3600


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


def lang_cookie(response) -> str | None:
    """The Set-Cookie header for `lang`, if the response sets it."""
    return next((h for h in response.headers.getlist("Set-Cookie") if h.startswith("lang=")),
                None)


def language_of(login_name: str) -> str | None:
    return db.session.scalar(select(User.language).where(User.login_name == login_name))


def switcher(body: str) -> str:
    return re.search(r'<nav aria-label="Language" class="languages">.*?</nav>', body, re.S).group(0)


@pytest.fixture
def member(ctx, person):
    """Ada, logged in through the form; her language follows her browser."""
    make_user("ada", "Ada")
    person.login("ada")
    return person


# --- which language a page speaks ----------------------------------------------------------

def test_english_when_nothing_is_said(client):
    response = client.get("/")
    assert response.status_code == 200 and html_lang(response) == "en"


def test_the_browser_decides_when_nothing_else_does(client):
    assert html_lang(client.get("/", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})) == "de"
    assert html_lang(client.get("/", headers={"Accept-Language": "es-MX"})) == "es"
    # A language the site does not speak falls back to English.
    assert html_lang(client.get("/", headers={"Accept-Language": "fr"})) == "en"


def test_the_cookie_beats_the_browser(client):
    client.set_cookie("lang", "es")
    assert html_lang(client.get("/", headers={"Accept-Language": "de"})) == "es"
    client.set_cookie("lang", "xx")  # not a language of the site: ignored
    assert html_lang(client.get("/", headers={"Accept-Language": "de"})) == "de"


def test_a_members_setting_beats_the_cookie_and_the_browser(ctx, member):
    member.client.set_cookie("lang", "es")
    assert html_lang(member.get("/", headers={"Accept-Language": "en"})) == "es"
    db.session.scalar(select(User).where(User.login_name == "ada")).language = "de"
    db.session.commit()
    assert html_lang(member.get("/", headers={"Accept-Language": "en"})) == "de"
    assert html_lang(member.get("/settings", headers={"Accept-Language": "es"})) == "de"


def test_pages_vary_on_the_browsers_languages_and_the_cookie(client):
    for url in ("/", "/safety", "/support", "/auth/login"):
        vary = {v.strip() for v in client.get(url).headers.get("Vary", "").split(",")}
        assert {"Accept-Language", "Cookie"} <= vary, url


# --- the switcher, for a visitor -------------------------------------------------------------

def test_the_switcher_names_each_language_in_itself(client):
    nav = switcher(client.get("/stories/?x=1").get_data(as_text=True))
    for code, name in LANGUAGES.items():
        link = re.search(rf'<a href="([^"]+)" lang="{code}" hreflang="{code}"[^>]*>{name}</a>', nav)
        assert link, code
        assert link.group(1) == f"/language/{code}?next=/stories/?x%3D1"
    assert re.search(r'lang="en" hreflang="en" aria-current="true">English<', nav)
    assert nav.count("aria-current") == 1
    assert "<form" not in nav and "csrf_token" not in nav


def test_a_visitor_switches_with_a_link_and_comes_back(client):
    response = client.get("/language/de?next=/stories/")
    assert response.status_code == 302 and response.headers["Location"] == "/stories/"
    cookie = lang_cookie(response)
    assert cookie.startswith("lang=de;")
    for part in (f"Max-Age={YEAR}", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert part in cookie
    assert "Secure" not in cookie  # this test app runs without SESSION_COOKIE_SECURE
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "session=" not in " ".join(response.headers.getlist("Set-Cookie"))

    page = client.get("/stories/")
    assert html_lang(page) == "de"
    assert re.search(r'lang="de" hreflang="de" aria-current="true">Deutsch<',
                     page.get_data(as_text=True))
    assert lang_cookie(page) is None


def test_the_cookie_is_secure_where_the_sessions_are(app, client):
    app.config["SESSION_COOKIE_SECURE"] = True
    assert "Secure" in lang_cookie(client.get("/language/es?next=/"))


def test_a_visitor_page_sets_no_cookie_unless_the_switcher_was_used(client):
    for url in ("/", "/safety", "/support", "/stories/"):
        response = client.get(url, headers={"Accept-Language": "es"})
        assert response.status_code == 200, url
        assert "Set-Cookie" not in response.headers, url
        assert "csrf_token" not in response.get_data(as_text=True), url
    assert lang_cookie(client.get("/language/es?next=/")) is not None


@pytest.mark.parametrize("target", [
    "//evil.example/", "https://evil.example/", "/\\evil.example", "\\\\evil.example",
    "javascript:alert(1)", "/\t/evil.example", "evil.example", "",
])
def test_the_switcher_never_sends_anyone_to_another_site(client, target):
    response = client.get("/language/de", query_string={"next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert lang_cookie(response).startswith("lang=de;")


def test_an_unknown_language_is_not_found(client):
    for code in ("fr", "EN", "de-DE", "..", "x" * 40):
        response = client.get(f"/language/{code}?next=/")
        assert response.status_code == 404, code
        assert lang_cookie(response) is None


# --- the switcher, for a member ----------------------------------------------------------

def test_a_member_switches_with_a_form_that_saves_the_setting(ctx, member):
    body = member.get("/stories/").get_data(as_text=True)
    nav = switcher(body)
    # One form, a button for each language (one token, however many languages).
    assert re.search(r'<button type="submit" formaction="/language/en" class="link-button" '
                     r'lang="en" aria-current="true">English</button>', nav)
    assert 'formaction="/language/es"' in nav and 'name="next" value="/stories/"' in nav
    assert nav.count("<form") == 1 and nav.count('name="csrf_token"') == 1
    assert "hreflang" not in nav  # buttons, not links: nothing is fetched in that language

    token = CSRF_RE.search(body).group(1)
    response = member.client.post("/language/es",
                                  data={"csrf_token": token, "next": "/stories/"})
    assert response.status_code == 302 and response.headers["Location"] == "/stories/"
    assert lang_cookie(response).startswith("lang=es;")
    assert language_of("ada") == "es"
    assert html_lang(member.get("/stories/", headers={"Accept-Language": "de"})) == "es"


def test_a_members_switch_needs_the_csrf_token_and_a_known_language(ctx, member):
    assert member.client.post("/language/de", data={"next": "/"}).status_code == 400
    assert language_of("ada") is None
    token = member.csrf_token("/settings")
    assert member.client.post("/language/fr", data={"csrf_token": token}).status_code == 404
    response = member.client.post("/language/de",
                                  data={"csrf_token": token, "next": "//evil.example/"})
    assert response.headers["Location"] == "/"
    assert language_of("ada") == "de"


def test_a_visitor_cannot_post_to_the_switcher(client):
    # Visitors have the link; a POST without an account saves nothing anywhere.
    response = client.post("/language/de", data={"next": "/"})
    assert response.status_code in (400, 401, 302)
    assert lang_cookie(response) is None


# --- the Language page of Settings ---------------------------------------------------------

def test_settings_links_to_the_language_page(member):
    body = member.get("/settings").get_data(as_text=True)
    assert '<a href="/settings/language">Language</a>' in body
    page = member.get("/settings/language")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Follow my browser" in text
    for code, name in LANGUAGES.items():
        assert re.search(rf'<label for="language-\d" lang="{code}">{name}</label>', text)
    # Nothing chosen yet: the browser decides.
    assert re.search(r'<input checked id="language-0" name="language" type="radio" value="">', text)


def test_choosing_a_language_in_settings_and_following_the_browser_again(ctx, member):
    response = member.submit("/settings/language", {"language": "de"})
    assert response.status_code == 302 and response.headers["Location"] == "/settings/language"
    assert language_of("ada") == "de"
    page = member.get("/settings/language", headers={"Accept-Language": "en"})
    assert html_lang(page) == "de"
    assert re.search(r'<input checked id="language-\d" name="language" type="radio" value="de">',
                     page.get_data(as_text=True))
    assert "Deutsch" in member.get("/settings").get_data(as_text=True)

    # A cookie from the switcher would go on deciding: "Follow my browser" takes it away too.
    member.client.set_cookie("lang", "es")
    response = member.submit("/settings/language", {"language": ""})
    assert response.status_code == 302
    assert language_of("ada") is None
    cleared = lang_cookie(response)
    assert cleared.startswith("lang=;") and "Max-Age=0" in cleared
    assert html_lang(member.get("/settings", headers={"Accept-Language": "es"})) == "es"
    assert html_lang(member.get("/settings", headers={"Accept-Language": "en"})) == "en"


def test_the_language_page_refuses_what_is_not_offered(ctx, member):
    assert member.submit("/settings/language", {"language": "fr"}).status_code == 400
    assert member.client.post("/settings/language", data={"language": "de"}).status_code == 400
    assert language_of("ada") is None


def test_the_language_page_is_for_members(client):
    response = client.get("/settings/language")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_the_setting_is_part_of_my_data(ctx, member):
    member.submit("/settings/language", {"language": "es"})
    response = member.submit("/settings", {}, action="/settings/export")
    assert json.loads(response.data)["account"]["language"] == "es"
    member.submit("/settings/language", {"language": ""})
    response = member.submit("/settings", {}, action="/settings/export")
    assert json.loads(response.data)["account"]["language"] is None


# --- page texts in each language ---------------------------------------------------------

def test_each_page_text_exists_in_every_language():
    for name in SITE_TEXTS:
        assert (PAGES / f"{name}.md").is_file()
        for code in LANGUAGES:
            if code != "en":
                assert (PAGES / f"{name}.{code}.md").is_file(), f"{name}.{code}.md"


def test_the_safety_page_speaks_the_readers_language(client):
    client.set_cookie("lang", "de")
    page = client.get("/safety").get_data(as_text=True)
    assert "<h1>Sicher lesen</h1>" in page and "Reading safely</h1>" not in page
    assert "Neues Inkognitofenster" in page
    client.set_cookie("lang", "es")
    page = client.get("/safety").get_data(as_text=True)
    assert "<h1>Leer con seguridad</h1>" in page and "Nueva ventana de incógnito" in page
    page = client.get("/support", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "<h1>Encontrar apoyo</h1>" in page  # the cookie still wins
    client.delete_cookie("lang")
    page = client.get("/support", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "<h1>Unterstützung finden</h1>" in page


def test_an_admins_english_text_is_not_hidden_behind_our_translation(app, client, tmp_path):
    app.config["SITE_TEXT_DIR"] = str(tmp_path)
    (tmp_path / "support.md").write_text("# Help near you\n\nCall the Riverside Line.\n",
                                         encoding="utf-8")
    german = {"Accept-Language": "de"}
    assert "<h1>Help near you</h1>" in client.get("/support", headers=german).get_data(as_text=True)
    # Their German text, once they write one, is what German readers get.
    (tmp_path / "support.de.md").write_text("# Hilfe in deiner Nähe\n", encoding="utf-8")
    assert "<h1>Hilfe in deiner Nähe</h1>" in client.get(
        "/support", headers=german).get_data(as_text=True)
    assert "<h1>Help near you</h1>" in client.get("/support").get_data(as_text=True)
    # Where they wrote nothing, each reader gets our text in their language.
    assert "<h1>Sicher lesen</h1>" in client.get("/safety", headers=german).get_data(as_text=True)
    assert "<h1>Reading safely</h1>" in client.get("/safety").get_data(as_text=True)


# --- WTForms' own messages -----------------------------------------------------------------

@pytest.mark.parametrize("code, required", [("en", "This field is required."),
                                            ("de", "Dieses Feld wird benötigt."),
                                            ("es", "Este campo es obligatorio.")])
def test_a_forms_own_messages_speak_the_readers_language(client, monkeypatch, code, required):
    """WTForms' messages come in the page's language, from a catalogue read from disk once per
    language, not once per request (forum/forms.py)."""
    from babel import support
    from forum.forms import wtforms_catalogue
    wtforms_catalogue.cache_clear()
    loads = []
    load = support.Translations.load
    monkeypatch.setattr(support.Translations, "load",
                        lambda *a, **kw: loads.append(kw.get("domain")) or load(*a, **kw))
    client.set_cookie("lang", code)
    for _ in range(3):
        token = CSRF_RE.search(client.get("/auth/login").get_data(as_text=True)).group(1)
        page = client.post("/auth/login", data={"csrf_token": token, "login_name": "",
                                                "password": ""}).get_data(as_text=True)
        assert required in page
    assert loads.count("wtforms") == 1


def test_every_form_derives_from_the_sites_form():
    """No module makes a form from Flask-WTF's FlaskForm directly (it loads WTForms'
    catalogue again for each request)."""
    root = Path(__file__).resolve().parent.parent / "forum"
    direct = [str(path.relative_to(root)) for path in root.rglob("*.py")
              if path.name != "forms.py" or path.parent != root
              if re.search(r"^from flask_wtf import .*\bFlaskForm\b", path.read_text(), re.M)]
    assert direct == []
