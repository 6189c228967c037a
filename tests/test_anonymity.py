"""Anonymity: pseudonyms that hold within a thread and nowhere else, and a crawl for leaks.

The crawl builds a demo-like site, has Alice write anonymously (and publicly) in several
places, then follows every same-origin link as a visitor and as another member. On every
page it checks that nothing ties her pseudonyms to her account or to each other.

"Tying" is defined strictly:
- her login name and any attribute carrying her user id never appear anywhere;
- her profile (and every profile) shows none of her pseudonyms;
- a discussion page (one comment tree) shows at most one of her pseudonyms: the one for
  that thread;
- any single list item (a post in a tree, a card in a list) holds at most one of her
  pseudonyms, and an item holding one never also holds her public handle, a "you" badge,
  or an edit/delete control for her post. Listing pages may show two of her pseudonyms
  in separate cards (two unrelated titles), which is what a reader sees anyway.
"""
from __future__ import annotations

import io
import re
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from sqlalchemy import String, Text, func, select

from forum import names
from forum.extensions import db
from forum.clock import utcnow
from forum.models import (ANONYMOUS, PUBLIC, Board, Bookmark, Handle, Post, Story, Thread,
                          Unmasking, User)
from forum.models.reading import ReadMark
from tests.conftest import Browser
from tests.factories import make_board, make_reply, make_story, make_thread, make_user

PASSWORD = "correct horse battery"
WXR_FIXTURE = Path(__file__).parent / "fixtures" / "blog.wxr"
ALICE_PUBLIC = "Alice Marsh"
ALICE_LOGIN = "alice_login"
SITE_NAME = "Afterward"
USER_AGENT = "LeakProbe/9.9 (ua-canary-7f3e)"
CRAWL_LIMIT = 1500
# What Alice wrote that waits for a moderator: only the review queue may show it to others.
WAITING_BODY = "Words still waiting for a moderator."


def text(response) -> str:
    return response.get_data(as_text=True)


def post_id(response) -> str:
    """The public id of the post a reply's redirect scrolls to."""
    return response.headers["Location"].rsplit("#p", 1)[1]


def by_public_id(model, public_id):
    return db.session.scalar(select(model).where(model.public_id == public_id))


# --- pseudonyms -------------------------------------------------------------------------

def test_pseudonym_is_stable_in_a_thread_and_differs_elsewhere(ctx):
    alice, bob = make_user("alice", "Alice Marsh"), make_user("bob", "Bob Reed")
    board = make_board()
    story = make_story(alice, anonymous=True)
    comment = make_reply(bob, story.thread, body="Thank you for this.")
    # The anonymous author answering under her own story keeps the story's name.
    answer = make_reply(alice, story.thread, comment, body="Thank you.", anonymous=True)
    assert answer.handle_id == story.handle_id
    thread = make_thread(alice, board, anonymous=True)
    again = make_reply(alice, thread, body="Me again", anonymous=True)
    assert again.handle_id == thread.handle_id
    first_post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    assert first_post.handle_id == thread.handle_id
    # A public reply in the same thread is under her public handle, not the pseudonym.
    assert make_reply(alice, thread, body="Signed").handle.kind == PUBLIC
    names_used = {story.handle.name, thread.handle.name}
    for n in range(8):
        other = make_thread(bob, board, title=f"Thread {n}")
        names_used.add(make_reply(alice, other, anonymous=True).handle.name)
    assert len(names_used) == 10
    assert ALICE_PUBLIC not in names_used


def test_pseudonyms_are_unique_within_a_thread_even_when_names_run_out(ctx, monkeypatch):
    # Two possible pairs only: the third and fourth writer must get numbered names.
    monkeypatch.setattr(names, "_PSEUDONYMS", ("Quiet Heron", "Calm Otter"))
    monkeypatch.setattr(names, "_PSEUDONYM_KEYS",
                        tuple(names.name_key(n) for n in ("Quiet Heron", "Calm Otter")))
    board = make_board()
    thread = make_thread(make_user(), board)
    writers = [make_user() for _ in range(4)]
    handles = [make_reply(w, thread, anonymous=True).handle for w in writers]
    keys = [h.name_key for h in handles]
    assert len(set(keys)) == 4
    assert {h.name for h in handles[:2]} == {"Quiet Heron", "Calm Otter"}


def test_anonymous_by_default_prechecks_every_write_form(ctx, person):
    make_user("alice", "Alice Marsh", anonymous_by_default=True)
    board = make_board()
    story = make_story(make_user(), title="Someone's story")
    thread = make_thread(make_user(), board, title="Someone's thread")
    slug, thread_id, board_slug = story.slug, thread.public_id, board.slug
    person.login("alice")
    checked = re.compile(r'<input[^>]*\bchecked\b[^>]*name="anonymous"|'
                         r'<input[^>]*name="anonymous"[^>]*\bchecked\b')
    pages = ["/stories/new", f"/boards/{board_slug}/new", f"/threads/{thread_id}/reply",
             f"/threads/{thread_id}", f"/stories/{slug}"]
    for url in pages:
        page = text(person.get(url))
        assert 'name="anonymous"' in page, url
        assert checked.search(page), url
    # Turned off in settings, every box starts unticked.
    person.submit("/settings", {"handle": "Alice Marsh", "bio": ""}, action="/settings/profile")
    for url in pages:
        page = text(person.get(url))
        assert 'name="anonymous"' in page and not checked.search(page), url


