"""Importing a WordPress blog (WXR): the stories, their comment trees, what stays behind,
and that nobody's email, address or web address reaches the database."""
from __future__ import annotations

import re
import tracemalloc
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text as sql

from forum.clock import utcnow
from forum.extensions import db
from forum.models import (ANONYMOUS, IMPORTED, Follow, Group, Handle, ImportedComment,
                          ImportedStory, Post, Story)
from forum.moderation.actions import ModerationError
from forum.moderation.suspensions import suspend_author
from forum.profiles.deletion import delete_account
from forum.posting import wxr
from forum.posting.from_html import MAX_NESTING, to_markdown
from tests import wxr_files
from tests.factories import PASSWORD, make_user

FIXTURE = Path(__file__).parent / "fixtures" / "blog.wxr"
# Every commenter's email, IP address and web address in the fixture (the blog's own address
# is the story's source, so its host is recorded: it is the importing member's own blog).
IDENTITIES = [
    "jonas.secret@mailbox.example", "jonas-home.example", "203.0.113.41",
    "maren.private@example.com", "198.51.100.7",
    "ruth.hidden@mailbox.example", "ruths-garden.example", "2001:db8::77",
    "spammer@pills.example", "pills.example", "192.0.2.99",
    "wendy@pending.example", "192.0.2.55", "friend@pending.example", "friend.example",
    "192.0.2.56", "pinger.example", "192.0.2.10", "tracker.example", "192.0.2.11",
    "someone@mailbox.example", "192.0.2.77",
]
# Text that must not arrive: the unsafe markup's payloads and what was skipped.
LEFT_BEHIND = ["xss-script-canary", "pwned-script", "iframe-canary", "comment-canary",
               "Spam words canary", "Pending words canary", "pingback words canary",
               "trackback words canary", "Draft words canary", "Page words canary", "me.jpg"]


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(map(str, args)))


def import_fixture(app, *extra, path=FIXTURE):
    return run(app, "import-wxr", path, "--as", "Maren", *extra)


@pytest.fixture
def maren(ctx):
    member = make_user("maren_login", "Maren")
    db.session.add(Group(name="The Fellowship", slug="the-fellowship", description="",
                         created_at=utcnow()))
    db.session.commit()
    return member


def dump() -> str:
    """Every value of every row of every table (the search index's too), as text."""
    out = []
    with db.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(sql(f'SELECT * FROM "{table}"')):
                out.append(" ".join(str(v) for v in row))
    return "\n".join(out)


def row_counts() -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t: conn.execute(sql(f'SELECT count(*) FROM "{t}"')).scalar()
                for t in inspect(conn).get_table_names()}


def tree(story: Story) -> list[tuple[int, str, str, str]]:
    """(depth, author, kind of name, first words) of each post in reading order."""
    rows = db.session.execute(select(Post.depth, Handle.name, Handle.kind, Post.body)
                              .join(Handle, Handle.id == Post.handle_id)
                              .where(Post.thread_id == story.thread_id).order_by(Post.path))
    return [(d, name, kind, body.split(":")[0]) for d, name, kind, body in rows]


def the_story(slug="thirteen-years-inside") -> Story:
    return db.session.scalar(select(Story).where(Story.slug == slug))


