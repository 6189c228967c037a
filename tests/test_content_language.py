"""Writing in one's own language (issue 23): a story or a discussion says what language it is
written in, chosen when it is written (the writer's interface language first); its pages mark
its words with lang= for screen readers; the story index lists one language; search stems a
story, a thread and their posts in their own language on PostgreSQL. All through HTTP, as a browser does it."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from forum.clock import utcnow
from forum.extensions import db
from forum.models import Post, Story, Thread
from forum.posting import stories
from tests.factories import make_board, make_reply, make_story, make_thread, make_user

OPTION_RE = re.compile(r'<option([^>]*)>')


def selected_language(page: str) -> str:
    """The option chosen in the page's language select."""
    select_html = re.search(r'<select[^>]*name="language".*?</select>', page, re.S)
    assert select_html, "no language choice on the form"
    found = [re.search(r'value="(\w+)"', attrs).group(1)
             for attrs in OPTION_RE.findall(select_html.group(0)) if " selected" in attrs]
    assert len(found) == 1, select_html.group(0)
    return found[0]


@pytest.fixture
def writer(person):
    person.register("writer", handle="Maren")
    return person


def _slug(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response.headers["Location"].rsplit("/", 1)[-1]


# --- writing ------------------------------------------------------------------------------

def test_the_story_form_offers_the_languages_starting_with_the_writers(writer, client):
    page = writer.get("/stories/new").get_data(as_text=True)
    assert selected_language(page) == "en"
    # Each language named in itself, and marked so for a screen reader.
    assert re.search(r'<option[^>]*lang="de"[^>]*>Deutsch</option>', page)
    assert re.search(r'<option[^>]*lang="es"[^>]*>Español</option>', page)
    client.set_cookie("lang", "de")  # the language switcher's cookie: pages in German
    assert selected_language(writer.get("/stories/new").get_data(as_text=True)) == "de"


def test_a_story_is_saved_in_its_language_and_its_page_says_so(writer, client, ctx):
    slug = _slug(writer.submit("/stories/new", {
        "title": "Die Gruppe", "summary": "Wie ich ging.", "language": "de",
        "body": "Die Erinnerung an die Gruppe bleibt.", "warnings": ["abuse"]}))
    story = db.session.scalar(select(Story).where(Story.slug == slug))
    assert story.language == "de" and story.thread.language == "de"
    make_reply(make_user(), story.thread, body="Danke für deinen Bericht.")
    page = client.get(f"/stories/{slug}").get_data(as_text=True)
    assert '<h1 id="story-title" lang="de">Die Gruppe</h1>' in page
    assert '<p class="summary" lang="de">Wie ich ging.</p>' in page
    assert '<div class="story-body" lang="de"><p>Die Erinnerung' in page
    # The comments answer the story: marked in its language, not the page's.
    assert '<div class="post-body" lang="de"><p>Danke für deinen Bericht.</p>' in page
    assert '<html lang="en"' in page  # the page's own words stay in the reader's language


def test_a_form_without_the_choice_writes_in_the_interface_language(writer, client, ctx):
    client.set_cookie("lang", "es")
    slug = _slug(writer.submit("/stories/new", {"title": "Sin elegir", "body": "Texto."}))
    assert db.session.scalar(select(Story.language).where(Story.slug == slug)) == "es"


def test_an_unknown_language_is_refused_with_the_text_kept(writer, ctx):
    r = writer.submit("/stories/new", {"title": "Odd", "body": "My words stay.",
                                       "language": "xx"})
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert "My words stay." in page and "Please choose one of the languages listed." in page
    assert db.session.scalar(select(Story.id)) is None


def test_editing_changes_the_language_and_the_kept_comment_trees_follow(writer, make_browser,
                                                                      ctx):
    slug = _slug(writer.submit("/stories/new", {"title": "Mixed up", "body": "Escrito.",
                                                "language": "en"}))
    story = db.session.scalar(select(Story).where(Story.slug == slug))
    make_reply(make_user(), story.thread, body="Un comentario.")
    db.session.commit()
    visitor, member = make_browser(), make_browser()
    member.register("reader")
    # Each page puts its tree in this process's copies (a visitor's, a member's) ...
    for reader in (visitor, member, writer):
        page = reader.get(f"/stories/{slug}").get_data(as_text=True)
        assert '<div class="post-body" lang="en"><p>Un comentario.</p>' in page
    edit = writer.get(f"/stories/{slug}/edit").get_data(as_text=True)
    assert selected_language(edit) == "en"
    r = writer.submit(f"/stories/{slug}/edit", {"title": "Mixed up", "body": "Escrito.",
                                               "language": "es"})
    assert r.status_code == 302
    assert selected_language(writer.get(f"/stories/{slug}/edit").get_data(as_text=True)) == "es"
    # ... and no reader is served a copy with the old language: no post's text changed, the
    # thread's language did.
    for reader in (visitor, member, writer):
        page = reader.get(f"/stories/{slug}").get_data(as_text=True)
        assert '<div class="story-body" lang="es">' in page
        assert '<div class="post-body" lang="es"><p>Un comentario.</p>' in page


def test_an_edit_form_without_the_choice_keeps_the_language(writer, ctx):
    slug = _slug(writer.submit("/stories/new", {"title": "Bleibt", "body": "Deutsch.",
                                                "language": "de"}))
    assert writer.submit(f"/stories/{slug}/edit",
                         {"title": "Bleibt", "body": "Immer noch."}).status_code == 302
    assert db.session.scalar(select(Story.language).where(Story.slug == slug)) == "de"


def test_a_draft_keeps_its_language_until_published(writer, client, ctx):
    r = writer.submit("/stories/new", {"title": "Entwurf", "body": "Noch nicht.",
                                       "language": "de", "action": "draft"})
    assert r.status_code == 302
    story = db.session.scalar(select(Story))
    assert story.is_draft and story.language == "de"
    edit = writer.get(r.headers["Location"]).get_data(as_text=True)
    assert selected_language(edit) == "de"


def test_a_new_thread_is_written_in_the_language_chosen(writer, client, ctx):
    make_board("General")
    client.set_cookie("lang", "de")
    form = writer.get("/boards/general/new").get_data(as_text=True)
    assert selected_language(form) == "de"
    r = writer.submit("/boards/general/new", {"title": "Hola a todos",
                                              "body": "Acabo de salir.", "language": "es"})
    assert r.status_code == 302
    thread = db.session.scalar(select(Thread).where(Thread.title == "Hola a todos"))
    assert thread.language == "es"
    client.delete_cookie("lang")
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert '<span lang="es">Hola a todos</span>' in page
    assert '<div class="post-body" lang="es"><p>Acabo de salir.</p>' in page
    board = client.get("/boards/general").get_data(as_text=True)
    assert re.search(r'<a href="[^"]+" lang="es">Hola a todos</a>', board)


def test_imports_and_code_without_a_choice_write_english(ctx):
    writer = make_user()
    story = make_story(writer)
    thread = make_thread(writer, make_board())
    db.session.expire_all()
    assert story.language == "en" and story.thread.language == "en"
    assert thread.language == "en"


# --- reading: lists -----------------------------------------------------------------------

@pytest.fixture
def stories_in_three_languages(ctx):
    writer = make_user("writer", "Writer")
    made = {}
    for n in range(3):
        for code in ("en", "de", "es"):
            made.setdefault(code, []).append(
                make_story(writer, title=f"Story {code} {n}", body=f"Text {n}.", language=code,
                           summary=f"Summary {code} {n}").slug)
    db.session.commit()
    return made


def _titles(page: str) -> list[str]:
    return re.findall(r'<li class="card">\s*<h2[^>]*><a href="[^"]+">(Story \w+ \d)</a>', page)


def test_the_story_index_lists_one_language_with_its_choice_in_the_page_links(
        app, client, stories_in_three_languages):
    everything = client.get("/stories/").get_data(as_text=True)
    assert len(_titles(everything)) == 9
    assert '<h2 lang="de"><a href="/stories/story-de-2">Story de 2</a></h2>' in everything
    assert '<p lang="es">Summary es 1</p>' in everything
    # The choice, without a script: links, each language named in itself.
    assert re.search(r'<a href="/stories/\?language=de" lang="de" hreflang="de">Deutsch</a>',
                     everything)
    assert re.search(r'<a href="/stories/" aria-current="page">All languages</a>', everything)

    app.config["ITEMS_PER_PAGE"] = 2
    page = client.get("/stories/?language=de").get_data(as_text=True)
    assert _titles(page) == ["Story de 2", "Story de 1"]
    assert re.search(r'aria-current="page">Deutsch</a>', page)
    following = re.search(r'href="([^"]*)" rel="next"', page).group(1).replace("&amp;", "&")
    assert "language=de" in following and "after=" in following
    assert _titles(client.get(following).get_data(as_text=True)) == ["Story de 0"]
    # A language the site does not have lists them all.
    assert len(_titles(client.get("/stories/?language=xx").get_data(as_text=True))) == 2


def test_the_home_page_and_a_profile_mark_listed_titles(client, ctx):
    writer = make_user("ana", "Ana")
    make_story(writer, title="Mi historia", language="es")
    make_thread(writer, make_board(), title="Ein Anfang", language="de")
    db.session.commit()
    home = client.get("/").get_data(as_text=True)
    assert re.search(r'<h3 lang="es"><a href="[^"]+">Mi historia</a>', home)
    assert re.search(r'<a href="[^"]+" lang="de">Ein Anfang</a>', home)
    profile = client.get("/u/Ana").get_data(as_text=True)
    assert re.search(r'<h3 lang="es"><a href="[^"]+">Mi historia</a>', profile)


# --- no statement more for any of it ------------------------------------------------------

def test_the_pages_cost_no_statement_more(client, count_queries, stories_in_three_languages):
    writer = db.session.scalar(select(Story)).handle.user
    thread = make_thread(writer, make_board(), title="Ein Faden", language="de")
    make_reply(make_user(), thread, body="Eine Antwort.")
    db.session.commit()
    pages = {"index": "/stories/", "one language": "/stories/?language=de",
             "story": f"/stories/{stories_in_three_languages['de'][0]}",
             "thread": f"/threads/{thread.public_id}"}
    counts = {}
    for name, url in pages.items():
        client.get(url)  # the first showing fills what is kept
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        counts[name] = len(statements)
    # As tests/test_page_statements.py counts them for a visitor: the index in one
    # statement, with or without a language; a story or a thread page in one.
    assert counts == {"index": 1, "one language": 1, "story": 1, "thread": 1}


# --- search -------------------------------------------------------------------------------

def _found(client, q) -> list[str]:
    page = client.get("/search", query_string={"q": q}).get_data(as_text=True)
    return re.findall(r'<li class="search-result story">\s*<h2><a href="/stories/([^"]+)"', page)


def test_search_finds_a_story_by_its_own_words_in_any_language(client, ctx):
    writer = make_user()
    german = make_story(writer, title="Nach der Gruppe", language="de",
                        body="Die Erinnerung an die Gruppe kommt nachts.").slug
    english = make_story(writer, title="After the meetings", body="I still remember them.").slug
    db.session.commit()
    assert _found(client, "Erinnerung") == [german]  # on every database
    # Its title and excerpt marked in its language among the results.
    page = client.get("/search", query_string={"q": "Erinnerung"}).get_data(as_text=True)
    assert f'<h2><a href="/stories/{german}" lang="de">Nach der Gruppe</a></h2>' in page
    assert '<p class="excerpt" lang="de">' in page
    assert _found(client, "meetings") == [english]
    client.set_cookie("lang", "de")  # whatever the reader's language
    assert _found(client, "meetings") == [english]


def _postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def test_postgresql_stems_a_story_in_its_own_language(client, ctx):
    if not _postgresql():
        pytest.skip("stemming by language is PostgreSQL's (SQLite's index stems English)")
    writer = make_user()
    german = make_story(writer, title="Nach der Gruppe", language="de",
                        body="Die Erinnerung an die Gruppe kommt nachts.").slug
    spanish = make_story(writer, title="Mis recuerdos", language="es",
                         body="Las reuniones del grupo eran largas.").slug
    english = make_story(writer, title="After the meetings", body="I still remember them.").slug
    thread = make_thread(writer, make_board(), title="Unsere Gruppen", language="de")
    db.session.commit()
    # German word forms find the German story: "Gruppen" its "Gruppe", "Erinnerungen" its
    # "Erinnerung"; Spanish ones the Spanish story; English stems work as before.
    assert _found(client, "Gruppen") == [german]
    assert _found(client, "Erinnerungen") == [german]
    assert _found(client, "reunión") == [spanish]
    assert _found(client, "recuerdo") == [spanish]
    assert _found(client, "meeting") == [english]
    # For a reader whose pages are in English as for one whose pages are in Spanish.
    client.set_cookie("lang", "es")
    assert _found(client, "Erinnerungen") == [german]
    # A thread's title is stemmed in its language too.
    page = client.get("/search", query_string={"q": "Gruppe"}).get_data(as_text=True)
    assert f"/threads/{thread.public_id}" in page
    # Changing a story's language stems it again (the row's generated vector, and the recent
    # table's copy through its trigger): in German, "meetings" is 'meeting', never 'meet'.
    assert _found(client, "meet") == [english]
    story = db.session.scalar(select(Story).where(Story.slug == english))
    story.language = "de"
    db.session.commit()
    assert _found(client, "meet") == []
    assert _found(client, "meetings") == [english]


# --- posts: their thread's language -------------------------------------------------------

def _post_languages(thread) -> list[str]:
    return list(db.session.scalars(select(Post.language).where(Post.thread_id == thread.id)
                                   .order_by(Post.path)))


def test_a_post_is_written_in_its_threads_language(ctx):
    writer = make_user()
    thread = make_thread(writer, make_board(), title="Ein Anfang", body="Wo fange ich an?",
                         language="de")
    make_reply(make_user(), thread, body="Die Gruppe hat uns getrennt.")
    story = make_story(writer, title="Mi historia", language="es")
    make_reply(make_user(), story.thread, body="Gracias.")
    english = make_thread(writer, make_board("Other"), title="Hello")
    make_reply(make_user(), english, body="Hi.")
    db.session.commit()
    db.session.expire_all()
    assert _post_languages(thread) == ["de", "de"]  # the first post and the reply
    assert _post_languages(story.thread) == ["es"]
    assert _post_languages(english) == ["en", "en"]


def test_editing_a_storys_language_moves_its_comments_in_one_statement(writer, count_queries,
                                                                      ctx):
    slug = _slug(writer.submit("/stories/new", {"title": "Moving", "body": "Written.",
                                                "language": "en"}))
    story = db.session.scalar(select(Story).where(Story.slug == slug))
    make_reply(make_user(), story.thread, body="Un comentario.")
    make_reply(make_user(), story.thread, body="Otro.")
    db.session.commit()
    edit = {"title": "Moving", "body": "Written.", "language": "es"}
    with count_queries() as statements:
        assert writer.submit(f"/stories/{slug}/edit", edit).status_code == 302
    moves = [s for s in statements if s.lstrip().upper().startswith("UPDATE POSTS")]
    assert len(moves) == 1 and "thread_id" in moves[0]
    db.session.expire_all()
    assert _post_languages(story.thread) == ["es", "es"]
    # Saved again in the same language: no post is touched.
    with count_queries() as statements:
        assert writer.submit(f"/stories/{slug}/edit", edit).status_code == 302
    assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE POSTS")]


def _post_hits(client, q) -> list[str]:
    page = client.get("/search", query_string={"q": q}).get_data(as_text=True)
    return re.findall(r'<li class="search-result post">\s*<h2><a href="/posts/([^"]+)"', page)


def test_postgresql_stems_a_post_in_its_threads_language(client, ctx):
    if not _postgresql():
        pytest.skip("stemming by language is PostgreSQL's (SQLite's index stems English)")
    writer = make_user()
    thread = make_thread(writer, make_board(), title="Ein Anfang", body="Wo fange ich an?",
                         language="de")
    reply = make_reply(make_user(), thread, body="Die Gruppe hat uns unter Tränen getrennt.")
    story = make_story(writer, title="Moving on", body="It ended.")
    comment = make_reply(make_user(), story.thread, body="Es gab viele Tränen.")
    db.session.commit()
    # "Träne" is 'tran' in German, as "Tränen" is; in English "Tränen" stays 'tränen', so the
    # English story's comment is not found by it.
    assert _post_hits(client, "Träne") == [reply.public_id]
    # (And "Gruppen" finds the reply; it would in English too: there "Gruppe" is 'grupp',
    # which the German form of the reader's words matches.)
    assert _post_hits(client, "Gruppen") == [reply.public_id]
    # A story's comments are stemmed again when its writer changes its language (the rows'
    # vectors, and the recent table's copies through its trigger).
    stories.update_story(writer, story, title=story.title, summary="", body=story.body,
                         warnings=[], group_names=[], now=utcnow(), language="de")
    assert sorted(_post_hits(client, "Träne")) == sorted([reply.public_id, comment.public_id])