def test_the_box_still_decides_each_time(ctx, person):
    make_user("alice", "Alice Marsh", anonymous_by_default=True)
    thread = make_thread(make_user(), make_board())
    thread_id = thread.public_id
    person.login("alice")
    signed = person.submit(f"/threads/{thread_id}/reply", {"body": "Signed this time"})
    hidden = person.submit(f"/threads/{thread_id}/reply", {"body": "Hidden", "anonymous": "y"})
    assert by_public_id(Post, post_id(signed)).handle.kind == PUBLIC
    assert by_public_id(Post, post_id(hidden)).handle.kind == ANONYMOUS


# --- privacy by default -----------------------------------------------------------------

def test_no_address_or_user_agent_is_stored_anywhere(ctx, make_browser):
    board = make_board()
    board_slug = board.slug
    person = make_browser()
    person.client.environ_base.update({"REMOTE_ADDR": "127.0.0.1",
                                       "HTTP_USER_AGENT": USER_AGENT})
    person.register("walker", handle="Walker")
    person.submit("/stories/new", {"title": "A story", "body": "Text", "anonymous": "y"})
    started = person.submit(f"/boards/{board_slug}/new", {"title": "T", "body": "First"})
    thread_url = started.headers["Location"]
    thread_id = re.search(r"/threads/([a-z0-9]+)", thread_url).group(1)
    reply = person.submit(f"/threads/{thread_id}/reply", {"body": "More", "anonymous": "y"})
    person.submit(f"/posts/{post_id(reply)}/edit", {"body": "Edited"})
    person.submit("/settings", {"handle": "Walker Two", "bio": "Hi"}, action="/settings/profile")
    person.logout()
    person.login("walker")
    person.get("/settings/my-posts")

    for table in db.metadata.sorted_tables:
        for column in table.columns:
            assert not re.search(r"(^|_)(ip|addr|address|agent|ua|last_seen|last_login|"
                                 r"last_active|online)(_|$)", column.name), \
                f"{table.name}.{column.name}"
        text_columns = [c for c in table.columns if isinstance(c.type, (String, Text))]
        for row in db.session.execute(select(*text_columns)) if text_columns else ():
            for value in row:
                assert "127.0.0.1" not in (value or ""), table.name
                assert "ua-canary" not in (value or ""), table.name


def test_no_member_directory_and_no_presence(app, ctx, client):
    # Staff pages (behind the moderation and admin guards) may list staff; nothing public may
    # list members or say who is around.
    rules = [rule.rule for rule in app.url_map.iter_rules()
             if not rule.rule.startswith(("/mod/", "/admin/"))]
    for rule in rules:
        assert not re.search(r"members|/users|online|who|last.?seen|active", rule), rule
    for url in ("/u/", "/members", "/users", "/online"):
        assert client.get(url).status_code == 404
    make_user("alice", ALICE_PUBLIC)
    page = text(client.get("/u/" + quote(ALICE_PUBLIC)))
    assert "last seen" not in page.lower() and "online" not in page.lower()


# --- the leak crawl ---------------------------------------------------------------------

class Items(HTMLParser):
    """Every <li> of a page as its exact source, nested ones included, plus all hrefs."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.html = html
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", html)]
        self.stack: list[int] = []
        self.items: list[str] = []
        self.hrefs: list[str] = []
        self.times: list[str] = []
        self.titles: list[str] = []
        self._in_title = False
        self.feed(html)

    def _offset(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "li":
            self.stack.append(self._offset())
        if tag in ("a", "link") and attrs.get("href"):
            self.hrefs.append(attrs["href"])
        if "datetime" in attrs:
            self.times.append(attrs["datetime"] or "")
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        if tag == "li" and self.stack:
            start = self.stack.pop()
            end = self.html.index(">", self._offset()) + 1
            self.items.append(self.html[start:end])
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.titles.append(data)


def same_origin(href: str) -> str | None:
    parts = urlsplit(href)
    if parts.scheme and (parts.scheme, parts.netloc) != ("http", "localhost"):
        return None
    if not parts.scheme and (parts.netloc or not parts.path.startswith("/")):
        return None
    if parts.path.startswith("/static/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client, start: list[str]) -> dict[str, tuple[int, str, str]]:
    """GET every page reachable from `start` by same-origin links: url -> (status, type, body)."""
    seen: dict[str, tuple[int, str, str]] = {}
    queue = deque(start)
    while queue and len(seen) < CRAWL_LIMIT:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        body = text(response)
        seen[url] = (response.status_code, response.mimetype, body)
        if response.status_code in (301, 302, 303, 307, 308):
            target = same_origin(response.headers["Location"].split("#")[0])
            if target:
                queue.append(target)
        elif response.mimetype == "text/html":
            for href in Items(body).hrefs:
                target = same_origin(href.split("#")[0])
                if target and target not in seen:
                    queue.append(target)
    assert len(seen) < CRAWL_LIMIT, "crawl did not finish"
    return seen


def structure(item: str, replace: dict[str, str]) -> list[tuple]:
    """The tags and attributes of one post's markup, with its own names and numbers blanked."""
    for old, new in replace.items():
        item = item.replace(old, new)
    item = re.sub(r"\d+", "N", item)
    outline: list[tuple] = []

    class Outline(HTMLParser):
        def handle_starttag(self, tag, attrs):
            outline.append((tag, tuple(sorted(attrs))))

        def handle_endtag(self, tag):
            outline.append(("/" + tag,))

    Outline().feed(item)
    return outline


