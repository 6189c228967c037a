"""Long stories read well: the reading time, a table of contents from the headings, and more
stories about the same group at the end; all stored at write, none of it rendered on a GET."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from forum import text
from forum.clock import utcnow
from forum.extensions import db
from forum.models import Story
from forum.moderation import actions
from tests.factories import make_story, make_user

LONG = "\n\n".join([
    "A beginning, before any heading.",
    "## The first meeting", "word " * 400,
    "### What they said", "word " * 300,
    "## Leaving", "word " * 300,
    "## Leaving", "The same heading twice gets its own id.",
    "# A top heading is not listed", "##### Nor a fifth level",
])


def test_headings_get_stable_unique_prefixed_ids_in_stories_only():
    rendered = text.render(LONG, headings=True)
    assert [(h.level, h.text, h.id) for h in rendered.headings] == [
        (2, "The first meeting", "s-the-first-meeting"), (3, "What they said", "s-what-they-said"),
        (2, "Leaving", "s-leaving"), (2, "Leaving", "s-leaving-2")]
    assert '<h2 id="s-the-first-meeting">The first meeting</h2>' in rendered.html
    assert '<h2 id="s-leaving-2">Leaving</h2>' in rendered.html
    assert "<h1>A top heading is not listed</h1>" in rendered.html
    assert "<h5>Nor a fifth level</h5>" in rendered.html
    # The same text, the same ids: a link to a section keeps working after any other edit.
    assert text.render(LONG, headings=True).html == rendered.html
    # A heading cannot take the id of something on the page around the story.
    sneaky = text.render("## Comments title\n\n## Story title\n\n## p", headings=True)
    assert [h.id for h in sneaky.headings] == ["s-comments-title", "s-story-title", "s-p"]
    assert 'id="comments-title"' not in sneaky.html and 'id="story-title"' not in sneaky.html
    # Words with no ASCII letters still get an id, numbered.
    assert text.render("## ???\n\n## Über", headings=True).headings[0].id == "s-section-1"
    # Posts (many on one page) get no ids at all.
    post = text.render(LONG)
    assert " id=" not in post.html and post.headings == ()
    assert rendered.words == post.words == 1031


def test_the_sanitiser_keeps_ids_on_h2_to_h4_only_and_prefixes_any():
    clean = text.nh3.clean('<h2 id="x">a</h2><p id="y">b</p><h5 id="z">c</h5>',
                           tags=text.ALLOWED_TAGS, attributes=text.HEADING_ATTRIBUTES,
                           id_prefix=text.HEADING_ID_PREFIX)
    assert clean == '<h2 id="s-x">a</h2><p>b</p><h5>c</h5>'


@pytest.fixture
def writer(ctx):
    return make_user("writer", "Writer")


def test_a_long_story_shows_its_reading_time_and_contents(writer, client):
    story = make_story(writer, title="A long one", body=LONG)
    assert story.word_count == 1031
    page = client.get(f"/stories/{story.slug}").get_data(as_text=True)
    assert "5 min read" in page
    nav = re.search(r'<nav class="story-toc" aria-label="Contents of this story">(.*?)</nav>',
                    page, re.S)
    assert nav, page
    assert re.findall(r'href="#([^"]+)">([^<]+)<', nav.group(1)) == [
        ("s-the-first-meeting", "The first meeting"), ("s-what-they-said", "What they said"),
        ("s-leaving", "Leaving"), ("s-leaving-2", "Leaving")]
    assert 'class="toc-level-3"' in nav.group(1)
    for anchor in ("s-the-first-meeting", "s-what-they-said", "s-leaving", "s-leaving-2"):
        assert page.count(f'id="{anchor}"') == 1


def test_a_short_story_has_no_contents_and_a_minute(writer, client):
    story = make_story(writer, title="A short one",
                       body="## One\n\nA few words.\n\n## Two\n\nAnd a few more.")
    page = client.get(f"/stories/{story.slug}").get_data(as_text=True)
    assert "1 min read" in page
    assert "story-toc" not in page


def test_stories_from_before_get_their_aids_from_the_command_or_the_next_edit(
        app, writer, make_browser):
    first = make_story(writer, title="Old one", body=LONG)
    second = make_story(writer, title="Old two", body=LONG)
    db.session.execute(update(Story).values(word_count=None, toc=None,
                                            body_html="<p>as it was</p>"))
    db.session.commit()
    page = make_browser().get(f"/stories/{first.slug}").get_data(as_text=True)
    assert "min read" not in page and "story-toc" not in page
    # The next edit renders it again, even with the same text.
    person = make_browser()
    person.login("writer")
    assert person.submit(f"/stories/{second.slug}/edit",
                         {"title": "Old two", "body": LONG}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Story, second.id).word_count == 1031
    # The command does the rest, and again does nothing.
    result = app.test_cli_runner().invoke(args=["stories", "reading-aids"])
    assert result.exit_code == 0 and "Stories rendered again: 1." in result.output
    result = app.test_cli_runner().invoke(args=["stories", "reading-aids"])
    assert "Stories rendered again: 0." in result.output
    db.session.expire_all()
    page = make_browser().get(f"/stories/{first.slug}").get_data(as_text=True)
    assert "5 min read" in page and 'href="#s-leaving-2"' in page


def test_more_from_this_group_is_newest_first_without_this_or_unlisted_ones(
        writer, client, count_queries):
    base = utcnow()
    made = [make_story(writer, title=f"Fellowship {n}", body=f"Story {n}.",
                       group_names=["The Fellowship"], now=base + timedelta(minutes=n))
            for n in range(7)]
    other = make_story(writer, title="Circle only", group_names=["The Circle"],
                       now=base + timedelta(minutes=30))
    draft = make_story(writer, title="Fellowship draft", group_names=["The Fellowship"],
                       draft=True, now=base + timedelta(minutes=40))
    actions.hide(make_user("mod", "Mod", role="moderator"), db.session.get(Story, made[6].id),
                 reason="Off topic.", now=utcnow())
    page = client.get(f"/stories/{made[0].slug}").get_data(as_text=True)
    section = page[page.index('<section class="more-from-group"'):]
    section = section[:section.index("</section>")]
    assert "More from this group" in section
    titles = re.findall(r">(Fellowship \d)</a>", section)
    assert titles == ["Fellowship 5", "Fellowship 4", "Fellowship 3", "Fellowship 2"]
    for absent in ("Fellowship 0", "Fellowship 6", "Circle only", draft.title):
        assert absent not in section
    assert "more-from-group" not in client.get(f"/stories/{other.slug}").get_data(as_text=True)
    # In the story's own statement: the page costs what it cost before.
    for story in (made[0], other):
        client.get(f"/stories/{story.slug}")
        with count_queries() as statements:
            assert client.get(f"/stories/{story.slug}").status_code == 200
        # The story with all it shows, and the page of its comments (as tests/test_stories.py).
        assert len(statements) == 2, statements


def test_no_get_renders_the_story(writer, client, monkeypatch):
    story = make_story(writer, title="A long one", body=LONG, group_names=["The Fellowship"])
    make_story(writer, title="Another", group_names=["The Fellowship"])

    def refuse(*args, **kwargs):
        raise AssertionError("a GET rendered Markdown")
    monkeypatch.setattr(text, "render", refuse)
    page = client.get(f"/stories/{story.slug}").get_data(as_text=True)
    assert "5 min read" in page and "Another" in page and "story-toc" in page


def test_many_headings_of_the_same_words_cost_the_budget_not_more():
    """Each heading's id is found in a step or two, whatever came before, and counted in the
    budget: thousands of the same heading stay within it, or become plain text."""
    same = text.render("## Again\n\n" * 1000, headings=True)
    assert same.headings[-1].id == "s-again-60" and len(same.headings) == text.TOC_MAX
    assert same.html.count(' id="s-again') == 1000
    assert 'id="s-again-1000"' in same.html
    many = text.render("## Again\n" * 5000, headings=True)
    assert not many.formatted and many.headings == ()


def test_a_story_preview_shows_the_ids_it_will_be_stored_with(writer, make_browser):
    person = make_browser()
    person.login("writer")
    page = person.submit("/stories/new", {"title": "Parts", "body": LONG, "action": "preview"})
    assert 'id="s-leaving-2"' in page.get_data(as_text=True)