def test_a_blog_imports_with_its_tree_closed_and_nothing_unsafe(app, maren):
    result = import_fixture(app, "--group", "the-fellowship")
    assert result.exit_code == 0, result.output
    for line in ("Stories imported: 2 (already imported: 0)",
                 "Comments imported: 7 (already imported: 0)",
                 "Skipped, spam comments: 1", "Skipped, comments waiting for approval: 1",
                 "Skipped, pingbacks: 1", "Skipped, trackbacks: 1",
                 "Skipped, posts not published (draft): 1", "Skipped, items of type page: 1",
                 "Skipped, attachments (media is not imported): 1",
                 "Mapped: category The Fellowship -> group the-fellowship",
                 "Not mapped to any group: tag Leaving (1 post)",
                 "Not mapped to any group: tag Winter (1 post)"):
        assert line in result.output
    story = the_story()
    assert story.handle.name == "Maren" and story.is_published
    assert story.published_at == datetime(2019, 5, 14)
    assert [g.slug for g in story.groups] == ["the-fellowship"]
    html = story.body_html
    # A story's headings carry their ids (forum/text.py, render(headings=True)).
    for kept in ("<strong>nineteen</strong>", "<em>thirty-two</em>",
                 '<h2 id="s-what-it-took">What it took</h2>',
                 "<blockquote>", "<li>my sister</li>", 'href="https://support.example.org/"'):
        assert kept in html
    for gone in ("<script", "<iframe", "<img", "onclick", "alert"):
        assert gone not in html
    assert tree(story) == [
        (0, "Jonas", IMPORTED, "Level one"),
        (1, "Maren", "public", "Level two"),  # the blog's author: the member's own name
        (2, "Ruth from Ohio", IMPORTED, "Level three"),
        (3, "Jonas", IMPORTED, "Level four"),
        # Its parent was waiting for approval and stayed behind: under the nearest kept one.
        (1, "Wendy's friend", IMPORTED, "A reply to the pending one, kept under Jonas."),
    ]
    thread = story.thread
    assert thread.is_locked and thread.lock_reason == "imported closed"
    assert thread.post_count == 5 and thread.last_post_at == datetime(2019, 5, 19)
    # Its writer follows its comments, as on any story of theirs.
    assert db.session.scalar(select(Follow.user_id).where(Follow.thread_id == thread.id)) \
        == maren.id
    # One name per commenter on this story, tied to no account.
    guests = db.session.scalars(select(Handle).where(Handle.kind == IMPORTED)).all()
    assert sorted(h.name for h in guests) == ["Guest", "Jonas", "Ruth from Ohio",
                                             "Wendy's friend"]
    assert all(h.user_id is None and h.thread_id is not None for h in guests)
    second = the_story("second-winter-out")
    assert not second.thread.is_locked
    assert "<p>The second paragraph<br>\nwith a line break.</p>" in second.body_html
    # A guest who gave an email as their name is "Guest"; the author's reply, by their
    # login name, is the member's.
    assert tree(second) == [(0, "Guest", IMPORTED, "Hang in there."),
                            (1, "Maren", "public", "Thank you, I will.")]
    everything = dump()
    for identity in IDENTITIES + LEFT_BEHIND:
        assert identity not in everything, identity


def test_a_second_run_changes_nothing(app, maren):
    assert import_fixture(app).exit_code == 0
    before = row_counts()
    again = import_fixture(app)
    assert again.exit_code == 0, again.output
    assert "Stories imported: 0 (already imported: 2)" in again.output
    assert "Comments imported: 0 (already imported: 7)" in again.output
    assert row_counts() == before


def test_a_dry_run_reports_and_writes_nothing(app, maren):
    before = row_counts()
    result = import_fixture(app, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Stories would be imported: 2" in result.output
    assert "Comments would be imported: 7" in result.output
    assert "Skipped, spam comments: 1" in result.output
    assert row_counts() == before
    # A tag mapped to a group of another name, TERM=SLUG.
    mapped = import_fixture(app, "--dry-run", "--group", "Leaving=the-fellowship").output
    assert "Mapped: tag Leaving -> group the-fellowship" in mapped
    assert "Not mapped to any group: category The Fellowship (1 post)" in mapped


@pytest.mark.parametrize("make, words", [
    (lambda p: wxr_files.truncated(p, FIXTURE), "not well-formed XML"),
    (wxr_files.billion_laughs, "declares a document type or entities"),
    (wxr_files.external_entity, "declares a document type or entities"),
    (lambda p: (p.write_text("<html><body>hello</body></html>"), p)[1],
     "not a WordPress export"),
])
def test_broken_or_hostile_files_are_refused_and_import_nothing(app, maren, tmp_path,
                                                                 make, words):
    before = row_counts()
    result = import_fixture(app, path=make(tmp_path / "bad.wxr"))
    assert result.exit_code != 0
    assert words in result.output and "Traceback" not in result.output
    assert row_counts() == before


def test_the_thread_page_shows_the_imported_names_and_the_closed_notice(app, maren, client):
    assert import_fixture(app).exit_code == 0
    page = client.get("/stories/thirteen-years-inside")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert '<span>Ruth from Ohio</span> <span class="badge">imported</span>' in body
    assert '<span>Jonas</span> <span class="badge">imported</span>' in body
    assert "Level four" in body and "Comments are closed." in body
    assert "imported closed" in body
    assert "alert(" not in body and "iframe-canary" not in body


def test_under_a_pseudonym_the_story_and_the_authors_replies_share_it(app, maren, client):
    assert import_fixture(app, "--pseudonym").exit_code == 0
    story = the_story()
    assert story.handle.kind == ANONYMOUS and story.handle.thread_id == story.thread_id
    assert tree(story)[1] == (1, story.handle.name, ANONYMOUS, "Level two")
    assert "Maren" not in client.get("/stories/thirteen-years-inside").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ImportedStory)) == 2
    # The old blog's links would tie it to the pseudonym: not without the writer's say-so.
    assert client.get("/from-blog/2019/05/thirteen-years-inside/").status_code == 404
    assert run(app, "wxr-redirects").output == ""
    assert len(run(app, "wxr-redirects", "--with-pseudonyms").output.splitlines()) == 2