@pytest.fixture
def site(app, ctx, make_browser):
    """Demo content, then Alice's anonymous and public writing, made through the site."""
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    make_user(ALICE_LOGIN, ALICE_PUBLIC)
    make_user("bob_login", "Bob Reed")
    make_user("carol_login", "Carol Lane")
    boards = db.session.scalars(select(Board).order_by(Board.position)).all()
    demo_threads = db.session.scalars(
        select(Thread).where(Thread.board_id.is_not(None)).order_by(Thread.id)).all()
    demo_story = db.session.scalars(select(Story).order_by(Story.id)).first()
    board_slug = boards[0].slug
    d1, d2, d3 = (t.public_id for t in demo_threads[:3])
    d1_root = db.session.scalar(select(Post.public_id).where(
        Post.thread_id == demo_threads[0].id, Post.depth == 0))
    demo_story_thread = demo_story.thread.public_id
    alice_id = db.session.scalar(User.by_login_name(ALICE_LOGIN)).id

    alice, bob, carol = make_browser(), make_browser(), make_browser()
    for person, login in ((alice, ALICE_LOGIN), (bob, "bob_login"), (carol, "carol_login")):
        assert person.login(login).status_code == 302
    anon = {"anonymous": "y"}

    # An anonymous story; Bob comments; Alice answers him under her story's name.
    r = alice.submit("/stories/new", {"title": "What the elders never said",
                                      "body": "A long anonymous testimony.",
                                      "new_group": "Harvest Light Assembly", **anon})
    story_slug = r.headers["Location"].rsplit("/", 1)[1]
    story = db.session.scalar(select(Story).where(Story.slug == story_slug))
    story_thread = story.thread.public_id
    r = bob.submit(f"/threads/{story_thread}/reply", {"body": "Thank you for writing this."})
    bob_comment = post_id(r)
    r = alice.submit(f"/threads/{story_thread}/reply?to={bob_comment}",
                     {"body": "Thank you for reading.", "parent_id": bob_comment, **anon})
    story_answer = post_id(r)
    carol.submit(f"/threads/{story_thread}/reply", {"body": "Same here.", **anon})

    # An anonymous thread; Bob replies; Alice again.
    r = alice.submit(f"/boards/{board_slug}/new", {"title": "Is it normal to miss them?",
                                                   "body": "Asking for myself.", **anon})
    own_thread = re.search(r"/threads/([a-z0-9]+)", r.headers["Location"]).group(1)
    bob.submit(f"/threads/{own_thread}/reply", {"body": "Yes, it is."})
    own_reply = post_id(alice.submit(f"/threads/{own_thread}/reply",
                                     {"body": "That helps.", **anon}))

    # Anonymous replies in two demo threads (one to a given post) and under a demo story;
    # Carol writes anonymously beside her at the same depth, for comparing markup.
    d1_reply = post_id(alice.submit(f"/threads/{d1}/reply?to={d1_root}",
                                    {"body": "Plain words.", "parent_id": d1_root, **anon}))
    carol_d1 = post_id(carol.submit(f"/threads/{d1}/reply?to={d1_root}",
                                    {"body": "Plain words.", "parent_id": d1_root, **anon}))
    d2_reply = post_id(alice.submit(f"/threads/{d2}/reply", {"body": "From me too.", **anon}))
    ds_reply = post_id(alice.submit(f"/threads/{demo_story_thread}/reply",
                                    {"body": "This is my story as well.", **anon}))

    # Signed writing elsewhere.
    alice.submit("/stories/new", {"title": "Signed: my garden", "body": "Tomatoes."})
    alice.submit(f"/threads/{d3}/reply", {"body": "Signed reply from Alice."})
    alice.submit(f"/boards/{board_slug}/new", {"title": "Signed thread", "body": "Hello."})

    # Her old blog, brought in from her Settings under a pseudonym per story
    # (tests/fixtures/blog.wxr): her own comments there take each story's pseudonym, and its
    # guests are imported names. Its result page stays, hers alone.
    uploaded = alice.submit("/settings/import", {
        "export": (io.BytesIO(WXR_FIXTURE.read_bytes()), "blog.wordpress.xml")})
    assert uploaded.status_code == 302, text(uploaded)[-500:]
    blog_upload = uploaded.headers["Location"]
    imported = alice.submit(blog_upload, {"name_choice": "pseudonym"},
                            action=blog_upload + "/confirm")
    assert imported.status_code == 302, text(imported)[-500:]
    alice.get(imported.headers["Location"])
    imported_story, imported_second = (
        db.session.scalar(select(Story).where(Story.slug == slug))
        for slug in ("thirteen-years-inside", "second-winter-out"))

    # Bob's own story: Alice comments under a pseudonym and signed. Bob bars the pseudonym
    # from it and ignores two of her names, so the crawl as Bob reads his list of barred
    # names and his list of ignored names with her names in them.
    r = bob.submit("/stories/new", {"title": "Bob's way out", "body": "How I left."})
    bob_slug = r.headers["Location"].rsplit("/", 1)[1]
    bob_story_thread = db.session.scalar(select(Story).where(Story.slug == bob_slug)).thread
    bs_reply = post_id(alice.submit(f"/threads/{bob_story_thread.public_id}/reply",
                                    {"body": "Bob, this was my way out too.", **anon}))
    signed_to_bob = post_id(alice.submit(f"/threads/{bob_story_thread.public_id}/reply",
                                         {"body": "Signed thanks to Bob."}))

    # One more anonymous reply in d2, held for a moderator by new-member review: seen by her
    # alone, and in the moderators' review queue under that thread's pseudonym only.
    app.config["APPROVE_FIRST_POSTS"] = 50
    waiting = post_id(alice.submit(f"/threads/{d2}/reply", {"body": WAITING_BODY, **anon}))
    app.config["APPROVE_FIRST_POSTS"] = 0
    assert by_public_id(Post, waiting).state == "pending"

    handle_of = {pid: by_public_id(Post, pid).handle
                 for pid in (story_answer, own_reply, d1_reply, d2_reply, ds_reply, carol_d1,
                             waiting, bs_reply)}
    assert handle_of[waiting].name == handle_of[d2_reply].name
    pseudonyms = {
        "story": db.session.scalar(select(Story).where(Story.slug == story_slug)).handle.name,
        "own_thread": by_public_id(Thread, own_thread).handle.name,
        "d1": handle_of[d1_reply].name, "d2": handle_of[d2_reply].name,
        "demo_story": handle_of[ds_reply].name, "bob_story": handle_of[bs_reply].name,
        "imported": imported_story.handle.name, "imported_2": imported_second.handle.name,
    }
    assert handle_of[story_answer].name == pseudonyms["story"]
    assert handle_of[own_reply].name == pseudonyms["own_thread"]
    assert all(handle_of[p].kind == ANONYMOUS for p in handle_of)
    public_names = db.session.scalars(select(Handle.name).where(Handle.kind == PUBLIC)).all()
    anon_post_ids = db.session.scalars(
        select(Post.public_id).join(Handle, Post.handle_id == Handle.id)
        .where(Handle.user_id == alice_id, Handle.kind == ANONYMOUS)).all()
    assert len(set(pseudonyms.values())) == len(pseudonyms)
        # A pseudonym is unique within its thread only: someone else may, by chance, have one
        # of her names in another thread. The checks count her names by their words, so such
        # a namesake is renamed here, or it would pass for her.
    namesakes = db.session.scalars(select(Handle).where(
        Handle.name.in_(pseudonyms.values()),
        (Handle.user_id != alice_id) | Handle.user_id.is_(None))).all()
    for n, handle in enumerate(namesakes):
        handle.name, handle.name_key = f"Namesake {n}", f"namesake {n}"
    db.session.commit()
    # Words only Alice wrote anonymously: seeing them beside her public name would out her.
    # (Titles may appear on the profiles of others who replied there; bodies may not.)
    anon_titles = ["What the elders never said", "Is it normal to miss them?",
                   "Thirteen years inside", "Second winter out"]
    anon_bodies = ["A long anonymous testimony.", "Thank you for reading.", "Asking for myself.",
                   "That helps.", "From me too.", "This is my story as well.",
                   "Bob, this was my way out too.", "Level two: the author answers",
                   "The first paragraph, as WordPress keeps it.", "Thank you, I will."]
    # Quiet support and "I lived this too" (forum/reactions/), given before Bob bars her:
    # Alice, as her account, supports the demo story, Bob's comment and Bob's story;
    # Bob and Carol support her anonymous story and her anonymous posts. Only numbers may
    # show, and only the reader's own buttons pressed.
    demo_slug = db.session.scalar(select(Story.slug).order_by(Story.id))
    for person, action in (
            (alice, f"/stories/{demo_slug}/react/thanks"),
            (alice, f"/stories/{demo_slug}/lived-this-too"),
            (alice, f"/posts/{bob_comment}/react/relate"),
            (alice, f"/stories/{bob_slug}/react/strength"),
            (bob, f"/stories/{story_slug}/react/thanks"),
            (bob, f"/stories/{story_slug}/lived-this-too"),
            (bob, f"/posts/{story_answer}/react/relate"),
            (carol, f"/posts/{own_reply}/react/strength"),
            (carol, f"/stories/{story_slug}/react/strength")):
        response = person.submit("/", {"on": "1"}, action=action)
        assert response.status_code == 303, (action, response.status_code)
    # Bob bars her pseudonym from his story, and ignores her own thread's name and her
    # public name (not d1's: the markup test below compares her d1 post as Bob sees it).
    done = [bob.submit(f"/stories/{bob_slug}/barred", {"name": pseudonyms["bob_story"]})]
    done += [bob.submit(f"/posts/{pid}/ignore", {}) for pid in (own_reply, signed_to_bob)]
    for response in done:
        assert response.status_code == 302
        bob.get(response.headers["Location"])  # its flash is read, not left for a later page
    return {
        "anon_titles": anon_titles, "anon_bodies": anon_bodies,
        "alice": alice, "bob": bob, "carol": carol, "alice_id": alice_id,
        "pseudonyms": pseudonyms, "public_names": public_names, "anon_post_ids": anon_post_ids,
        "d1": d1, "d1_reply": d1_reply, "carol_d1": carol_d1,
        "carol_d1_name": handle_of[carol_d1].name,
        "own_thread": own_thread, "story_slug": story_slug, "board_slug": board_slug,
        "bob_slug": bob_slug, "blog_upload": blog_upload,
    }


