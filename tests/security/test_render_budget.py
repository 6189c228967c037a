"""No single text stalls the site: every text renders within a budget, once, when written.

- Every known worst case for markdown-it-py, at the longest length the site accepts, renders
  in well under 100 ms in process on a server core (run with -s to see the slowest). Machines
  differ several-fold, so the test holds each case to a multiple of an ordinary story of the
  same length rendered in the same run, not to a number of milliseconds.
- Ordinary Markdown renders exactly as it did before the budget existed.
- No GET renders Markdown: a crawl of every page as a visitor, a member and a moderator
  counts the parser's calls and finds none, also with a pathological story published.
- Preview is limited like a write and gives the writer's text back.
- Stored links carry rel="noreferrer"; migration 0005 fills excerpts and rel on old rows.
"""
from __future__ import annotations

import hashlib
import json
import html
import re
import subprocess
import sys
import time
from collections import deque
from datetime import datetime
from pathlib import Path

import flask_migrate
import pytest
from markdown_it import MarkdownIt
from sqlalchemy import inspect, select
from sqlalchemy import text as sql

from forum import text
from forum.clock import utcnow
from forum.extensions import db
from forum.models import Post, Story, StoryRevision, User
from forum.posting import reports, stories
from tests.factories import make_board, make_story, make_thread, make_user
from tests.security import site as seed_site
from tests.security.corpus import PAYLOADS, check_inert
from tests.security.render_cases import MAX, WORST_CASES, fill
from tests.test_migrations import MIGRATIONS

# The bound the issue sets is 100 ms on a server core, where an ordinary story of the longest
# length (BASELINE in render_cases.py) renders in about 7 ms: no worst case may cost more than
# 14 of them (the median of ordinary stories rendered through the run). Seen on two machines:
# the slowest case at 7 to 9 times, idle or loaded (a yardstick taken once, at the start,
# let one loaded run reach 12).
BOUND_RATIO = 14
ROOT = Path(__file__).resolve().parents[2]
OLD_REL = 'rel="nofollow ugc noopener"'
NEW_REL = 'rel="nofollow ugc noopener noreferrer"'