def test_old_links_lead_to_the_stories(app, maren, client):
    assert import_fixture(app).exit_code == 0
    result = run(app, "wxr-redirects")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "/2019/05/thirteen-years-inside/ http://localhost/stories/thirteen-years-inside;",
        "/?p=105 http://localhost/stories/second-winter-out;",
    ]
    haproxy = run(app, "wxr-redirects", "--format", "haproxy").output
    assert haproxy.splitlines()[1] == "/?p=105 http://localhost/stories/second-winter-out"
    moved = client.get("/from-blog/2019/05/thirteen-years-inside/")
    assert moved.status_code == 301
    assert moved.headers["Location"].endswith("/stories/thirteen-years-inside")
    assert client.get("/from-blog/?p=105").status_code == 301
    assert client.get("/from-blog/never/was/").status_code == 404


def test_unknown_groups_and_suspended_members_are_refused(app, maren):
    result = import_fixture(app, "--group", "no-such-group")
    assert result.exit_code != 0 and "never creates groups" in result.output
    maren.suspended_until = datetime(2999, 1, 1)
    db.session.commit()
    result = import_fixture(app)
    assert result.exit_code != 0 and "suspended" in result.output
    assert db.session.scalar(select(func.count()).select_from(Story)) == 0


@pytest.fixture
def shallow(app_config):
    app_config["MAX_DEPTH"] = 3


def test_replies_past_the_deepest_level_attach_beside_their_parent(shallow, app, maren):
    assert import_fixture(app).exit_code == 0
    assert [(d, words) for d, _, _, words in tree(the_story())] == [
        (0, "Level one"), (1, "Level two"), (2, "Level three"), (2, "Level four"),
        (1, "A reply to the pending one, kept under Jonas.")]


def test_new_comments_on_a_later_export_join_the_tree(app, maren, tmp_path):
    assert import_fixture(app).exit_code == 0
    later = FIXTURE.read_text().replace(
        "<wp:comment_approved><![CDATA[0]]></wp:comment_approved>",
        "<wp:comment_approved><![CDATA[1]]></wp:comment_approved>")
    (tmp_path / "later.wxr").write_text(later)
    result = import_fixture(app, path=tmp_path / "later.wxr")
    assert "Comments imported: 1 (already imported: 7)" in result.output, result.output
    # Approved since: it takes its place under Jonas, and the older reply stays where it was.
    assert (1, "Waiting Wendy", IMPORTED, "Pending words canary.") in tree(the_story())
    assert db.session.scalar(select(func.count()).select_from(ImportedComment)) == 8


def test_reading_a_large_export_holds_one_post_at_a_time(tmp_path):
    path = wxr_files.write_export(tmp_path / "big.wxr", 200, 25)
    tracemalloc.start()
    try:
        posts = comments = 0
        for item in wxr.read(str(path), wxr.Blog()):
            posts, comments = posts + 1, comments + len(item.comments)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (posts, comments) == (200, 5000)
    # The file is about 4 MB; reading it all into a tree would take several times that.
    assert peak < 1_500_000, peak
    assert path.stat().st_size > 3_000_000