def start_urls(site) -> list[str]:
    known = ["/", "/stories/", "/boards/", "/groups/", "/mod/log", "/healthz",
             "/search?q=Heron", "/feeds/stories.atom", "/sitemap.xml", "/robots.txt"]
    profiles = ["/u/" + quote(name) for name in site["public_names"]]
    # Searching for her public name or her pseudonyms must not join them up. (Her login name
    # is left out: the search box echoes what was typed, which is not a leak.)
    searches = ["/search?q=" + quote(words) for words in (
        ALICE_PUBLIC, "testimony", "elders", *site["pseudonyms"].values())]
    # Alice's blog upload (its result page): nobody else may learn it exists.
    return known + profiles + searches + [site["blog_upload"]]


def check_page(url: str, status: int, mimetype: str, body: str, site, viewer: str) -> None:
    """Assert that nothing on one page ties Alice's pseudonyms to her or to each other."""
    pseudonyms = set(site["pseudonyms"].values())
    where = f"{viewer} {url}"
    assert ALICE_LOGIN not in body, where
    if viewer in ("visitor", "member") or urlsplit(url).path != "/mod/review":
        assert WAITING_BODY not in body, f"{where}: a post waiting for review"
    assert not re.search(rf"(?i)[\w-]*user[\w-]*\s*=\s*[\"']?{site['alice_id']}\b", body), where
    assert not re.search(rf"/users?/{site['alice_id']}\b", body), where
    # Day precision: no time of day anywhere except a bare midnight.
    for stamp in re.findall(r"\d{4}-\d{2}-\d{2}[T ](\d{2}:\d{2}(?::\d{2})?)", body):
        assert stamp in ("00:00", "00:00:00"), f"{where}: time of day {stamp}"
    if mimetype != "text/html":
        # A feed is a list: each entry is one item, held to the same rule as a card.
        entries = [m.group(0) for m in re.finditer(r"<(entry|item)\b.*?</\1>", body, re.S)]
        for entry in entries:
            inside = {p for p in pseudonyms if p in entry}
            assert len(inside) <= 1 and not (inside and ALICE_PUBLIC in entry), where
        rest = re.sub(r"<(entry|item)\b.*?</\1>", "", body, flags=re.S)
        assert not {p for p in pseudonyms if p in rest}, where
        return

    # Quiet support: its buttons and numbers hold the kinds' words and numbers, never a
    # name; nobody but Bob (who pressed some) sees a button pressed.
    names = [*pseudonyms, *site["public_names"]]
    for block in re.findall(r'<(div|p) class="(?:reactions|lived-this)[^"]*"[^>]*>.*?</\1>',
                            body, re.S):
        assert not [n for n in names if n in block], f"{where}: a name beside support"
    if viewer != "member":
        assert 'aria-pressed="true"' not in body, f"{where}: someone else's support pressed"

    page = Items(body)
    if status == 200:
        assert [t.strip() for t in page.titles] == [SITE_NAME], where
    for value in page.times:
        assert re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", value), f"{where}: datetime={value}"
    for href in page.hrefs:
        for key, value in parse_qsl(urlsplit(href).query):
            if key == "after" or key.endswith("_after") or key == "to":
                # A public id (a search's with its kind's letter): never a time or a row id.
                assert re.fullmatch(r"[stp]?[a-z][a-z0-9]{11}", value), \
                    f"{where}: cursor {key}={value}"

    found = {p for p in pseudonyms if p in body}
    path = urlsplit(url).path
    if path.startswith("/u/"):
        assert not found, f"{where}: pseudonym on a profile"
        mine = path == "/u/" + quote(ALICE_PUBLIC)
        words = site["anon_bodies"] + (site["anon_titles"] if mine else [])
        assert not [t for t in words if t in body], f"{where}: anonymous words"
    if url == "/search?q=" + quote(ALICE_PUBLIC):
        # Her name finds what she signed, never what she wrote anonymously.
        words = site["anon_bodies"] + site["anon_titles"]
        assert not found and not [t for t in words if t in body], f"{where}: {found}"
    if 'class="comment-tree"' in body:
        assert len(found) <= 1, f"{where}: two pseudonyms in one discussion: {found}"
    for item in page.items:
        inside = {p for p in pseudonyms if p in item}
        assert len(inside) <= 1, f"{where}: {inside} in one item"
        if ALICE_PUBLIC in item:
            words = site["anon_bodies"] + site["anon_titles"]
            assert not [t for t in words if t in item], f"{where}: {item}"
        if inside:
            assert ALICE_PUBLIC not in item, f"{where}: public handle beside {inside}"
            if viewer != "alice":
                assert 'class="badge">you' not in item, f"{where}: 'you' beside {inside}"
    if viewer != "alice":
        for pid in site["anon_post_ids"]:
            assert f"/posts/{pid}/edit" not in body and f"/posts/{pid}/delete" not in body, where


