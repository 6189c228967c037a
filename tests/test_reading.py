"""Reading and safety: warnings, support, quick exit, feeds, search engines, headers."""
import re
import xml.etree.ElementTree as ET
from datetime import datetime

import feedparser
import pytest

from forum.extensions import db
from forum.models import DELETED, HIDDEN, Post, Story, Thread
from forum.posting import stories
from tests.factories import make_board, make_reply, make_story, make_thread, make_user

ATOM = "{http://www.w3.org/2005/Atom}"
EXIT_LINK = re.compile(
    r'<a class="quick-exit" id="quick-exit" href="([^"]+)" rel="noreferrer noopener"')
DAY = re.compile(r"^\d{4}-\d\d-\d\dT00:00:00Z$")
WHEN = datetime(2024, 5, 17, 14, 33, 12)


def atom(client, url):
    """Fetch a feed and check it is well-formed Atom with everything the standard requires."""
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == "application/atom+xml"
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo and parsed.version == "atom10", parsed.get("bozo_exception")
    # feedparser forgives a missing <id> or <updated>; Atom (RFC 4287) does not.
    root = ET.fromstring(response.data)
    for element in [root, *root.findall(f"{ATOM}entry")]:
        for required in ("id", "title", "updated"):
            assert (element.findtext(f"{ATOM}{required}") or "").strip(), (url, required)
        assert DAY.match(element.findtext(f"{ATOM}updated")), "timestamps are days, no finer"
    for entry in root.findall(f"{ATOM}entry"):
        assert entry.findtext(f"{ATOM}author/{ATOM}name").strip()
        assert DAY.match(entry.findtext(f"{ATOM}published"))
    return parsed


@pytest.fixture
def site(ctx):
    """A board, a thread with replies (one anonymous), and stories in every state."""
    alice = make_user("alice", "Alice Marsh")
    bob = make_user("bob", "Bob Reed")
    board = make_board("Just left")
    public = make_story(alice, title="Out in the open", summary="My first year.",
                        group_names=["Open Door"], now=WHEN)
    masked = make_story(alice, title="Under another name", body="Hard things.",
                        warnings=["abuse"], group_names=["Open Door"], anonymous=True, now=WHEN)
    unlisted = make_story(alice, title="Only for this site", noindex=True,
                          group_names=["Open Door"], now=WHEN)
    draft = make_story(alice, title="Half written", draft=True, group_names=["Open Door"])
    hidden = make_story(bob, title="Taken down", group_names=["Open Door"])
    hidden.state = HIDDEN
    thread = make_thread(bob, board, title="First week out", body="Where do I start?", now=WHEN)
    first = db.session.scalar(db.select(Post).where(Post.thread_id == thread.id))
    quiet = make_reply(alice, thread, first, body="I was there too.", anonymous=True)
    gone = make_reply(bob, thread, quiet, body="Something I regret saying.")
    gone.state = DELETED
    removed = make_reply(bob, thread, first, body="Something a moderator removed.")
    removed.state = HIDDEN
    db.session.commit()
    return {
        "board": board.slug, "thread": thread.public_id, "public": public.slug,
        "masked": masked.slug, "masked_name": masked.handle.name,
        "quiet_name": quiet.handle.name, "unlisted": unlisted.slug,
        "unlisted_thread": unlisted.thread.public_id, "draft": draft.slug,
        "draft_thread": draft.thread.public_id, "hidden": hidden.slug,
        "hidden_thread": hidden.thread.public_id,
    }


# --- content warnings and the support pointer ---------------------------------------------

@pytest.mark.parametrize("warnings, points", [
    (["suicide"], True), (["self-harm", "abuse"], True), (["abuse", "suicidal thoughts"], True),
    (["Self harm"], True), (["abuse"], False), ([], False),
])
def test_support_pointer_under_suicide_and_self_harm_warnings(ctx, client, warnings, points):
    slug = make_story(make_user(), title="A hard year", body="The text.",
                      warnings=warnings).slug
    page = client.get(f"/stories/{slug}").get_data(as_text=True)
    pointer = re.search(r'<p class="support-pointer">[^<]*<a href="/support">', page)
    assert bool(pointer) == points
    if warnings:
        # The story itself stays folded behind its warnings; the pointer sits outside, in view.
        folded = re.search(r'<details class="warnings">\s*<summary>Content warnings: ([^<]*)'
                           r'.*?<div class="story-body"[^>]*><p>The text.</p>', page, re.DOTALL)
        assert folded, "the story text is inside the closed <details>"
        assert "<details class=\"warnings\" open" not in page
        if points:
            assert pointer.start() < folded.start()
    else:
        assert "<details" not in page.split("<main")[1].split('class="comments"')[0]


