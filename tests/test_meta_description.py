"""<meta name="description">: the home page, a story and a board thread say what they are to
search engines; a story kept out of them, anything not public and every member's page say
nothing."""
from __future__ import annotations

import html
import re

import pytest

from forum.clock import utcnow
from forum.extensions import db
from forum.models import Story, Thread, User
from forum.moderation import actions as moderation
from tests.conftest import Browser
from tests.factories import make_board, make_reply, make_story, make_thread, make_user

META_RE = re.compile(r'<meta name="description" content="([^"]*)">')


def descriptions(client, url) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    return [html.unescape(m) for m in META_RE.findall(response.get_data(as_text=True))]


@pytest.fixture
def writer(ctx):
    make_user("mod", "Mod Person", role="moderator")
    return make_user("writer", "Ruth Writer")


def test_the_home_page_says_what_the_site_is(client, writer):
    [text] = descriptions(client, "/")
    assert "high-control groups" in text and text.startswith("Afterward")
    assert len(text) <= 160 and not text.endswith("…")  # whole, not cut


def test_a_story_is_described_by_its_summary_as_plain_text(client, writer):
    story = make_story(writer, title="Out", summary='He said "stay"\n  & <b>we</b> left.',
                       body="The body is not the description.")
    [text] = descriptions(client, f"/stories/{story.slug}")
    assert text == 'He said "stay" & <b>we</b> left.'
    page = client.get(f"/stories/{story.slug}").get_data(as_text=True)
    assert "<b>we</b>" not in page.split("<body")[0]  # escaped in the attribute


def test_a_long_summary_is_cut_at_a_word(client, writer):
    summary = "word " * 30 + "a-very-long-last-word-that-would-be-cut-in-half " * 3
    story = make_story(writer, title="Long", summary=summary)
    [text] = descriptions(client, f"/stories/{story.slug}")
    assert len(text) <= 160 and text.endswith("…")
    assert summary.startswith(text[:-1].rstrip())
    assert text[:-1].rstrip().split()[-1] in summary.split()


def test_a_story_without_a_summary_is_described_by_its_opening(client, writer):
    story = make_story(writer, title="No summary", body="We left on a **Tuesday** in May.")
    [text] = descriptions(client, f"/stories/{story.slug}")
    assert text.startswith("We left on a Tuesday in May")


def test_never_for_a_story_kept_out_of_search_engines(client, writer):
    story = make_story(writer, title="Private-ish", summary="Keep me out", noindex=True)
    response = client.get(f"/stories/{story.slug}")
    assert "noindex" in response.headers["X-Robots-Tag"]
    assert descriptions(client, f"/stories/{story.slug}") == []
    assert "Keep me out" not in response.get_data(as_text=True).split("</head>")[0]


def test_never_for_a_draft_or_a_hidden_story(app, client, writer):
    draft = make_story(writer, title="Draft", summary="Not yet", draft=True)
    hidden = make_story(writer, title="Hidden", summary="Hidden words")
    mod = db.session.scalar(db.select(User).where(User.login_name == "mod"))
    moderation.hide(mod, hidden, reason="spam", now=utcnow())
    draft_slug, hidden_slug = draft.slug, hidden.slug
    author = Browser(app.test_client())
    assert author.login("writer").status_code == 302
    moderator = Browser(app.test_client())
    assert moderator.login("mod").status_code == 302
    assert descriptions(author.client, f"/stories/{draft_slug}") == []
    assert descriptions(moderator.client, f"/stories/{hidden_slug}") == []


def test_a_public_thread_is_described_by_its_title_and_board(client, writer):
    board = make_board("Just left")
    thread = make_thread(writer, board, title="First week outside", body="Everything is loud.")
    make_reply(writer, thread, body="And bright.")
    [text] = descriptions(client, f"/threads/{thread.public_id}")
    assert "First week outside" in text and "Just left" in text
    assert "Everything is loud" not in text


def test_never_for_a_members_or_hidden_thread(app, client, writer):
    members = make_board("Members", audience="members")
    closed = make_thread(writer, members, title="Members only talk")
    board = make_board("Open")
    hidden = make_thread(writer, board, title="Hidden talk")
    mod = db.session.scalar(db.select(User).where(User.login_name == "mod"))
    moderation.hide(mod, hidden, reason="spam", now=utcnow())
    closed_id, hidden_id = closed.public_id, hidden.public_id
    moderator = Browser(app.test_client())
    assert moderator.login("mod").status_code == 302
    assert descriptions(moderator.client, f"/threads/{closed_id}") == []
    assert descriptions(moderator.client, f"/threads/{hidden_id}") == []


@pytest.mark.parametrize("url", ["/settings", "/settings/my-posts", "/notifications",
                                 "/search?q=word", "/auth/login"])
def test_never_on_member_or_private_pages(app, writer, url):
    member = Browser(app.test_client())
    if not url.startswith("/auth"):
        assert member.login("writer").status_code == 302
    assert descriptions(member.client, url) == []


def test_one_description_at_most_per_page(client, writer):
    story = make_story(writer, title="Once", summary="Said once")
    page = client.get(f"/stories/{story.slug}").get_data(as_text=True)
    assert page.count('name="description"') == 1
    assert db.session.scalar(db.select(db.func.count(Story.id))) == 1
    assert db.session.scalar(db.select(db.func.count(Thread.id))) == 1