# --- a moderator who reports and suspends ------------------------------------------------

@pytest.fixture
def watched(ctx, site, make_browser):
    """June, a moderator, reports everything Alice wrote, then suspends one pseudonym's author.

    These are the two ways a moderator could try to link names: report a set of posts and
    see which the queue groups together, or suspend through one name and see which other
    names then show a suspension.
    """
    make_user("june_login", "June Watch", role="moderator")
    alice_posts = db.session.scalars(
        select(Post.public_id).join(Handle, Post.handle_id == Handle.id)
        .where(Handle.user_id == site["alice_id"], Post.state == "visible")).all()
    alice_stories = db.session.scalars(
        select(Story.slug).join(Handle, Story.handle_id == Handle.id)
        .where(Handle.user_id == site["alice_id"])).all()
    june = make_browser()
    assert june.login("june_login").status_code == 302
    for pid in [*alice_posts, site["carol_d1"]]:
        r = june.submit(f"/posts/{pid}/report", {"reason": "harassment", "details": "Checking."})
        assert r.status_code == 302, pid
    for slug in alice_stories:
        assert june.submit(f"/stories/{slug}/report", {"reason": "spam"}).status_code == 302
    suspended = site["d1_reply"]
    r = june.submit(f"/mod/posts/{suspended}", {"reason": "Outing", "days": "3"},
                    action=f"/mod/posts/{suspended}/suspend")
    assert r.status_code == 302
    # Alice appeals the suspension: the moderators read her appeal under the suspended name.
    assert site["alice"].submit("/appeal", {"body": "Please look again."}).status_code == 302
    # Alice writes to the moderators under each of her pseudonyms, and under her public
    # handle: the crawl reads every conversation in the moderators' inbox.
    form = site["alice"].get("/contact").get_data(as_text=True)
    for value in re.findall(r'<option value="(\d+)"', form):
        sent = site["alice"].submit("/contact", {"body": "Please help me.", "name": value})
        assert sent.status_code == 302
    assert len(re.findall(r'<option value="(\d+)"', form)) == len(site["pseudonyms"]) + 1
    handle_of = {pid: hid for pid, hid in db.session.execute(
        select(Post.public_id, Post.handle_id))}
    handle_of.update({slug: hid for slug, hid in db.session.execute(
        select(Story.slug, Story.handle_id))})
    return {"june": june, "handle_of": handle_of, "suspended": handle_of[suspended],
            "alice_posts": alice_posts, "alice_stories": alice_stories}


