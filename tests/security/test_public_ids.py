"""Public ids: nothing the site shows tells when something was written, or in which order.

Row ids come from one sequence per table: neighbouring ids in an anchor, a permalink or a
page cursor tell an observer that an anonymous post and someone's public post were written
moments apart. So every address, anchor, form field, feed entry and cursor names rows by a
random public id; a cursor is accepted only for an item of the list it pages; and the old
integer addresses answer only for rows that existed before public ids.

Everything here is observed through HTTP, as an observer would: ids are read from the pages
and redirects, never from the database, except to set up an old row.
"""
from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from urllib.parse import quote

import flask_migrate
import pytest
from sqlalchemy import inspect, select, text

from forum.clock import utcnow
from forum.extensions import db
from forum.models import Post, Thread
from forum.moderation import actions as moderation
from forum.posting import reports, stories
from tests.factories import make_board, make_reply, make_story, make_thread, make_user
from tests.test_anonymity import crawl
from tests.test_migrations import MIGRATIONS

# The shape the site promises: twelve random characters, the first a letter, so that a
# public id is never all digits and never mistaken for a row id.
PATTERN = r"[a-z][a-z0-9]{11}"
PUBLIC_ID = re.compile(PATTERN)
PASSWORD = "correct horse battery"

# What a row id looks like wherever the site names a row: any of these in a page, feed or
# redirect is a row id shown to the public.
ROW_ID_SHOWN = [
    re.compile(r"/posts/\d"),                   # permalinks, edit/delete/report/moderation
    re.compile(r"/threads/\d"),                 # pages, reply forms, follow forms, feeds
    re.compile(r"/notifications/\d"),           # "Open" forms
    re.compile(r"#p\d"),                        # anchors
    re.compile(r"\bid=\"p\d"),                  # the anchors' targets
    # cursors (a search's with its kind's letter) and reply-to: a value of digits only
    re.compile(r"[?&](?:after|stories_after|posts_after|to)=[stp]?\d+(?=[&\"'#<\s]|$)"),
    re.compile(r"/stories/deleted_\d"),         # an erased story's address
    re.compile(r"afterward-unsent:\d"),         # the key of unsent text in the browser
    re.compile(r"/history/\d"),                 # a story's earlier versions
]