def test_support_and_safety_pages(client):
    support = client.get("/support")
    assert support.status_code == 200
    text = support.get_data(as_text=True)
    assert "<h1>Finding support</h1>" in text and "emergency" in text
    safety = client.get("/safety").get_data(as_text=True)
    for words in ("private window", "Incognito", "History", "Leave this site", "Shift three times"):
        assert words in safety


def test_admin_text_replaces_the_shipped_support_page_through_the_one_rendering_path(
        app, client, tmp_path):
    app.config["SITE_TEXT_DIR"] = str(tmp_path)
    (tmp_path / "support.md").write_text(
        "# Help near you\n\nCall **Riverside Line**.\n\n<script>alert(1)</script>\n"
        "[x](javascript:alert(1))\n", encoding="utf-8")
    page = client.get("/support").get_data(as_text=True)
    assert "<h1>Help near you</h1>" in page and "<strong>Riverside Line</strong>" in page
    assert "<script>alert" not in page and 'href="javascript:' not in page
    assert "Finding support" not in page
    assert "Reading safely" in client.get("/safety").get_data(as_text=True)  # not replaced


# --- quick exit and neutral titles ----------------------------------------------------------

def every_page(site):
    """One address of each kind of page, as a reader and as a member sees them."""
    pages = ["/", "/stories/", f"/stories/{site['public']}", f"/stories/{site['masked']}",
             "/groups/", "/groups/open-door", "/boards/", f"/boards/{site['board']}",
             f"/threads/{site['thread']}", "/support", "/safety", "/auth/login",
             "/auth/register", "/mod/log", "/u/Alice%20Marsh", "/no-such-page"]
    members = ["/stories/new", f"/threads/{site['thread']}/reply", "/settings",
               f"/stories/{site['draft']}"]
    return pages, members


def test_quick_exit_link_and_neutral_title_on_every_page(person, site):
    pages, members = every_page(site)
    seen = []
    for url in pages:
        seen.append((url, person.get(url)))
    person.login("alice")
    for url in members + pages:
        seen.append((url, person.get(url)))
    for url, response in seen:
        if response.status_code in (301, 302, 303):
            continue  # a member sent from /auth/login to the home page
        assert response.status_code in (200, 404), url
        page = response.get_data(as_text=True)
        link = EXIT_LINK.search(page)
        assert link and link.group(1) == "https://www.bbc.co.uk/weather", url
        assert 'referrerpolicy="no-referrer"' in page[link.start():link.start() + 300]
        assert re.findall(r"<title>(.*?)</title>", page, re.DOTALL) == ["Afterward"], url
        # First in the header's order: the first Tab after "Skip to content" reaches it.
        assert page.index('id="quick-exit"') < page.index('class="brand"'), url


def test_quick_exit_goes_where_the_admin_says(app, client):
    app.config["QUICK_EXIT_URL"] = "https://weather.example/today?city=x&y=1"
    page = client.get("/").get_data(as_text=True)
    assert 'href="https://weather.example/today?city=x&amp;y=1"' in page


def test_quick_exit_script_is_self_served_and_replaces_history(client):
    script = client.get("/static/js/site.js").get_data(as_text=True)
    assert "location.replace(exit.href)" in script
    assert '"Shift"' in script


# --- feeds ----------------------------------------------------------------------------------

def test_site_feed_lists_public_and_anonymous_stories_but_no_drafts_hidden_or_unlisted(
        client, site):
    feed = atom(client, "/feeds/stories.atom")
    titles = {e.title for e in feed.entries}
    assert titles == {"Out in the open", "Under another name"}
    by_title = {e.title: e for e in feed.entries}
    assert by_title["Out in the open"].author == "Alice Marsh"
    assert by_title["Under another name"].author == site["masked_name"]
    assert by_title["Out in the open"].link == f"http://localhost/stories/{site['public']}"
    assert by_title["Out in the open"].updated == "2024-05-17T00:00:00Z"
    # A story's text stays on its page, behind its warnings: the feed has the summary only.
    assert by_title["Under another name"].summary.startswith("Content warnings: Abuse.")
    assert "content" not in by_title["Under another name"]


def test_anonymous_author_is_never_tied_to_their_name_in_any_feed(client, site):
    for url in ("/feeds/stories.atom", "/feeds/groups/open-door.atom",
                f"/feeds/threads/{site['thread']}.atom"):
        raw = client.get(url).get_data(as_text=True)
        # Alice writes publicly in these feeds too; her anonymous entries must not say so.
        for entry in re.findall(r"<entry>.*?</entry>", raw, re.DOTALL):
            if site["masked_name"] in entry or site["quiet_name"] in entry:
                assert "Alice" not in entry and "alice" not in entry, entry