MOD_ITEM = re.compile(r"/mod/(posts|stories)/([^/\"?#]+)")


def check_moderator_page(url: str, body: str, watched) -> None:
    """A moderator's view of an item speaks of that item's name only, never of its account."""
    handle_of = watched["handle_of"]
    path = urlsplit(url).path
    pieces = [body]
    if path == "/mod/":
        pieces = re.findall(r"<article\b.*?</article>", body, re.S)
    for piece in pieces:
        own = MOD_ITEM.match(path) if path != "/mod/" else MOD_ITEM.search(piece)
        if not own:
            continue
        name = handle_of[own.group(2)]
        linked = {handle_of[key] for _, key in MOD_ITEM.findall(piece) if key in handle_of}
        assert linked <= {name}, f"{url}: links writing by other names {linked - {name}}"
        said = " ".join(re.sub(r"<[^>]+>", " ", piece).split())
        if name != watched["suspended"]:
            assert not re.search(r"is suspended|Lift the author", said), f"{url}: suspension"


def test_suspend_then_look_shows_the_suspension_on_that_pseudonym_only(app, site, watched):
    june = watched["june"]
    seen = text(june.get(f"/mod/posts/{site['d1_reply']}"))
    assert f"{site['pseudonyms']['d1']} is suspended until" in seen
    pages = [f"/mod/posts/{pid}" for pid in watched["alice_posts"]]
    pages += [f"/mod/stories/{slug}" for slug in watched["alice_stories"]]
    pages += [f"/mod/posts/{site['carol_d1']}", "/mod/"]
    for url in pages:
        response = june.get(url)
        assert response.status_code == 200, url
        check_moderator_page(url, text(response), watched)
    # Every other name of hers offers to suspend, exactly as Carol's post does.
    for pid in watched["alice_posts"]:
        if pid != site["d1_reply"]:
            assert "Suspend the author" in text(june.get(f"/mod/posts/{pid}")), pid


def test_report_then_look_links_no_two_names_of_one_account(app, site, watched):
    june = watched["june"]
    queue = text(june.get("/mod/"))
    assert len(re.findall(r"<article\b", queue)) >= len(watched["alice_posts"])
    check_moderator_page("/mod/", queue, watched)
    for pid in watched["alice_posts"]:
        url = f"/mod/posts/{pid}"
        check_moderator_page(url, text(june.get(url)), watched)
        # Dismissing the reports leaves nothing behind that links names either.
        assert june.submit(url, {"reason": ""}, action=f"{url}/dismiss").status_code in (302, 400)
        check_moderator_page(url, text(june.get(url)), watched)


@pytest.fixture
def asking_admin(ctx, site, make_browser):
    """Root, an administrator, asks to look behind every one of Alice's anonymous posts; a
    second administrator approves one request and refuses another. Root has not yet opened
    the answer: an administrator alone, asking and reading every page, learns nothing."""
    make_user("root_login", "Site Keeper", role="admin")
    make_user("second_login", "Second Key", role="admin")
    root, second = make_browser(), make_browser()
    assert root.login("root_login").status_code == 302
    assert second.login("second_login").status_code == 302
    one_post_per_name = db.session.execute(
        select(func.min(Post.public_id)).where(Post.public_id.in_(site["anon_post_ids"]))
        .group_by(Post.handle_id)).scalars().all()
    for pid in one_post_per_name:
        asked = root.submit("/admin/unmask", {"address": f"/posts/{pid}", "kind": "safety",
                                              "reason": "Checking the crawl."})
        assert asked.status_code == 302, pid
    asked = db.session.scalars(select(Unmasking.id).order_by(Unmasking.id)).all()
    for request_id, action in ((asked[0], "approve"), (asked[-1], "refuse")):
        decided = second.submit("/admin/unmask", {},
                                action=f"/admin/unmaskings/{request_id}/{action}")
        assert decided.status_code == 302
    return root


VIEWERS = ["visitor", "member", "moderator", "administrator"]
LOGINS = {"member": "bob_login", "moderator": "june_login", "administrator": "root_login"}