class Inputs(HTMLParser):
    """Every form field of a page as (name, value)."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.fields: list[tuple[str, str]] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "button") and attrs.get("name"):
            self.fields.append((attrs["name"], attrs.get("value") or ""))


def row_ids_in(body: str) -> list[str]:
    """Every place in `body` where a row id is shown."""
    found = []
    plain = html.unescape(body)
    for pattern in ROW_ID_SHOWN:
        found += [plain[max(0, m.start() - 30):m.end() + 10] for m in pattern.finditer(plain)]
    for name, value in Inputs(body).fields:
        if (name.endswith("_id") or name in ("to", "after")) and value.isdigit():
            found.append(f'{name}="{value}"')
    return found


@pytest.fixture
def app_config(app_config):
    # Short pages, so every list on the site has a next page and shows its cursor.
    return {**app_config, "ITEMS_PER_PAGE": 2, "POSTS_PER_PAGE": 3}


def shown(row) -> str:
    """How the site names `row` in its addresses. (Before public ids, its row id: so that
    this module runs, and fails by its assertions, on the code before them too.)"""
    return str(getattr(row, "public_id", row.id))


def login(make_browser, login_name):
    browser = make_browser()
    assert browser.login(login_name, PASSWORD).status_code == 302
    return browser


@pytest.fixture
def scene(ctx, make_browser):
    """Two members who write publicly and anonymously in long lists, a moderator who acts."""
    alice = make_user("alice", "Alice Marsh")
    bob = make_user("bob", "Bob Reed")
    june = make_user("june", "June Mod", role="moderator")
    general, other = make_board("General"), make_board("Elsewhere", position=1)
    threads = [make_thread(bob, general, title=f"Bob asks {n}", body=f"Question {n} lantern")
               for n in range(3)]
    threads.append(make_thread(alice, general, title="Alice, hidden", body="Mine lantern",
                               anonymous=True))
    elsewhere = make_thread(bob, other, title="Elsewhere thread", body="Over here")
    long = threads[0]
    first = db.session.scalar(select(Post).where(Post.thread_id == long.id))
    replies = [make_reply(alice, long, first, body="Alice answers lantern"),
               make_reply(alice, long, first, body="Alice, unsigned", anonymous=True)]
    for n in range(6):
        replies.append(make_reply(bob, long, replies[n % 2], body=f"Bob again {n} lantern"))
    anon_post = replies[1]
    for n in range(3):
        make_story(bob, title=f"Bob's story {n}", body="Lantern story.",
                   group_names=["The Fellowship"])
    story = make_story(alice, title="Alice's story", body="Her story.", anonymous=True,
                       group_names=["The Fellowship"])
    stories.update_story(alice, story, title="Alice's story", summary="",
                         body="Her story, again.", warnings=[],
                         group_names=["The Fellowship"], now=utcnow())
    for n in range(5):
        make_reply(bob, story.thread, body=f"Comment {n} lantern")
    stories.create_story(alice, title="Unfinished", summary="", body="Draft text",
                         warnings=[], group_names=[], anonymous=False, now=utcnow(),
                         draft=True)
    reports.report(bob, post=anon_post, reason="spam", details="", now=utcnow())
    moderation.pin(june, threads[1], reason="Useful", now=utcnow())
    moderation.lock(june, threads[2], reason="Cooling down", now=utcnow())
    moderation.hide(june, replies[-1], reason="Off topic", now=utcnow())
    ids = {
        "long": shown(long), "long_row": long.id, "elsewhere": shown(elsewhere),
        "anon_post": shown(anon_post), "anon_post_row": anon_post.id,
        "first": shown(first), "story": story.slug, "general": general.slug,
        "alice_anon_thread": shown(threads[3]),
    }
    return {"ids": ids, "alice": login(make_browser, "alice"),
            "bob": login(make_browser, "bob"), "june": login(make_browser, "june")}


def start_urls(viewer: str) -> list[str]:
    urls = ["/", "/stories/", "/boards/", "/groups/", "/mod/log", "/sitemap.xml",
            "/feeds/stories.atom", "/search?q=lantern", "/u/" + quote("Alice Marsh"),
            "/u/" + quote("Bob Reed")]
    if viewer != "visitor":
        urls += ["/notifications", "/notifications/following", "/settings/my-posts",
                 "/stories/drafts"]
    if viewer == "moderator":
        urls += ["/mod/"]
    return urls


@pytest.mark.parametrize("viewer", ["visitor", "member", "moderator"])
def test_a_crawl_finds_no_row_id_in_any_address_anchor_field_feed_or_cursor(
        app, scene, viewer):
    client = {"visitor": app.test_client(), "member": scene["alice"].client,
              "moderator": scene["june"].client}[viewer]
    pages = crawl(client, start_urls(viewer))
    for url, (status, _, body) in pages.items():
        assert status < 500 or url == "/healthz", url
        assert not row_ids_in(body), f"{viewer} {url}: {row_ids_in(body)[:5]}"
        assert not row_ids_in(url), url
    seen = "\n".join(html.unescape(body) for _, _, body in pages.values())
    # The crawl reached every kind of place that names a row: cursors of each list, anchors,
    # permalinks, feeds; and, as a member or moderator, their forms.
    for reached in (r"/boards/general\?after=", r"/stories/\?after=", r"/threads/\w+\?after=",
                    r"posts_after=", r"stories_after=", r"/mod/log\?after=", r"#p[a-z]",
                    r"/feeds/threads/[a-z]\w+\.atom", r"/posts/[a-z]\w+", r"/search\?[^\"]*after="):
        assert re.search(reached, seen), f"the crawl never saw {reached}"
    if viewer == "member":
        for reached in (r"reply\?to=[a-z]", r"/posts/[a-z]\w+/edit",
                        r"/notifications/[a-z]\w+/read", r"/notifications\?after=",
                        r'name="draft_id"[^>]*value="[a-z]', r"/history/[a-z]\w+/restore"):
            assert re.search(reached, seen), f"the crawl never saw {reached}"
    if viewer == "moderator":
        assert re.search(r"/mod/posts/[a-z]\w+/hide", seen)
        assert re.search(r"/mod/threads/[a-z]\w+/(lock|unlock)", seen)


def new_post_id(response) -> str:
    assert response.status_code == 302, response.status_code
    return response.headers["Location"].rsplit("#p", 1)[1]


def test_ids_of_posts_written_one_after_another_show_no_order(ctx, make_browser):
    make_user("alice", "Alice Marsh")
    make_user("bob", "Bob Reed")
    board = make_board()
    threads = [make_thread(make_user(), board, title=f"Thread {n}") for n in range(4)]
    threads = [shown(t) for t in threads]
    alice, bob = login(make_browser, "alice"), login(make_browser, "bob")
    written = []
    for n in range(40):
        # An anonymous post in one thread, then someone's public post in another, seconds apart.
        writer, fields = (alice, {"anonymous": "y"}) if n % 2 else (bob, {})
        thread = threads[n % len(threads)]
        written.append(new_post_id(writer.submit(f"/threads/{thread}/reply",
                                                 {"body": f"Post {n}", **fields})))
    started = [alice.submit("/boards/general/new", {"title": f"New {n}", "body": "Hello"})
               .headers["Location"].rsplit("/", 1)[1] for n in range(12)]
    for ids in (written, started):
        assert all(PUBLIC_ID.fullmatch(i) for i in ids), ids
        assert len(set(ids)) == len(ids)
        # Random: neither order of writing nor its reverse, and about as many steps up as down.
        ascents = sum(a < b for a, b in zip(ids, ids[1:]))
        assert ids != sorted(ids) and ids != sorted(ids, reverse=True)
        assert len(ids) // 5 <= ascents <= len(ids) - 1 - len(ids) // 5, ids
    # No timestamp inside: ids written moments apart share no prefix beyond chance.
    assert len({i[0] for i in written}) >= 10, written
    assert sum(a[0] == b[0] for a, b in zip(written, written[1:])) <= 8, written


def test_every_public_id_is_as_likely_as_any_other(monkeypatch):
    """Each character one secure random byte: a letter from a byte below 234 (9 x 26), a
    letter or digit from a byte below 252 (7 x 36); a byte past that is dropped and more are
    drawn (never folded back onto the first characters, which would make them likelier)."""
    from forum import public_ids
    draws = iter([
        bytes([234, 255, 0]) + bytes(6),  # the first letter: two bytes dropped, then "a"
        bytes([252, 253, 254, 255, 35, 36, 71, 251, 0, 1, 2, 3, 4, 5, 6]) + bytes(5),
        bytes([255] * 9),  # all past the cut: nothing kept, so more are drawn
        bytes([233]) + bytes(8),  # 233 = 8 x 26 + 25: "z"
        bytes([25] * 20),
    ])
    monkeypatch.setattr(public_ids.secrets, "token_bytes", lambda n: next(draws))
    # (The alphabet is the letters, then 0-9.)
    assert public_ids.new_public_id() == "a" + "9a99" + "abcdefg"
    assert public_ids.new_public_id() == "z" * 12
    monkeypatch.undo()
    ids = public_ids.new_public_ids(2000) + [public_ids.new_public_id() for _ in range(100)]
    assert all(PUBLIC_ID.fullmatch(i) for i in ids) and len(set(ids)) == len(ids)
    # Every character of both alphabets turns up in every place (a chance of failing
    # below 1e-8 even for the rarest).
    for place in range(12):
        assert len({i[place] for i in ids}) == (26 if place == 0 else 36), place


def _another_first_letter(public_id: str) -> str:
    """A well-formed id one letter away from a real one (never the real one itself)."""
    return ("q" if public_id[0] != "q" else "r") + public_id[1:]


@pytest.mark.parametrize("list_url", [
    "/boards/general?after={cursor}", "/threads/{long}?after={cursor}",
    "/stories/?after={cursor}", "/groups/the-fellowship?after={cursor}",
    "/u/Bob%20Reed?posts_after={cursor}", "/u/Bob%20Reed?stories_after={cursor}",
    "/mod/log?after={cursor}", "/notifications?after={cursor}",
    "/settings/my-posts?posts_after={cursor}", "/search?q=lantern&after=p{cursor}",
])
def test_a_cursor_that_is_not_an_item_of_the_list_is_404(app, scene, list_url):
    ids, alice = scene["ids"], scene["alice"]
    for cursor in ("1", str(ids["anon_post_row"]), "2147483647", "99999999999",
                   "zzzzzzzzzzzz", _another_first_letter(ids["anon_post"]),
                   # an item of another list: a thread of another board, or a thread where
                   # posts, stories, notifications or log entries are listed
                   ids["elsewhere"] if list_url.startswith("/boards/")
                   else ids["alice_anon_thread"]):
        url = list_url.format(cursor=cursor, long=ids["long"])
        assert alice.get(url).status_code == 404, url
        if "/search" in list_url:  # a search cursor without its kind's letter, too
            assert alice.get(url.replace("after=p", "after=")).status_code == 404, url


def test_a_cursor_from_another_list_is_404_and_the_lists_own_works(app, scene):
    ids, visitor = scene["ids"], app.test_client()
    # The anonymous post, named in the thread's page: as a cursor on its author's profile it
    # would tell where it falls among her public posts.
    thread_page = visitor.get(f"/posts/{ids['anon_post']}", follow_redirects=True).get_data(
        as_text=True)
    assert f'id="p{ids["anon_post"]}"' in thread_page
    assert visitor.get(f"/u/Alice%20Marsh?posts_after={ids['anon_post']}").status_code == 404
    assert visitor.get(f"/u/Bob%20Reed?posts_after={ids['anon_post']}").status_code == 404
    # A thread of another board, a post of another thread, a story of another group.
    assert visitor.get(f"/boards/general?after={ids['elsewhere']}").status_code == 404
    assert visitor.get(f"/threads/{ids['elsewhere']}?after={ids['first']}").status_code == 404
    # The lists' own cursors lead on.
    for url in ("/boards/general", f"/threads/{ids['long']}", "/stories/", "/mod/log",
                "/u/Bob%20Reed", "/search?q=lantern"):
        page = html.unescape(visitor.get(url).get_data(as_text=True))
        cursor = re.search(r'href="([^"]*after=[^"#]+)', page).group(1)
        assert visitor.get(cursor).status_code == 200, cursor


def test_old_addresses_answer_for_old_rows_only(ctx, client, make_browser):
    bob = make_user("bob", "Bob Reed")
    board = make_board()
    old_thread = make_thread(bob, board, title="From before")
    old_posts = [make_reply(bob, old_thread, body=f"Old {n}") for n in range(4)]
    story = make_story(bob, title="Old story")
    old_comments = [make_reply(bob, story.thread, body=f"Comment {n}") for n in range(4)]
    new_thread = make_thread(bob, board, title="From after")
    new_post = make_reply(bob, new_thread, body="New")
    hidden = make_thread(bob, board, title="Hidden since")
    # What migration 0006 does to every row that existed before it.
    for row in (old_thread, *old_posts, story.thread, *old_comments, hidden):
        row.has_legacy_url = True
    hidden.hidden = True
    db.session.commit()
    old = {"thread": (old_thread.id, shown(old_thread)),
           "post": (old_posts[1].id, shown(old_posts[1])),
           "page": (old_posts[2].id, shown(old_posts[2])),
           "comment": (old_comments[2].id, shown(old_comments[2])),
           "story_thread": (story.thread.id, shown(story.thread))}
    slug, hidden_row = story.slug, hidden.id
    new = {"thread": new_thread.id, "post": new_post.id}

    def moved(url, to):
        response = client.get(url)
        assert response.status_code == 301, (url, response.status_code)
        assert response.headers["Location"] == to, (url, response.headers["Location"])

    thread_row, thread = old["thread"]
    moved(f"/threads/{thread_row}", f"/threads/{thread}")
    moved(f"/posts/{old['post'][0]}", f"/posts/{old['post'][1]}")
    moved(f"/feeds/threads/{thread_row}.atom", f"/feeds/threads/{thread}.atom")
    # A page link copied from the address bar (/threads/5?after=123) keeps its page.
    moved(f"/threads/{thread_row}?after={old['page'][0]}",
          f"/threads/{thread}?after={old['page'][1]}")
    moved(f"/stories/{slug}?after={old['comment'][0]}",
          f"/stories/{slug}?after={old['comment'][1]}")
    assert client.get(f"/threads/{old['story_thread'][0]}").headers["Location"] == \
        f"/threads/{old['story_thread'][1]}"
    # The new address works.
    assert client.get(f"/posts/{old['post'][1]}").status_code == 302
    # Rows written since never answer to their row id; neither does anything else.
    for url in (f"/threads/{new['thread']}", f"/posts/{new['post']}",
                f"/feeds/threads/{new['thread']}.atom", f"/threads/{hidden_row}",
                f"/threads/{thread_row}?after={new['post']}",
                f"/stories/{slug}?after={new['post']}",
                "/threads/99999", "/posts/99999", f"/threads/{thread_row}/reply",
                f"/posts/{old['post'][0]}/edit", f"/mod/posts/{old['post'][0]}"):
        assert client.get(url).status_code == 404, url


def test_reply_report_edit_delete_and_moderation_work_through_the_links_shown(
        ctx, make_browser):
    make_user("alice", "Alice Marsh")
    make_user("bob", "Bob Reed")
    make_user("june", "June Mod", role="moderator")
    board = make_board()
    thread = make_thread(make_user(), board, title="A thread", body="First words")
    url = f"/threads/{shown(thread)}"
    alice, bob, june = (login(make_browser, n) for n in ("alice", "bob", "june"))

    def link(browser, page_url, pattern):
        page = html.unescape(browser.get(page_url).get_data(as_text=True))
        found = re.search(pattern, page)
        assert found, f"no {pattern} on {page_url}"
        assert not row_ids_in(found.group(1)), found.group(1)
        return found.group(1)

    # Reply to the first post, anonymously, through its Reply link and the form it opens.
    reply_url = link(alice, url, r'href="([^"]*/reply\?to=[^"]+)"')
    form = link(alice, reply_url, r'action="([^"]*/reply)"')
    parent = [v for n, v in Inputs(alice.get(reply_url).get_data(as_text=True)).fields
              if n == "parent_id"]
    assert parent and PUBLIC_ID.fullmatch(parent[0]), parent
    mine = new_post_id(alice.submit(reply_url, {"body": "An answer", "parent_id": parent[0],
                                                "anonymous": "y"}, action=form))
    page = alice.get(url).get_data(as_text=True)
    assert f'id="p{mine}"' in page and f'href="#p{parent[0]}"' in page
    # Edit it.
    edit = link(alice, url, rf'href="(/posts/{mine}/edit)"')
    assert alice.submit(edit, {"body": "An edited answer"}).status_code == 302
    assert "An edited answer" in alice.get(url).get_data(as_text=True)
    # Bob reports it.
    report = link(bob, url, rf'href="(/posts/{mine}/report)"')
    assert bob.submit(report, {"reason": "spam"}).status_code == 302
    # The moderator finds it in the queue and hides it, then restores it.
    review = link(june, "/mod/", rf'href="(/mod/posts/{mine})"')
    hide = link(june, review, r'action="(/mod/posts/[^"]+/hide)"')
    assert june.submit(review, {"reason": "Checking"}, action=hide).status_code == 302
    assert "[removed]" in bob.get(url).get_data(as_text=True)
    restore = link(june, review, r'action="(/mod/posts/[^"]+/restore)"')
    assert june.submit(review, {"reason": "Fine"}, action=restore).status_code == 302
    # Closing the thread from its own moderation page.
    thread_review = link(june, url, r'href="(/mod/threads/[^"]+)"')
    lock = link(june, thread_review, r'action="(/mod/threads/[^"]+/lock)"')
    assert june.submit(thread_review, {"reason": "Enough"}, action=lock).status_code == 302
    assert "Replies are closed." in bob.get(url).get_data(as_text=True)
    unlock = link(june, thread_review, r'action="(/mod/threads/[^"]+/unlock)"')
    assert june.submit(thread_review, {"reason": "Go on"}, action=unlock).status_code == 302
    # Alice deletes her post with the form under it, and says yes on the page it leads to.
    delete = link(alice, url, rf'action="(/posts/{mine}/delete)"')
    assert alice.submit(url, {}, action=delete).status_code == 200  # the question
    assert alice.submit(url, {"confirm": "yes"}, action=delete).status_code == 302
    assert "[deleted]" in bob.get(url).get_data(as_text=True)
    # The moderation log links to the thread by its public id.
    log = html.unescape(bob.get("/mod/log").get_data(as_text=True))
    assert url in log and not row_ids_in(log)


def test_drafts_notifications_and_the_export_name_rows_by_public_id(ctx, make_browser):
    alice, bob = make_user("alice", "Alice Marsh"), make_user("bob", "Bob Reed")
    thread = make_thread(alice, make_board(), title="Alice asks", body="Anyone?")
    first = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    make_reply(bob, thread, first, body="Bob answers", anonymous=True)
    person = login(make_browser, "alice")
    saved = person.submit("/stories/new", {"title": "Draft", "body": "Unsent",
                                           "action": "draft"})
    assert saved.status_code == 302
    token = person.csrf_token("/stories/new")
    autosave = person.client.post("/stories/autosave", data={
        "csrf_token": token, "title": "Draft two", "body": "Typing"})
    assert PUBLIC_ID.fullmatch(autosave.get_json()["draft_id"]), autosave.get_json()
    notifications = person.get("/notifications").get_data(as_text=True)
    opened = re.search(r'action="(/notifications/[^"]+/read)"', notifications).group(1)
    assert not row_ids_in(opened)
    response = person.submit("/notifications", {}, action=opened)
    assert re.fullmatch(r"/posts/" + PATTERN, response.headers["Location"])
    exported = person.submit("/settings", {}, action="/settings/export")
    data = json.loads(exported.data)
    named = [p["id"] for p in data["posts"]] + [p["thread_id"] for p in data["posts"]]
    named += [n["post_id"] for n in data["notifications"] if n["post_id"]]
    named += [s["id"] for s in data["stories"]] + [f["thread_id"] for f in data["follows"]]
    assert named and all(PUBLIC_ID.fullmatch(str(value)) for value in named), named


def test_migration_gives_every_old_row_a_random_public_id_and_its_old_address(scratch_app):
    with scratch_app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS, revision="0004")
        now = utcnow()
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO users (id, login_name, password_hash, role, bio, "
                "anonymous_by_default, follow_on_write, email_digest, created_at, "
                "session_version) VALUES (1, 'bob', 'x', 'member', '', false, true, false, "
                ":now, 1)"), {"now": now})
            conn.execute(text("INSERT INTO handles (id, user_id, name, name_key, kind, "
                              "created_at) VALUES (1, 1, 'Bob', 'bob', 'public', :now)"),
                         {"now": now})
            for n in range(1, 31):
                conn.execute(text(
                    "INSERT INTO threads (id, title, board_id, handle_id, created_at, "
                    "last_post_at, post_count, locked_by_author, pinned, hidden) VALUES "
                    "(:n, 'T', NULL, 1, :now, :now, 1, false, false, false)"),
                    {"n": n, "now": now})
                conn.execute(text(
                    "INSERT INTO posts (id, thread_id, handle_id, body, body_html, created_at, "
                    "state, depth, path) VALUES (:n, :n, 1, 'b', '<p>b</p>', :now, 'visible', "
                    "0, :path)"), {"n": n, "now": now, "path": f"{n:07d}"})
                conn.execute(text(
                    "INSERT INTO stories (id, title, slug, summary, body, body_html, "
                    "content_warnings, handle_id, thread_id, state, noindex, published_at) "
                    "VALUES (:n, 'S', :slug, '', '', '', '', 1, :n, :state, true, :now)"),
                    {"n": n, "now": now, "slug": f"deleted_{n}" if n % 2 else f"story-{n}",
                     "state": "deleted" if n % 2 else "published"})
                conn.execute(text(
                    "INSERT INTO story_revisions (id, story_id, title, summary, body, "
                    "created_at) VALUES (:n, :n, 'S', '', 'b', :now)"), {"n": n, "now": now})
        flask_migrate.upgrade(directory=MIGRATIONS)
        for table in ("threads", "posts", "stories", "story_revisions"):
            ids = db.session.execute(text(f"SELECT public_id FROM {table}")).scalars().all()
            assert len(ids) == 30 and len(set(ids)) == 30, table
            assert all(PUBLIC_ID.fullmatch(i) for i in ids), ids
            ordered = db.session.execute(
                text(f"SELECT public_id FROM {table} ORDER BY id")).scalars().all()
            assert ordered != sorted(ordered)
        for table in ("threads", "posts"):
            assert db.session.execute(text(
                f"SELECT count(*) FROM {table} WHERE has_legacy_url")).scalar() == 30
        slugs = db.session.execute(text(
            "SELECT id, slug, public_id FROM stories ORDER BY id")).all()
        for row_id, slug, public_id in slugs:
            assert slug == (f"deleted_{public_id}" if row_id % 2 else f"story-{row_id}")
        # A row written now gets its id from the model and no old address.
        thread = Thread(id=1000, title="New", handle_id=1, created_at=now, last_post_at=now)
        db.session.add(thread)
        db.session.commit()
        assert PUBLIC_ID.fullmatch(thread.public_id) and thread.has_legacy_url is False
        # The search index still follows the tables SQLite had to copy.
        if db.engine.dialect.name == "sqlite":
            triggers = db.session.execute(text(
                "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger'")).scalars().all()
            assert {t: triggers.count(t) for t in ("stories", "threads", "posts")} == \
                {"stories": 3, "threads": 3, "posts": 3}
        # The session's open transaction would hold the locks the downgrade needs.
        db.session.remove()
        flask_migrate.downgrade(directory=MIGRATIONS, revision="0004")
        columns = {c["name"] for c in inspect(db.engine).get_columns("posts")}
        assert "public_id" not in columns and "has_legacy_url" not in columns
        assert db.session.execute(text("SELECT slug FROM stories WHERE id = 3")).scalar() == \
            "deleted_3"