def test_group_feed_has_only_that_groups_listed_stories(ctx, client, site):
    make_story(make_user(), title="Somewhere else", group_names=["Bright Path"])
    feed = atom(client, "/feeds/groups/open-door.atom")
    assert {e.title for e in feed.entries} == {"Out in the open", "Under another name"}
    assert feed.feed.title == "Afterward: stories about Open Door"
    assert {e.title for e in atom(client, "/feeds/groups/bright-path.atom").entries} == {
        "Somewhere else"}
    assert client.get("/feeds/groups/nobody.atom").status_code == 404


def test_thread_feed_has_visible_posts_only_under_their_shown_names(client, site):
    feed = atom(client, f"/feeds/threads/{site['thread']}.atom")
    assert [e.author for e in feed.entries] == [site["quiet_name"], "Bob Reed"]
    assert feed.entries[0].content[0].type == "text/html"
    assert feed.entries[0].content[0].value == "<p>I was there too.</p>"
    raw = client.get(f"/feeds/threads/{site['thread']}.atom").get_data(as_text=True)
    assert "regret" not in raw and "moderator removed" not in raw


def test_no_feed_for_hidden_draft_or_unlisted_discussions(ctx, client, site):
    thread = db.session.scalar(db.select(Thread).where(Thread.public_id == site["thread"]))
    thread.hidden = True
    db.session.commit()
    for thread_id in (site["thread"], site["draft_thread"], site["hidden_thread"],
                      site["unlisted_thread"], 999999, "zzzzzzzzzzzz"):
        assert client.get(f"/feeds/threads/{thread_id}.atom").status_code == 404


def test_story_comments_have_a_feed(ctx, client, site):
    story = db.session.scalar(db.select(Story).where(Story.slug == site["public"]))
    make_reply(make_user(), story.thread, body="Thank you for writing this.")
    thread_id = story.thread.public_id
    feed = atom(client, f"/feeds/threads/{thread_id}.atom")
    assert feed.feed.title == "Afterward: comments on “Out in the open”"
    assert [e.content[0].value for e in feed.entries] == ["<p>Thank you for writing this.</p>"]


def test_feeds_escape_markup_and_drop_characters_xml_cannot_hold(ctx, client):
    make_story(make_user(handle="Nora <b>&amp;"), title="Fish & <chips> \x0b\x1b]0;",
               summary="A < B & \"C\" \x07")
    feed = atom(client, "/feeds/stories.atom")
    assert feed.entries[0].title == "Fish & <chips> ]0;"
    assert feed.entries[0].author == "Nora <b>&amp;"
    assert feed.entries[0].summary == 'A < B & "C"'


def test_empty_feeds_are_still_valid(client):
    assert atom(client, "/feeds/stories.atom").entries == []


def test_pages_announce_their_feeds(client, site):
    wanted = {
        "/": ["/feeds/stories.atom"], "/stories/": ["/feeds/stories.atom"],
        "/groups/open-door": ["/feeds/groups/open-door.atom", "/feeds/stories.atom"],
        f"/threads/{site['thread']}": [f"/feeds/threads/{site['thread']}.atom"],
        f"/stories/{site['public']}": [],
    }
    for url, feeds in wanted.items():
        head = client.get(url).get_data(as_text=True).split("</head>")[0]
        found = re.findall(r'<link rel="alternate" type="application/atom\+xml" title="[^"]+" '
                           r'href="([^"]+)">', head)
        assert found[:len(feeds)] == feeds, url
        for feed_url in found:
            atom(client, feed_url)
    # A story with no comments offers its comments' feed; an unlisted story offers nothing.
    story_head = client.get(f"/stories/{site['public']}").get_data(as_text=True).split("</head>")[0]
    assert "/feeds/threads/" in story_head
    unlisted_head = client.get(f"/stories/{site['unlisted']}").get_data(as_text=True).split(
        "</head>")[0]
    assert "application/atom+xml" not in unlisted_head


# --- search engines -------------------------------------------------------------------------

def test_author_keeps_a_story_out_of_search_engines(person, client):
    person.register("maren", handle="Maren")
    r = person.submit("/stories/new", {"title": "Not for searching", "body": "Mine.",
                                        "noindex": "y"})
    url = r.headers["Location"]
    story = client.get(url)
    page = story.get_data(as_text=True)
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert story.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert url not in client.get("/sitemap.xml").get_data(as_text=True)
    assert "Not for searching" not in client.get("/feeds/stories.atom").get_data(as_text=True)
    assert not re.search(r'(property|name)="(og|twitter):', page)
    # Still on the site for its readers, quietly: no snippet, no link to follow.
    home = client.get("/").get_data(as_text=True)
    assert re.search(r'<li class="card"><div data-nosnippet>\s*<h3[^>]*><a href="[^"]+" '
                     r'rel="nofollow">Not for searching', home)

    # The edit form shows the choice; saving other changes keeps it; unticking lifts it.
    slug = url.rsplit("/", 1)[-1]
    edit = person.get(f"/stories/{slug}/edit").get_data(as_text=True)
    box = re.search(r'<input[^>]*\bname="noindex"[^>]*>', edit).group(0)
    assert " checked " in box
    person.submit(f"/stories/{slug}/edit", {"title": "Not for searching", "body": "Mine, edited.",
                                             "noindex": "y"})
    assert "noindex" in client.get(url).headers.get("X-Robots-Tag", "")
    person.submit(f"/stories/{slug}/edit", {"title": "Not for searching", "body": "Mine, edited."})
    listed = client.get(url)
    assert "X-Robots-Tag" not in listed.headers
    assert 'name="robots"' not in listed.get_data(as_text=True)
    assert url in client.get("/sitemap.xml").get_data(as_text=True)