def keep_alices_writing(site, viewer: str) -> set[str]:
    """The Bookmarks page in the crawl: the viewer keeps everything Alice wrote, under every
    name, and Alice keeps the same. Her list is hers: the public ids of her bookmarks, which
    no other viewer's page may hold, are returned."""
    alice_id = site["alice_id"]
    posts = db.session.scalars(select(Post.id).join(Handle, Post.handle_id == Handle.id)
                               .where(Handle.user_id == alice_id)).all()
    stories = db.session.scalars(select(Story.id).join(Handle, Story.handle_id == Handle.id)
                                 .where(Handle.user_id == alice_id)).all()
    keepers = [alice_id] + ([db.session.scalar(select(User.id).where(
        User.login_name == LOGINS[viewer]))] if viewer in LOGINS else [])
    now = utcnow()
    for user_id in keepers:
        db.session.add_all([Bookmark(user_id=user_id, post_id=i, created_at=now) for i in posts])
        db.session.add_all([Bookmark(user_id=user_id, story_id=i, created_at=now)
                            for i in stories])
    db.session.commit()
    return set(db.session.scalars(select(Bookmark.public_id)
                                  .where(Bookmark.user_id == alice_id)))


def crawler(app, site, viewer: str, request):
    """The browser of `viewer` (one of VIEWERS) and the pages its crawl starts from: a
    visitor, Bob, June the moderator, or an administrator after a moderator suspended the
    author of one of Alice's anonymous posts."""
    if viewer == "moderator":
        return (request.getfixturevalue("watched")["june"].client,
                start_urls(site) + ["/mod/", "/mod/groups/"])
    if viewer == "administrator":
        request.getfixturevalue("watched")
        return (request.getfixturevalue("asking_admin").client,
                start_urls(site) + ["/admin/unmaskings", "/admin/unmask", "/admin/members",
                                    f"/admin/members?q={ALICE_PUBLIC[:4]}"])
    return (app.test_client() if viewer == "visitor" else site["bob"].client,
            start_urls(site))


@pytest.mark.parametrize("viewer", VIEWERS)
def test_crawl_finds_no_trace_of_alice_behind_her_pseudonyms(app, site, viewer, request):
    client, start = crawler(app, site, viewer, request)
    watched = request.getfixturevalue("watched") if viewer == "moderator" else None
    alices_bookmarks = keep_alices_writing(site, viewer)
    pages = crawl(client, start)
    # The viewer's own Bookmarks page, reached from the account menu, lists her writing
    # under every name and names none of them; nothing of Alice's own list shows anywhere.
    if viewer != "visitor":
        status, _kind, kept = pages["/bookmarks"]
        assert status == 200 and "A long anonymous testimony." in kept
        assert not [name for name in site["pseudonyms"].values() if name in kept]
        assert ALICE_PUBLIC not in kept
    for _status, _kind, body in pages.values():
        assert not [i for i in alices_bookmarks if i in body]
    html = [u for u, (status, kind, _) in pages.items() if status == 200 and kind == "text/html"]
    # Alice's blog upload (the result of her import) is hers alone: even a moderator or an
    # administrator is told there is nothing there; a visitor is first asked to log in.
    assert site["blog_upload"] not in pages or pages[site["blog_upload"]][0] in (404, 401, 302)
    if viewer != "visitor":
        assert pages[site["blog_upload"]][0] == 404, viewer
    # The crawl really reached the places she wrote in.
    assert f"/threads/{site['own_thread']}" in pages and f"/stories/{site['story_slug']}" in pages
    assert len(html) > 30
    if viewer == "member":
        assert any("/reply?to=" in u for u in html)
    if viewer in ("member", "moderator"):
        # The question "Ignore <name>?" under each post is crawled too: it names the handle only.
        assert any(u.startswith("/posts/") and u.endswith("/ignore") for u in html)
    # The support given shows as numbers where it was given.
    assert 'reaction-count">1<' in pages[f"/stories/{site['story_slug']}"][2]
    assert "1 member says they lived this too." in pages[f"/stories/{site['story_slug']}"][2]
    if viewer == "member":
        # Bob's own lists: the names he barred from his story, the names he ignores.
        barred = pages[f"/stories/{site['bob_slug']}/barred"][2]
        assert site["pseudonyms"]["bob_story"] in barred
        ignored = pages["/settings/ignored"][2]
        assert site["pseudonyms"]["own_thread"] in ignored and ALICE_PUBLIC in ignored
    for name in site["pseudonyms"].values():
        assert any(name in pages[u][2] for u in html), f"{name} never seen"
        assert app.test_client().get("/u/" + quote(name)).status_code == 404
    if viewer == "moderator":
        assert sum(u.startswith("/mod/posts/") for u in html) >= len(watched["alice_posts"])
        assert sum(u.startswith("/mod/appeals/") for u in html) == 1
        # Her conversations, and the demo's two.
        assert sum(u.startswith("/mod/contact/") for u in html) == len(site["pseudonyms"]) + 3
        # The review queue: her waiting post under the d2 pseudonym, and nothing else of hers.
        review = pages["/mod/review"][2]
        assert WAITING_BODY in review and site["pseudonyms"]["d2"] in review
    if viewer == "administrator":
        # The suspension applied through a pseudonym does not show on her public handle
        # (the public log says whose post's author was suspended, and when).
        members = pages[f"/admin/members?q={ALICE_PUBLIC[:4]}"][2]
        assert ALICE_PUBLIC in members and "Suspended until" not in members
        log = pages["/admin/unmaskings"][2]
        assert "Show the answer" in log and "Refused by Second Key" in log
        assert all(name in log for name in site["pseudonyms"].values())
    for url, (status, kind, body) in pages.items():
        # /healthz answers 503 when a service is down; that is its job, not a crawl failure.
        assert status < 500 or url == "/healthz", url
        check_page(url, status, kind, body, site, viewer)
        if viewer == "moderator" and kind == "text/html":
            check_moderator_page(url, body, watched)


