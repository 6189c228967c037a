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