@pytest.fixture(scope="module")
def timings() -> dict:
    """Every case's render time, measured in a fresh process (see render_cases.py)."""
    done = subprocess.run([sys.executable, "-m", "tests.security.render_cases"], check=True,
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    measured = json.loads(done.stdout)
    yield measured
    baseline = measured["baseline"]
    print(f"\nSlowest renders (thread CPU ms, wall ms, times an ordinary story: the lowest of "
          f"5 rounds beside one for a case past half the bound; formatted), against "
          f"{baseline:.1f} ms for an ordinary story of the same length:")
    cases = sorted(measured["cases"].items(), key=lambda i: -i[1][0])
    for name, (cpu, wall, formatted, ratio) in cases[:8]:
        print(f"  {cpu:6.1f} {wall:6.1f} {ratio:5.1f}x  {'formatted' if formatted else 'plain'}  "
              f"{name}")


@pytest.mark.parametrize("name", WORST_CASES)
def test_every_worst_case_renders_in_well_under_100_ms(name, timings):
    source = WORST_CASES[name]
    assert len(source) <= MAX
    took, _, formatted, ratio = timings["cases"][name]
    assert ratio < BOUND_RATIO, f"{name}: {took:.0f} ms, {ratio:.1f} times an ordinary story"
    rendered = text.render(source)
    assert rendered.formatted == formatted
    check_inert(rendered.html)


def test_a_text_past_the_budget_is_plain_escaped_text():
    source = "# Not a heading\n\n" + fill("x\n<b>&amp;</b>\n", MAX - 17)
    rendered = text.render(source)
    assert not rendered.formatted
    # The budget counts work, not time: a preview shows exactly what publishing stores.
    assert text.render(source) == rendered
    assert rendered.html.startswith(
        "<p># Not a heading</p>\n<p>x<br>\n&lt;b&gt;&amp;amp;&lt;/b&gt;<br>")
    assert rendered.excerpt.startswith("# Not a heading x <b>&amp;</b> x")
    for payload in PAYLOADS.values():
        check_inert(text.plain_html(payload))


def test_markup_past_a_limit_is_literal_and_the_rest_still_formats():
    source = "**Bold** and [a link](https://example.org).\n\n" + "[" * 5_000 + "\n\n*still em*"
    rendered = text.render(source)
    assert rendered.formatted
    assert rendered.html.startswith(
        f'<p><strong>Bold</strong> and <a href="https://example.org" {NEW_REL}>a link</a>.</p>')
    assert "[" * 5_000 in rendered.html and rendered.html.endswith("<p><em>still em</em></p>\n")
    # Characters the writer typed that look like the parser's stand-ins stay harmless.
    odd = "\ufdd0\ufdd8 " + "<" * 3_000 + " [x](https://example.org/a_b)"
    rendered = text.render(odd)
    assert "\ufdd0" not in rendered.html and "&lt;" * 3_000 in rendered.html
    assert 'href="https://example.org/a_b"' in rendered.html


# --- ordinary writing is untouched --------------------------------------------------------

# Captured from the renderer before the budget (commit efce3c4), rel gaining noreferrer.
ORDINARY = {
    "headings": (
        "# Leaving\n\n## The first year\n\nSome *words* here.\n\nSetext heading\n--------------\n",
        "<h1>Leaving</h1>\n<h2>The first year</h2>\n<p>Some <em>words</em> here.</p>\n"
        "<h2>Setext heading</h2>\n",
        "Leaving The first year Some words here. Setext heading"),
    "lists": (
        "- one\n- two, with **bold**\n  - nested\n  - again\n\n1. first\n2. second\n\n3) third\n",
        "<ul>\n<li>one</li>\n<li>two, with <strong>bold</strong>\n<ul>\n<li>nested</li>\n"
        "<li>again</li>\n</ul>\n</li>\n</ul>\n<ol>\n<li>first</li>\n<li>second</li>\n</ol>\n"
        '<ol start="3">\n<li>third</li>\n</ol>\n',
        "one two, with bold nested again first second third"),
    "links": (
        "See [the guide](https://example.org/a_b?c=1&d=2 \"A title\"), <https://example.org/x>"
        " and <help@example.org>; also [a reference][ref] and [ref].\n\n"
        "[ref]: https://example.org/ref 'Ref'\n",
        '<p>See <a href="https://example.org/a_b?c=1&amp;d=2" title="A title" '
        'rel="nofollow ugc noopener">the guide</a>, <a href="https://example.org/x" '
        'rel="nofollow ugc noopener">https://example.org/x</a> and <a href="mailto:help@example.'
        'org" rel="nofollow ugc noopener">help@example.org</a>; also <a href="https://example.'
        'org/ref" title="Ref" rel="nofollow ugc noopener">a reference</a> and <a href="https://'
        'example.org/ref" title="Ref" rel="nofollow ugc noopener">ref</a>.</p>\n',
        "See the guide, https://example.org/x and help@example.org; also a reference and ref."),
    "emphasis": (
        "*em* **strong** _under_ __double__ ***both*** ~~gone~~ snake_case_word 2*3*4",
        "<p><em>em</em> <strong>strong</strong> <em>under</em> <strong>double</strong> <em>"
        "<strong>both</strong></em> <s>gone</s> snake_case_word 2<em>3</em>4</p>\n",
        "em strong under double both gone snake_case_word 234"),
    "code": (
        "Inline `code with *stars*` and ``a ` tick``.\n\n```python\nx = [1, 2] * 3  # <no>\n```\n"
        "\n    indented code\n",
        "<p>Inline <code>code with *stars*</code> and <code>a ` tick</code>.</p>\n<pre><code>x = "
        "[1, 2] * 3  # &lt;no&gt;\n</code></pre>\n<pre><code>indented code\n</code></pre>\n",
        "Inline code with *stars* and a ` tick. x = [1, 2] * 3 # <no> indented code"),
    "table": (
        "| Year | What happened |\n|:-----|--------------:|\n| 2019 | I *left* |\n"
        "| 2020 | [help](https://example.org) |\n",
        "<table>\n<thead>\n<tr>\n<th>Year</th>\n<th>What happened</th>\n</tr>\n</thead>\n<tbody>"
        "\n<tr>\n<td>2019</td>\n<td>I <em>left</em></td>\n</tr>\n<tr>\n<td>2020</td>\n<td><a href"
        '="https://example.org" rel="nofollow ugc noopener">help</a></td>\n</tr>\n</tbody>\n'
        "</table>\n",
        "Year What happened 2019 I left 2020 help"),
    "quotes": (
        "> They said:\n> > never leave\n>\n> and I did.\n\nAfter.",
        "<blockquote>\n<p>They said:</p>\n<blockquote>\n<p>never leave</p>\n</blockquote>\n<p>"
        "and I did.</p>\n</blockquote>\n<p>After.</p>\n",
        "They said: never leave and I did. After."),
    "breaks": (
        "line one  \nline two\\\nline three\nline four",
        "<p>line one<br>\nline two<br>\nline three\nline four</p>\n",
        "line one line two line three line four"),
    "escapes": (
        "\\*not em\\* \\[not a link\\] 5 < 6 & \"quotes\" 'single' a\\\\b",
        "<p>*not em* [not a link] 5 &lt; 6 &amp; \"quotes\" 'single' a\\b</p>\n",
        "*not em* [not a link] 5 < 6 & \"quotes\" 'single' a\\b"),
    "brackets": (
        "I said [sic] and (then) [a [nested] one] and an open [ bracket.",
        "<p>I said [sic] and (then) [a [nested] one] and an open [ bracket.</p>\n",
        "I said [sic] and (then) [a [nested] one] and an open [ bracket."),
    "rules": ("Before\n\n---\n\nAfter\n\n***\n", "<p>Before</p>\n<hr>\n<p>After</p>\n<hr>\n",
              "Before After"),
    "image": ("![a photo of *us*](https://example.org/p.png) caption", "<p> caption</p>\n",
              "caption"),
    "unsafe": (
        "[x](javascript:alert(1)) <script>alert(1)</script> <b>bold?</b> [y](data:text/html,hi)",
        "<p>[x](javascript:alert(1)) &lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;bold?&lt;/b"
        "&gt; [y](data:text/html,hi)</p>\n",
        "[x](javascript:alert(1)) <script>alert(1)</script> <b>bold?</b> [y](data:text/html,hi)"),
    "entities": (
        "&copy; &amp; &#169; &#x2014; &nbsp;&notanentity; AT&T",
        "<p>© &amp; © — &nbsp;&amp;notanentity; AT&amp;T</p>\n",
        "© & © — &notanentity; AT&T"),
}
PROSE = ("We left in the spring of the year the meetings moved to the farm. Nobody said goodbye; "
         "my sister wrote once, then not again. It took me three years to say *shunned* out "
         "loud, and longer to say it without shame. ")
# Every snippet above, with prose between, up to the longest text: (length, SHA-256 of the
# HTML the renderer gave before the budget, with rel gaining noreferrer).
LONG_STORY = "".join(f"{source}\n\n{PROSE * 3}\n\n" for source, _, _ in ORDINARY.values()) * 11
LONG_STORY_HTML = {
    50_000: "dad51ecc0dd8599cc54c5a75321f302219a6acf4d3fa2d02b17071ccef52a974",
    MAX: "3374250c5c59033cd019b974fcbe67d156b0961d990e3ccd3b66a7f4db7fe741",
}


@pytest.mark.parametrize("name", ORDINARY)
def test_ordinary_markdown_renders_as_before(name):
    source, before, excerpt = ORDINARY[name]
    rendered = text.render(source)
    assert rendered[:3] == (before.replace(OLD_REL, NEW_REL), excerpt, True)


@pytest.mark.parametrize("length", LONG_STORY_HTML)
def test_a_long_ordinary_story_renders_as_before(length):
    rendered = text.render(LONG_STORY[:length])
    assert rendered.formatted
    assert hashlib.sha256(rendered.html.encode()).hexdigest() == LONG_STORY_HTML[length]
    assert rendered.excerpt == (
        "Leaving The first year Some words here. Setext heading We left in the spring of the "
        "year the meetings moved to the farm. Nobody said goodbye; my sister wrote once, then "
        "not again. It took me three years to say shunned out loud, and longer…")


# --- no GET renders Markdown --------------------------------------------------------------

@pytest.fixture
def parser_calls(monkeypatch):
    """Every call into markdown-it (render or parse), wherever it comes from."""
    calls = []
    for method in ("render", "parse"):
        original = getattr(MarkdownIt, method)

        def counted(self, src, env=None, _original=original, _method=method):
            calls.append((_method, src[:40]))
            return _original(self, src, env)
        monkeypatch.setattr(MarkdownIt, method, counted)
    return calls


HREF = re.compile(r'href="(/[^"#]*)')


def crawl(client, start: list[str], limit: int = 800) -> dict[str, int]:
    """GET every page reachable from `start` by links on this site: url -> status."""
    seen: dict[str, int] = {}
    queue = deque(start)
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen or url.startswith(("/static/", "//")):
            continue
        response = client.get(url)
        seen[url] = response.status_code
        if response.status_code in (301, 302, 303, 307, 308):
            location = response.headers["Location"].split("#")[0]
            if location.startswith("/"):
                queue.append(location)
        elif response.mimetype == "text/html":
            queue.extend(html.unescape(h) for h in HREF.findall(response.get_data(as_text=True)))
    assert len(seen) < limit, "crawl did not finish"
    return seen


@pytest.fixture
def full_site(app, ctx):
    """tests/security/site.py's site, plus a story revision and reported things."""
    content = seed_site.seed(app)
    member = db.session.get(User, content.member)
    other = db.session.scalar(User.by_login_name("member_two"))
    story = db.session.scalar(select(Story).where(Story.slug == content.story_slug))
    stories.update_story(member, story, title=story.title, summary="",
                         body="A changed *text*.", warnings=[],
                         group_names=[g.name for g in story.groups], now=utcnow())
    reports.report(other, story=story, reason="other", details="Look.", now=utcnow())
    reports.report(member, post=db.session.scalar(select(Post).where(
        Post.body == "An anonymous answer.")), reason="spam", details="", now=utcnow())
    assert db.session.scalar(select(StoryRevision.id))
    return content


@pytest.mark.parametrize("viewer", ["visitor", "member", "moderator"])
def test_no_get_renders_markdown(app, full_site, make_browser, parser_calls, viewer):
    client = (app.test_client() if viewer == "visitor" else seed_site.logged_in(
        make_browser, "member_one" if viewer == "member" else "the_moderator").client)
    parser_calls.clear()  # logging in renders nothing either, but start the count here
    start = [url for _, url in seed_site.urls(app, full_site, "GET")]
    start += ["/search?q=story", "/search?q=thread", "/feeds/stories.atom", "/"]
    pages = crawl(client, start)
    ok = [url for url, status in pages.items() if status == 200]
    assert len(ok) > 25
    if viewer == "member":
        assert any("/history/" in url for url in ok)  # the revision page
    if viewer == "moderator":
        assert "/mod/" in ok
    assert parser_calls == []


def test_a_pathological_story_costs_readers_nothing(app, ctx, make_browser, parser_calls):
    """Published as text, it is rendered once; feeds, lists and the queue only read it."""
    assert app.config["MAX_BODY_CHARS"] == MAX  # the cases here are as long as texts get
    make_user("writer", "Writer")
    make_user("reader", "Reader")
    make_user("moderator", "Moderator", role="moderator")
    thread_id = make_thread(make_user(), make_board("Talk")).public_id
    writer = seed_site.logged_in(make_browser, "writer")
    body = WORST_CASES["[ then emphasis"]
    started = time.perf_counter()
    published = writer.submit("/stories/new", {"title": "Heavy", "body": body})
    assert published.status_code == 302 and time.perf_counter() - started < 2
    writer.submit(f"/threads/{thread_id}/reply", {"body": WORST_CASES["mixed openers"]})
    slug = published.headers["Location"].rsplit("/", 1)[1]
    reader = seed_site.logged_in(make_browser, "reader")
    reader.submit(f"/stories/{slug}/report", {"reason": "spam", "details": ""})
    moderator = seed_site.logged_in(make_browser, "moderator")

    parser_calls.clear()
    visitor = app.test_client()
    for client, url in ((visitor, "/feeds/stories.atom"), (visitor, "/"), (visitor, "/stories/"),
                        (visitor, "/u/Writer"), (visitor, f"/stories/{slug}"),
                        (writer.client, "/settings/my-posts"), (moderator.client, "/mod/")):
        page = client.get(url).get_data(as_text=True)
        assert "Heavy" in page or "[[[[" in page, url
    assert parser_calls == []
    story = db.session.scalar(select(Story).where(Story.slug == slug))
    assert story.excerpt.startswith("[[[[") and len(story.excerpt) <= Story.EXCERPT_CHARS


def _post(public_id: str) -> Post:
    return db.session.scalar(select(Post).where(Post.public_id == public_id))


def test_excerpts_go_with_the_text(ctx, make_browser):
    """Deleting a post or an account leaves no excerpt of what was written."""
    make_user("writer", "Writer")
    thread_id = make_thread(make_user(), make_board("Talk")).public_id
    writer = seed_site.logged_in(make_browser, "writer")
    reply = writer.submit(f"/threads/{thread_id}/reply", {"body": "Words to *take back*."})
    post_id = reply.headers["Location"].rsplit("#p", 1)[1]
    assert _post(post_id).excerpt == "Words to take back."
    writer.submit(f"/posts/{post_id}/edit", {"body": "Other words."})
    assert _post(post_id).excerpt == "Other words."
    writer.submit(reply.headers["Location"].split("#")[0], {"confirm": "yes"},
                  action=f"/posts/{post_id}/delete")
    assert _post(post_id).excerpt == ""
    writer.submit("/stories/new", {"title": "Mine", "body": "A story to *erase*."})
    writer.submit("/settings/delete", {"writing": "keep",
                                       "current_password": "correct horse battery"})
    assert db.session.scalars(select(Story.excerpt)).all() == [""]


# --- preview is a write -------------------------------------------------------------------

@pytest.fixture
def strict_preview(app_config):
    app_config["PREVIEW_LIMIT"] = "2 per minute"


@pytest.mark.parametrize("form", ["story", "reply", "thread", "edit"])
def test_preview_is_limited_and_keeps_the_text(strict_preview, ctx, make_browser, form):
    make_user("writer", "Writer")
    board = make_board("Talk")
    board_slug, thread_id = board.slug, make_thread(make_user(), board).public_id
    writer = seed_site.logged_in(make_browser, "writer")
    post = writer.submit(f"/threads/{thread_id}/reply", {"body": "Mine."})
    post_id = post.headers["Location"].rsplit("#p", 1)[1]
    url = {"story": "/stories/new", "reply": f"/threads/{thread_id}/reply",
           "thread": f"/boards/{board_slug}/new", "edit": f"/posts/{post_id}/edit"}[form]
    words = "My *unsent* words & more"
    for _ in range(2):
        page = writer.submit(url, {"title": "T", "body": words, "action": "preview"})
        assert page.status_code == 200 and "<em>unsent</em>" in page.get_data(as_text=True)
    refused = writer.submit(url, {"title": "T", "body": words, "action": "preview"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "faster than this site allows" in body and "preview again" in body
    assert html.escape(words, quote=False) in body and "<em>unsent</em>" not in body
    # Sending is counted apart: the text can still go.
    assert writer.submit(url, {"title": "T", "body": words}).status_code == 302


def test_preview_says_when_a_text_will_be_plain(ctx, make_browser):
    make_user("writer", "Writer")
    writer = seed_site.logged_in(make_browser, "writer")
    page = writer.submit("/stories/new", {"title": "T", "body": WORST_CASES["one line each"],
                                          "action": "preview"}).get_data(as_text=True)
    assert "will appear as plain text" in page
    page = writer.submit("/stories/new", {"title": "T", "body": "*fine*", "action": "preview"})
    assert "will appear as plain text" not in page.get_data(as_text=True)


# --- rel="noreferrer", and migration 0005 ---------------------------------------------------

def test_stored_links_carry_noreferrer(app, ctx, make_browser):
    make_user("writer", "Writer")
    thread_id = make_thread(make_user(), make_board("Talk")).public_id
    writer = seed_site.logged_in(make_browser, "writer")
    reply = writer.submit(f"/threads/{thread_id}/reply",
                          {"body": "See [this](https://example.org) and <https://example.net>."})
    stored = db.session.scalars(select(Post.body_html)).all()
    assert stored[-1].count(NEW_REL) == 2
    page = writer.get(reply.headers["Location"].split("#")[0]).get_data(as_text=True)
    assert f'href="https://example.org" {NEW_REL}' in page
    feed = app.test_client().get(f"/feeds/threads/{thread_id}.atom").get_data(as_text=True)
    assert "noreferrer" in feed


def _insert_at_0004(conn) -> None:
    """A member, a board thread with one post and a story, as 0004 stored them."""
    when = "2026-01-01 00:00:00"
    link = f'<a href="https://example.org" {OLD_REL}>a link</a>'
    conn.execute(sql(
        "INSERT INTO users (id, login_name, password_hash, role, bio, anonymous_by_default, "
        "follow_on_write, email_digest, created_at, session_version) VALUES "
        f"(1, 'old', 'x', 'member', '', false, true, false, '{when}', 1)"))
    conn.execute(sql("INSERT INTO handles (id, user_id, name, name_key, kind, created_at) "
                     f"VALUES (1, 1, 'Old', 'old', 'public', '{when}')"))
    for thread_id in (1, 2):
        conn.execute(sql(
            "INSERT INTO threads (id, title, handle_id, created_at, last_post_at, post_count, "
            "locked_by_author, pinned, hidden) VALUES "
            f"({thread_id}, 'T', 1, '{when}', '{when}', 1, false, false, false)"))
    conn.execute(sql(
        "INSERT INTO posts (id, thread_id, handle_id, body, body_html, created_at, state, "
        "depth, path) VALUES (1, 1, 1, 'x', :html, :when, 'visible', 0, '0000001'), "
        "(2, 1, 1, '', '', :when, 'deleted', 0, '0000002')"),
        {"html": f"<p>Post with {link} &amp; &lt;more&gt;.</p>\n" + "<p>word</p>\n" * 100,
         "when": datetime(2026, 1, 1)})
    conn.execute(sql(
        "INSERT INTO stories (id, title, slug, summary, body, body_html, content_warnings, "
        "handle_id, thread_id, state, noindex, published_at) VALUES (1, 'S', 's', '', 'x', "
        ":html, '', 1, 2, 'published', false, :when)"),
        {"html": f"<h1>Story</h1>\n<p>{link}</p>\n" + "<p>sentence of words</p>\n" * 100,
         "when": datetime(2026, 1, 1)})
    conn.execute(sql("INSERT INTO story_revisions (id, story_id, title, summary, body, "
                     f"created_at) VALUES (1, 1, 'S', '', 'old *text*', '{when}')"))


def test_migration_fills_excerpts_and_rel_and_goes_back(scratch_app):  # noqa: F811
    with scratch_app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS, revision="0004")
        with db.engine.begin() as conn:
            _insert_at_0004(conn)
        flask_migrate.upgrade(directory=MIGRATIONS, revision="0005")
        with db.engine.connect() as conn:
            posts = dict(conn.execute(sql("SELECT id, excerpt FROM posts")).all())
            html_, excerpt = conn.execute(sql("SELECT body_html, excerpt FROM stories")).one()
            post_html = conn.execute(sql("SELECT body_html FROM posts WHERE id = 1")).scalar()
            revision = conn.execute(sql("SELECT body_html FROM story_revisions")).scalar()
        assert posts[2] == ""
        assert posts[1] == text.cut(" ".join(("Post with a link & <more>. " + "word " * 100)
                                             .split()), 240)
        assert len(posts[1]) <= Post.EXCERPT_CHARS and posts[1].endswith("word word…")
        assert excerpt == text.cut(" ".join(("Story a link " + "sentence of words " * 100)
                                            .split()), 600)
        assert len(excerpt) <= Story.EXCERPT_CHARS
        for stored in (html_, post_html):
            assert NEW_REL in stored and OLD_REL not in stored
        # Exactly what rendering the same HTML today gives for it.
        assert excerpt == text.excerpt(html_, Story.EXCERPT_CHARS)
        assert revision == ""
        flask_migrate.downgrade(directory=MIGRATIONS, revision="0004")
        with db.engine.connect() as conn:
            assert OLD_REL in conn.execute(sql("SELECT body_html FROM stories")).scalar()
            post_html = conn.execute(sql("SELECT body_html FROM posts WHERE id = 1")).scalar()
            assert OLD_REL in post_html and NEW_REL not in post_html
        columns = {c["name"] for c in inspect(db.engine).get_columns("posts")}
        assert "excerpt" not in columns


def test_a_revision_saved_before_0005_reads_as_plain_text(ctx, make_browser, parser_calls):
    author = make_user("writer", "Writer")
    story = make_story(author, title="Mine", body="First *version*.")
    stories.update_story(author, story, title="Mine", summary="", body="Second.",
                         warnings=[], group_names=[], now=utcnow())
    old = StoryRevision(story_id=story.id, title="Mine", summary="",
                        body="Older <b>*text*</b>", created_at=utcnow())
    db.session.add(old)
    db.session.commit()
    kept = db.session.scalar(select(StoryRevision).where(StoryRevision.id != old.id))
    assert kept.body_html == "<p>First <em>version</em>.</p>\n"
    urls = [f"/stories/{story.slug}/history/{kept.public_id}",
            f"/stories/{story.slug}/history/{old.public_id}"]
    writer = seed_site.logged_in(make_browser, "writer")
    parser_calls.clear()
    pages = [writer.get(url).get_data(as_text=True) for url in urls]
    assert "<p>First <em>version</em>.</p>" in pages[0]
    assert "<p>Older &lt;b&gt;*text*&lt;/b&gt;</p>" in pages[1]
    assert parser_calls == []