def test_markup_is_the_same_for_every_anonymous_post_and_you_is_for_her_only(app, site):
    url = f"/threads/{site['d1']}"

    def post_items(browser_or_client):
        items = Items(text(browser_or_client.get(url))).items
        [alices] = [i for i in items if f'id="p{site["d1_reply"]}"' in i]
        [carols] = [i for i in items if f'id="p{site["carol_d1"]}"' in i]
        return alices, carols

    # Served to a visitor or another member, her post and Carol's differ only in words.
    for viewer in (app.test_client(), site["bob"]):
        alices, carols = post_items(viewer)
        assert structure(alices, {site["pseudonyms"]["d1"]: "NAME", site["d1_reply"]: "ID"}) == \
            structure(carols, {site["carol_d1_name"]: "NAME", site["carol_d1"]: "ID"})
        assert 'class="badge">you' not in alices + carols
    # Served to Alice, hers (only) says "you".
    alices, carols = post_items(site["alice"])
    assert 'class="badge">you' in alices and 'class="badge">you' not in carols
    body = text(site["alice"].get(f"/threads/{site['own_thread']}"))
    check_page(f"/threads/{site['own_thread']}", 200, "text/html", body, site, "alice")


def test_profiles_listings_and_reply_links_keep_anonymous_writing_apart(app, site, client):
    profile = text(client.get("/u/" + quote(ALICE_PUBLIC)))
    assert "Signed: my garden" in profile and "Signed reply from Alice." in profile
    for hidden in ("What the elders never said", "Is it normal to miss them?", "Plain words.",
                   "From me too.", "This is my story as well.", "That helps.",
                   *site["pseudonyms"].values()):
        assert hidden not in profile
    # "Started by" and "by" name the pseudonym, as plain text with no profile link.
    board = text(client.get(f"/boards/{site['board_slug']}"))
    assert f"started by <span>{site['pseudonyms']['own_thread']}</span>" in board
    thread = text(client.get(f"/threads/{site['own_thread']}"))
    assert f"started by <span>{site['pseudonyms']['own_thread']}</span>" in thread
    story = text(client.get(f"/stories/{site['story_slug']}"))
    assert f"by <span>{site['pseudonyms']['story']}</span>" in story
    # Replying to her anonymous post (?to=<post id>) shows her pseudonym and nothing else.
    url = f"/threads/{site['d1']}/reply?to={site['d1_reply']}"
    body = text(site["bob"].get(url))
    assert site["pseudonyms"]["d1"] in body and ALICE_PUBLIC not in body
    check_page(url, 200, "text/html", body, site, "member")


# --- "new since my last visit" on: a read mark is private ---------------------------------

READ_MARKERS = ('class="notice new-since"', 'class="badge new"')


@pytest.mark.parametrize("viewer", ["member", "moderator"])
def test_crawl_with_read_marks_on_shows_nobody_elses_reading(app, site, viewer, request):
    """Alice keeps read marks and has something new waiting in her story and her thread;
    the viewer turns the setting on too and crawls. Every page passes the same checks, and
    none shows a "new" that could only come from Alice's reading: the viewer's own marks
    start at their first visit, and the crawl writes nothing new after it."""
    alice, carol = site["alice"], site["carol"]
    assert alice.submit("/settings/reading", {"keep_read_marks": "y"}).status_code == 302
    story_url, thread_url = f"/stories/{site['story_slug']}", f"/threads/{site['own_thread']}"
    for url in (story_url, thread_url):
        alice.get(url)
    for url in (story_url, thread_url):
        thread = (db.session.scalar(select(Story).where(Story.slug == site["story_slug"])).thread
                  if url == story_url else by_public_id(Thread, site["own_thread"]))
        assert carol.submit(f"/threads/{thread.public_id}/reply",
                            {"body": "Carol, later."}).status_code == 302
    assert "1 new post</a>" in text(alice.get(story_url))
    db.session.expire_all()
    alices = {(m.thread_id, m.last_post_id) for m in db.session.scalars(
        select(ReadMark).where(ReadMark.user_id == site["alice_id"]))}

    client, start = crawler(app, site, viewer, request)
    settings = Browser(client).submit("/settings/reading", {"keep_read_marks": "y"})
    assert settings.status_code == 302
    pages = crawl(client, start + ["/settings/reading"])
    assert pages["/settings/reading"][0] == 200
    assert story_url in pages and thread_url in pages
    for url, (status, kind, body) in pages.items():
        assert status < 500 or url == "/healthz", url
        check_page(url, status, kind, body, site, viewer)
        assert not [m for m in READ_MARKERS if m in body], f"{viewer} {url}: someone's reading"
    # The crawl made the viewer's own marks, and left Alice's as they were.
    db.session.expire_all()
    owners = set(db.session.scalars(select(ReadMark.user_id).distinct()))
    assert len(owners) == 2 and site["alice_id"] in owners
    assert alices == {(m.thread_id, m.last_post_id) for m in db.session.scalars(
        select(ReadMark).where(ReadMark.user_id == site["alice_id"]))}
