"""The frame around every page: the site's mark and favicon, the header's menus and search box,
and messages that look like what they say (an error never styled as good news)."""
import re

from flask import flash, redirect

from tests.factories import make_user


def test_favicon_ico_answers_with_an_image(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype.startswith("image/")
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file, not a page
    assert client.get("/static/img/mark.svg").mimetype == "image/svg+xml"


def test_every_page_links_the_mark_as_its_icon(client, person, ctx):
    make_user("iconic")
    icon = '<link rel="icon" href="/static/img/mark.svg" type="image/svg+xml">'
    for url in ("/", "/stories/", "/boards/", "/auth/login", "/no-such-page"):
        assert icon in client.get(url).get_data(as_text=True), url
    person.login("iconic")
    for url in ("/", "/settings", "/stories/new"):
        page = person.get(url).get_data(as_text=True)
        assert icon in page, url
        assert '<span class="mark" aria-hidden="true"></span>' in page, url
    # Drawn by the stylesheet: no page carries an <img> or <svg> of its own.
    css = client.get("/static/css/site.css").get_data(as_text=True)
    assert 'url("../img/mark.svg")' in css and 'url("../img/search.svg")' in css
    assert client.get("/static/img/search.svg").mimetype == "image/svg+xml"


def test_the_header_search_box_keeps_the_query_only_on_the_search_page(client):
    page = client.get("/search?q=winter+coat").get_data(as_text=True)
    assert 'name="q" placeholder="Search" maxlength="200" value="winter coat"' in page
    page = client.get("/stories/?q=winter").get_data(as_text=True)
    assert 'maxlength="200" value=""' in page


def test_members_find_their_drafts_in_the_header(client, person, ctx):
    assert "/stories/drafts" not in client.get("/").get_data(as_text=True)
    make_user("drafter")
    person.login("drafter")
    page = person.get("/").get_data(as_text=True)
    assert re.search(r'<a href="/stories/drafts">Drafts</a>', page)
    # The account's own items, log out included, sit in one menu that needs no script.
    account = page[page.index('<details class="account">'):page.index("</details>", page.index('<details class="account">'))]
    for words in ("Notifications", "Drafts", "Settings", "Log out"):
        assert words in account


def test_each_message_looks_like_what_it_says(app, client):
    def said():
        flash("Saved.", "success")
        flash("Plain news.")
        flash("Please wait a minute before you try again.", "error")
        flash("Careful.", "warning")
        return redirect("/")
    app.add_url_rule("/_say", "say", said)
    page = client.get("/_say", follow_redirects=True).get_data(as_text=True)
    assert '<p class="flash notice success" role="status">Saved.</p>' in page
    assert '<p class="flash notice info" role="status">Plain news.</p>' in page
    assert ('<p class="flash notice error" role="alert">Please wait a minute before you try '
            'again.</p>') in page
    assert '<p class="flash notice warning" role="status">Careful.</p>' in page


# --- the kept frame (forum/frame.py) ------------------------------------------------------

_ONCE_KEY = re.compile(r'name="once" value="[^"]+"')


def _frame_of(page: str) -> str:
    """The header and footer of a page, with the one-time key (new on every page) set aside."""
    header = page[page.index('<header class="site-header">'):page.index("</header>")]
    footer = page[page.index('<footer class="site-footer">'):page.index("</body>")]
    return _ONCE_KEY.sub('name="once" value="…"', header + footer)


def test_the_kept_frame_is_the_frame_rendered_afresh(app, ctx, make_browser):
    """For every kind of reader, on pages the menus name and others, in each language, with
    unread notifications and a search's words: the kept header and footer are byte for byte
    those rendered for the page itself."""
    from forum.notifications import service as notifications
    from tests.factories import make_board, make_reply, make_thread
    kept = app.extensions["frame_cache"]
    readers = {"visitor": None}
    for login, role in (("ada", "member"), ("mo", "moderator"), ("root", "admin")):
        make_user(login, login.capitalize(), role=role)
        readers[login] = login
    # Three unread notifications for Ada: her header's badge says so.
    thread = make_thread(make_user("starter"), make_board(), title="Leaving")
    notifications.set_following(db_user("ada"), thread=thread, follow=True, now=utcnow())
    for n in range(3):
        make_reply(db_user("starter"), thread, body=f"Reply {n}")
    pages = ["/", "/stories/", "/boards/", "/search?q=%3Cb%3E%22coat%22%20%26%20hat",
             "/no-such-page", "/notifications", "/settings", "/bookmarks"]
    for who, login in readers.items():
        for code in ("en", "de"):
            browser = make_browser()
            browser.client.set_cookie("lang", code)
            if login:
                browser.login(login)
            for url in pages:
                if login is None and url in ("/notifications", "/settings", "/bookmarks"):
                    continue
                kept.max_chars = 0  # rendered afresh
                fresh = _frame_of(browser.get(url).get_data(as_text=True))
                kept.max_chars = 1_000_000
                browser.get(url)  # kept
                again = browser.get(url).get_data(as_text=True)  # from the kept copy
                assert _frame_of(again) == fresh, (who, code, url)
                if url.startswith("/search"):
                    assert 'value="&lt;b&gt;&#34;coat&#34; &amp; hat"' in again
    assert len(kept) > 10


def test_a_kept_frame_carries_each_readers_own_token_and_key(app, ctx, make_browser):
    """Two members with the same kind of frame: each page carries its reader's own token,
    and a one-time key of its own; a visitor's frame has neither."""
    make_user("ada", "Ada")
    make_user("bea", "Bea")
    ada, bea, visitor = make_browser(), make_browser(), make_browser()
    ada.login("ada")
    bea.login("bea")
    tokens, keys = {}, []
    for name, browser in (("ada", ada), ("bea", bea), ("ada", ada)):
        page = browser.get("/stories/").get_data(as_text=True)
        footer = page[page.index('<footer class="site-footer">'):]
        header = page[page.index('<header class="site-header">'):page.index("</header>")]
        token = re.search(r'name="csrf_token" value="([^"]+)"', header).group(1)
        assert re.search(r'name="csrf_token" value="([^"]+)"', footer).group(1) == token
        assert tokens.setdefault(name, token) == token
        keys.append(re.search(r'name="once" value="([^"]+)"', header).group(1))
    assert tokens["ada"] != tokens["bea"] and len(set(keys)) == 3
    page = visitor.get("/stories/").get_data(as_text=True)
    assert "csrf_token" not in page and 'name="once"' not in page
    assert '/language/de?next=/stories/"' in page  # the switcher comes back to this page


def test_the_kept_header_counts_what_is_unread_now(app, ctx, person):
    from forum.notifications import service as notifications
    from tests.factories import make_board, make_reply, make_thread
    make_user("ada", "Ada")
    thread = make_thread(make_user("starter"), make_board(), title="Leaving")
    notifications.set_following(db_user("ada"), thread=thread, follow=True, now=utcnow())
    person.login("ada")
    badge = re.compile(r'<span class="badge">(\d+)<span class="visually-hidden"> unread')
    assert not badge.search(person.get("/").get_data(as_text=True))
    make_reply(db_user("starter"), thread, body="One")
    assert badge.search(person.get("/").get_data(as_text=True)).group(1) == "1"
    make_reply(db_user("starter"), thread, body="Two")
    assert badge.search(person.get("/").get_data(as_text=True)).group(1) == "2"
    person.submit("/notifications", {}, action="/notifications/read-all")
    assert not badge.search(person.get("/").get_data(as_text=True))


def db_user(login):
    from forum.extensions import db
    from forum.models import User
    return db.session.scalar(db.select(User).where(User.login_name == login))


def utcnow():
    from forum.clock import utcnow as now
    return now()