def test_html_becomes_the_markdown_a_member_could_have_typed():
    md = to_markdown(
        '<p>One <b>bold</b> [caption id="x"]<img src="a.jpg"> My dog[/caption]</p>'
        '[embed]https://video.example/v[/embed]<h3>Then</h3><p>1. not a list * or _ this</p>'
        '<ol start="2"><li>two</li></ol><p><a href="/rel">rel</a> '
        '<a href="javascript:alert(1)">js</a></p><pre>x <b>y</b></pre>',
        "https://old.example")
    assert md == ("One **bold** My dog\n\n### Then\n\n1\\. not a list \\* or \\_ this\n\n"
                  "2. two\n\n[rel](https://old.example/rel) js\n\n```\nx y\n```")
    # Markup nested past what anyone writes is flattened, not followed down.
    assert to_markdown("<b>" * 20000 + "deep") == "**" * MAX_NESTING + "deep" + "**" * MAX_NESTING
    assert to_markdown("<blockquote>" * 500 + "deep").count(">") == MAX_NESTING


def test_a_moderator_can_hide_an_imported_comment_but_suspends_nobody(app, maren):
    assert import_fixture(app).exit_code == 0
    moderator = make_user("mod_login", "Mod", role="moderator")
    jonas_post = db.session.scalar(select(Post).join(Handle, Handle.id == Post.handle_id)
                                   .where(Handle.name == "Jonas").order_by(Post.id))
    with pytest.raises(ModerationError, match="there is nobody to suspend"):
        suspend_author(moderator, jonas_post, days=3, reason="rude", now=utcnow())


@pytest.fixture
def short_texts(app_config):
    app_config["MAX_BODY_CHARS"] = 150


def test_a_post_over_the_length_limit_is_refused_and_the_rest_imported(short_texts, app,
                                                                       maren):
    dry = import_fixture(app, "--dry-run")
    result = import_fixture(app)
    for output, will in ((dry.output, "would be "), (result.output, "")):
        assert f"Stories {will}imported: 1 (already imported: 0)" in output
        assert "Refused: 'Thirteen years inside': That is" in output
        assert "the limit is 150" in output
    assert result.exit_code == 0
    assert db.session.scalars(select(Story.slug)).all() == ["second-winter-out"]
    # Nothing of the refused post stayed: not its thread, nor its commenters' names.
    assert db.session.scalar(select(func.count()).select_from(Handle)
                             .where(Handle.kind == IMPORTED)) == 1


def test_a_guest_named_like_the_storys_pseudonym_is_set_apart_and_stays_one_name(
        app, maren, tmp_path, monkeypatch):
    monkeypatch.setattr("forum.posting.handles.pseudonym", lambda taken: "Jonas")
    without = re.sub(r"<wp:comment>\s*<wp:comment_id>204</wp:comment_id>.*?</wp:comment>",
                     "", FIXTURE.read_text(), flags=re.S)
    (tmp_path / "earlier.wxr").write_text(without)
    assert import_fixture(app, "--pseudonym", path=tmp_path / "earlier.wxr").exit_code == 0
    result = import_fixture(app, "--pseudonym")
    assert "Comments imported: 1 (already imported: 6)" in result.output, result.output
    assert [(d, name, kind) for d, name, kind, _ in tree(the_story())] == [
        (0, "Jonas (2)", IMPORTED), (1, "Jonas", ANONYMOUS), (2, "Ruth from Ohio", IMPORTED),
        (3, "Jonas (2)", IMPORTED), (1, "Wendy's friend", IMPORTED)]


def test_deleting_the_account_forgets_where_its_stories_came_from(app, maren):
    assert import_fixture(app).exit_code == 0
    delete_account(maren, password=PASSWORD, remove_writing=False, now=utcnow())
    assert db.session.scalar(select(func.count()).select_from(ImportedStory)) == 0
    assert db.session.scalar(select(func.count()).select_from(ImportedComment)) == 0
    everything = dump()
    assert "oldblog.example.net" not in everything and "thirteen-years-inside" not in everything
    # The guests' words stay under the "[deleted]" placeholder, as anyone's comments do.
    assert "Level four" in everything