def test_an_edit_that_does_not_mention_noindex_keeps_it(ctx):
    author = make_user()
    story = make_story(author, noindex=True)
    stories.update_story(author, story, title="New title", summary="", body="New body",
                         warnings=[], group_names=[], now=WHEN)
    assert db.session.get(Story, story.id).noindex is True


def test_sitemap_lists_public_pages_only(client, site):
    response = client.get("/sitemap.xml")
    assert response.mimetype == "application/xml"
    root = ET.fromstring(response.data)
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    locs = {u.findtext(f"{ns}loc"): u.findtext(f"{ns}lastmod") for u in root.findall(f"{ns}url")}
    base = "http://localhost"
    assert locs[f"{base}/stories/{site['public']}"] == "2024-05-17"
    assert f"{base}/stories/{site['masked']}" in locs
    assert f"{base}/threads/{site['thread']}" in locs
    assert f"{base}/boards/{site['board']}" in locs and f"{base}/groups/open-door" in locs
    for slug in ("unlisted", "draft", "hidden"):
        assert f"{base}/stories/{site[slug]}" not in locs
    # A story's comments are read on the story page, not as a thread.
    assert not any(f"/threads/{site[k]}" in u for k in ("unlisted_thread", "draft_thread")
                   for u in locs)


def test_robots_txt_points_to_the_sitemap_and_keeps_story_pages_crawlable(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert "User-agent: *" in text
    assert "Sitemap: http://localhost/sitemap.xml" in text
    disallowed = re.findall(r"^Disallow: (\S+)$", text, re.MULTILINE)
    assert "/auth/" in disallowed and "/mod/" in disallowed
    # A crawler has to read a story page to see its "noindex"; robots.txt must let it.
    assert not any(d in ("/", "/stories/", "/stories") for d in disallowed)


# --- nothing reaches a third party ----------------------------------------------------------

def test_security_headers_on_every_kind_of_response(person, site):
    urls = ["/", f"/stories/{site['public']}", f"/stories/{site['unlisted']}",
            f"/threads/{site['thread']}", "/support", "/safety", "/auth/login",
            "/feeds/stories.atom", f"/feeds/threads/{site['thread']}.atom", "/sitemap.xml",
            "/robots.txt", "/static/css/site.css", "/static/js/site.js", "/healthz",
            "/no-such-page"]
    person.login("alice")
    for url in urls + ["/stories/new", "/settings"]:
        response = person.get(url)
        csp = response.headers["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["default-src"] == "'self'", url
        assert directives["frame-ancestors"] == "'none'", url
        assert directives["object-src"] == "'none'", url
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "*" not in csp, url
        for name in ("script-src", "style-src", "img-src", "font-src", "connect-src"):
            assert directives[name] == "'self'", (url, name)
        assert response.headers["Referrer-Policy"] == "no-referrer", url
        assert response.headers["X-Content-Type-Options"] == "nosniff", url
    assert person.get("/healthz").status_code == 200


def test_pages_load_nothing_from_elsewhere_and_carry_no_tracking(person, site):
    pages, _ = every_page(site)
    for url in pages:
        page = person.get(url).get_data(as_text=True)
        assets = re.findall(r'<(?:script|img|iframe|source|audio|video)\b[^>]*\bsrc="([^"]*)"',
                            page)
        assets += re.findall(r'<link\b[^>]*\brel="(?:stylesheet|icon|preload|manifest)"[^>]*'
                             r'\bhref="([^"]*)"', page)
        assert assets and all(a.startswith("/static/") for a in assets), (url, assets)
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), f"inline script on {url}"
        assert not re.search(r"\bstyle=", page), f"inline style on {url}"
        assert not re.search(r"(analytics|gtag|googletagmanager|plausible|matomo|facebook|"
                             r"(property|name)=\"(og|twitter):)", page, re.IGNORECASE), url
    css = person.get("/static/css/site.css").get_data(as_text=True)
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", css)
