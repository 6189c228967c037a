"""Search: finds stories, threads and posts by their words, ranked, a page at a time, and
never shows what readers may not see or ties an anonymous name to anyone."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import inspect, select, text

from forum.clock import utcnow
from forum.extensions import db
from forum.models import Board, Post, Story, User
from forum.moderation import actions as moderation
from forum.posting import replies
from forum.search import index as search_index
from forum.search import query as search_query
from tests.conftest import Browser
from tests.factories import make_board, make_reply, make_story, make_thread, make_user

RESULT_RE = re.compile(r'<li class="search-result (story|thread|post)">\s*<h2><a href="([^"]+)"')
NEXT_RE = re.compile(r'href="(/search\?[^"]*after=[^"]+)" rel="next"')


def results(client, q, **args):
    """The (kind, url) of each result on one results page, and the next page's link."""
    response = client.get("/search", query_string={"q": q, **args})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    nxt = NEXT_RE.search(page)
    return RESULT_RE.findall(page), (nxt.group(1).replace("&amp;", "&") if nxt else None)


def urls(client, q):
    return [url for _, url in results(client, q)[0]]


def walk_pages(client, q) -> list[str]:
    """The result urls of every page of a search, following "next" links to the end."""
    paged, url = [], None
    first, url = results(client, q)
    paged += [u for _, u in first]
    while url:
        page = client.get(url).get_data(as_text=True)
        paged += [u for _, u in RESULT_RE.findall(page)]
        nxt = NEXT_RE.search(page)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
    return paged


@pytest.fixture
def people(ctx):
    alice = make_user("alice", "Alice Marsh")
    bob = make_user("bob", "Bob Reed")
    mod = make_user("mod", "Mod Person", role="moderator")
    board = make_board()
    return {"alice": alice.id, "bob": bob.id, "mod": mod.id, "board": board.id}


def _get(model, id_):
    return db.session.get(model, id_)


def on_own_connection(work) -> None:
    """Run index DDL on a connection of its own, as migrations and commands do. The test's
    session ends its transaction first: PostgreSQL would hold the DDL behind its read locks."""
    db.session.commit()
    work(db.engine)


def post_urls(*row_ids) -> list[str]:
    """The addresses search results give these posts (named here by row id)."""
    public = dict(db.session.execute(
        select(Post.id, Post.public_id).where(Post.id.in_(row_ids))).all())
    return [f"/posts/{public[i]}" for i in row_ids]


# --- finding things ---------------------------------------------------------------------

def test_search_page_and_header_form(client):
    response = client.get("/search")
    assert response.status_code == 200
    assert 'role="search"' in response.get_data(as_text=True)
    assert "noindex" in response.headers["X-Robots-Tag"]
    assert 'action="/search"' in client.get("/").get_data(as_text=True)


def test_finds_stories_threads_and_posts_by_their_words(ctx, client, people):
    alice, bob = _get(User, people["alice"]), _get(User, people["bob"])
    board = _get(Board, people["board"])
    story = make_story(alice, title="Leaving the compound", summary="How the orchard ended",
                       body="We walked out before dawn, past the greenhouses.")
    thread = make_thread(bob, board, title="Lighthouse meetings", body="Anyone else?")
    post = make_reply(bob, story.thread, body="The greenhouses haunted me too, honestly.")
    slug, thread_id, post_id = story.slug, thread.public_id, post.public_id
    assert urls(client, "compound") == [f"/stories/{slug}"]
    assert urls(client, "orchard") == [f"/stories/{slug}"]
    assert urls(client, "lighthouse") == [f"/threads/{thread_id}"]
    assert urls(client, "haunted") == [f"/posts/{post_id}"]
    # Stemmed on both engines: "greenhouse" finds "greenhouses", in the story and the comment.
    assert sorted(urls(client, "greenhouse")) == sorted([f"/stories/{slug}", f"/posts/{post_id}"])
    # Every word must match.
    assert urls(client, "greenhouses haunted") == [f"/posts/{post_id}"]
    assert urls(client, "greenhouses zebra") == []
    # The link to a post leads to it.
    assert client.get(f"/posts/{post_id}").headers["Location"].endswith(f"#p{post_id}")


def test_results_show_day_dates_and_escaped_excerpts(ctx, client, people):
    alice = _get(User, people["alice"])
    story = make_story(alice, title="Plain title", body="Before <script>alert(1)</script> "
                       "the *quartz* meeting, after.", now=utcnow().replace(hour=13, minute=7))
    published = story.published_at
    page = client.get("/search?q=quartz").get_data(as_text=True)
    assert "<mark>quartz</mark>" in page
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert f'datetime="{published:%Y-%m-%d}"' in page
    assert "13:07" not in page


def test_editing_and_deleting_keep_the_index_current(ctx, client, people):
    bob = _get(User, people["bob"])
    thread = make_thread(bob, _get(Board, people["board"]), title="A question")
    post = make_reply(bob, thread, body="Original words about marmalade.")
    replies.edit_post(bob, post, "Rewritten words about porridge.", now=utcnow())
    post_id, row_id = post.public_id, post.id
    assert urls(client, "marmalade") == []
    assert urls(client, "porridge") == [f"/posts/{post_id}"]
    replies.delete_post(_get(User, people["bob"]), _get(Post, row_id), now=utcnow())
    assert urls(client, "porridge") == []


# --- ranking and pages ------------------------------------------------------------------

def test_title_matches_rank_above_passing_mentions(ctx, client, people):
    alice, bob = _get(User, people["alice"]), _get(User, people["bob"])
    board = _get(Board, people["board"])
    filler = " ".join(["We talked about many other things that evening."] * 20)
    thread = make_thread(bob, board, title="General chat", body="Hello all.")
    mention = make_reply(bob, thread, body=f"{filler} Someone said shunning once. {filler}")
    story = make_story(alice, title="Shunning", summary="What shunning did to us",
                       body="Shunning is the word for it. Shunning took my family.")
    slug, mention_id = story.slug, mention.public_id
    assert urls(client, "shunning") == [f"/stories/{slug}", f"/posts/{mention_id}"]


def test_results_page_by_keyset_with_an_id_cursor(app, ctx, client, people):
    bob = _get(User, people["bob"])
    thread = make_thread(bob, _get(Board, people["board"]), title="Lanterns")
    ids = set()
    # Some identical (tied ranks, ordered by id), some more relevant than others.
    for i in range(45):
        body = "lantern " * (1 + i % 3) + "in the window" + (" again" * (i % 5))
        ids.add(make_reply(bob, thread, body=body).public_id)
    seen, url, pages = [], None, 0
    per_page = app.config["ITEMS_PER_PAGE"]
    while True:
        if url is None:
            found, url = results(client, "lantern")
        else:
            response = client.get(url)
            assert response.status_code == 200
            page = response.get_data(as_text=True)
            found = RESULT_RE.findall(page)
            nxt = NEXT_RE.search(page)
            url = nxt.group(1).replace("&amp;", "&") if nxt else None
        pages += 1
        seen += [u for _, u in found if u.startswith("/posts/")]
        assert len(found) <= per_page
        if url is None:
            break
        # The cursor names the last result shown: its public id, never a row id, a timestamp
        # or a rank.
        assert re.search(r"after=[stp][a-z][a-z0-9]{11}(&|$)", url), url
    assert pages == 3
    assert len(seen) == len(set(seen)) == 45
    assert {u.rsplit("/", 1)[1] for u in seen} == ids


def test_ranking_is_the_same_across_pages(app, ctx, client, people):
    """Reading page by page gives the same order as one long page would."""
    bob = _get(User, people["bob"])
    thread = make_thread(bob, _get(Board, people["board"]), title="Kites")
    for i in range(30):
        make_reply(bob, thread, body="kite " * (1 + i % 7) + "string " * (i % 4))
    app.config["ITEMS_PER_PAGE"] = 100
    everything = urls(client, "kite")
    app.config["ITEMS_PER_PAGE"] = 7
    paged = walk_pages(client, "kite")
    assert paged == everything and len(paged) == 31  # the title, and 30 posts


def test_only_the_newest_matches_of_each_kind_are_ranked(ctx, client, people, monkeypatch):
    """Ranking reads every candidate, so a very common word ranks among its recent uses."""
    bob = _get(User, people["bob"])
    thread = make_thread(bob, _get(Board, people["board"]), title="Weather")
    oldest = make_reply(bob, thread, body="puffin puffin puffin puffin puffin").id
    newer = [make_reply(bob, thread, body=f"a puffin, once, in {n} words or so").id
             for n in range(4)]
    monkeypatch.setattr(search_query, "WINDOW", 10)
    assert urls(client, "puffin")[0] == post_urls(oldest)[0]
    monkeypatch.setattr(search_query, "WINDOW", 3)
    assert sorted(urls(client, "puffin")) == sorted(post_urls(*newer[1:]))


@pytest.fixture
def few_recent(ctx):
    """Recent tables of 4 posts, and 2 matches there are enough to rank a word on them."""
    saved = dict(search_index.RECENT_INDEXED), search_query.MIN_RECENT
    search_index.RECENT_INDEXED[search_index.POST], search_query.MIN_RECENT = 4, 2
    on_own_connection(search_index.rebuild)  # the size is part of the triggers
    yield
    search_index.RECENT_INDEXED.update(saved[0])
    search_query.MIN_RECENT = saved[1]
    on_own_connection(search_index.rebuild)


def _recent_post_ids():
    column = "rowid" if db.engine.dialect.name == "sqlite" else "id"
    return {row[0] for row in db.session.execute(
        text(f"SELECT {column} "  # nosec B608
             f"FROM {search_index.RECENT_TABLES[search_index.POST]}"))}


def test_a_common_word_ranks_among_recent_posts_a_rare_one_among_all(ctx, client, people,
                                                                      few_recent):
    bob = _get(User, people["bob"])
    thread = make_thread(bob, _get(Board, people["board"]), title="Birdwatching")
    oldest = make_reply(bob, thread, body="heron heron heron heron, and one egret").id
    older = [make_reply(bob, thread, body=f"a heron, seen {n}").id for n in range(3)]
    newer = [make_reply(bob, thread, body=f"a heron, noted {n}").id for n in range(2)]
    newer += [make_reply(bob, thread, body="nothing to report").id for _ in range(2)]
    # Only the 4 newest posts are in the recent table, whatever was there before.
    assert _recent_post_ids() == set(newer)
    # "heron" matches twice there: enough, so the best heron of all, older, is not ranked.
    assert sorted(urls(client, "heron")) == sorted(post_urls(*newer[:2]))
    # "egret" matches nowhere recent: its newest matches of any age are.
    assert urls(client, "egret") == post_urls(oldest)
    # Below MIN_RECENT recent matches, all of them count again.
    replies.edit_post(_get(User, people["bob"]), _get(Post, newer[0]), "a crane, noted",
                      now=utcnow())
    assert _recent_post_ids() == set(newer)
    found = urls(client, "heron")
    assert found[0] == post_urls(oldest)[0]
    assert sorted(found) == sorted(post_urls(oldest, *older, newer[1]))
    assert urls(client, "crane") == post_urls(newer[0])


def test_the_recent_tables_follow_edits_and_deletions(ctx, client, people, few_recent):
    bob = _get(User, people["bob"])
    thread = make_thread(bob, _get(Board, people["board"]), title="Ponds")
    ids = [make_reply(bob, thread, body=f"newt number {n}").id for n in range(6)]
    assert _recent_post_ids() == set(ids[2:])
    replies.delete_post(bob, _get(Post, ids[-1]), now=utcnow())
    replies.edit_post(bob, _get(Post, ids[-2]), "a toad instead", now=utcnow())
    db.session.execute(text("DELETE FROM posts WHERE id = :id"), {"id": ids[-3]})
    db.session.commit()
    assert _recent_post_ids() == set(ids[2:-3]) | set(ids[-2:])
    # One recent "newt" is left, fewer than MIN_RECENT: the full index answers, without the
    # post deleted outright or the one emptied by deleting it.
    assert sorted(urls(client, "newt")) == sorted(post_urls(*ids[:3]))
    assert urls(client, "toad") == post_urls(ids[-2])
    on_own_connection(search_index.rebuild)  # refilled from the posts as they are now
    assert _recent_post_ids() == set(ids[2:-3]) | set(ids[-2:])


@pytest.mark.parametrize("recent_matches", [0, 3])
def test_pages_follow_one_ranking_from_the_recent_or_the_full_index(app, ctx, client, people,
                                                                   few_recent, recent_matches):
    """Later pages rank their cursor on the same table as the first page did."""
    bob = _get(User, people["bob"])
    thread = make_thread(bob, _get(Board, people["board"]), title="Skylarks")
    for i in range(12):
        make_reply(bob, thread, body="lark " * (1 + i % 4) + "over the field")
    for i in range(4):
        make_reply(bob, thread, body="lark, late" if i < recent_matches else "quiet now")
    app.config["ITEMS_PER_PAGE"] = 100
    everything = urls(client, "lark")
    assert len(everything) == (recent_matches if recent_matches >= 2 else 12)
    app.config["ITEMS_PER_PAGE"] = 2
    paged = walk_pages(client, "lark")
    assert paged == everything


@pytest.mark.parametrize("after", ["2026-01-01", "12", "x1", "p", "p-1", "p" + "9" * 11,
                                   "p1 OR 1=1", "s1"])
def test_bad_cursors_are_not_found(client, after):
    response = client.get("/search", query_string={"q": "anything", "after": after})
    assert response.status_code == 404


def test_a_cursor_naming_no_visible_match_is_not_found(ctx, client, people):
    """A well-formed cursor outside this query's visible results is a 404, never a probe."""
    bob, mod = _get(User, people["bob"]), _get(User, people["mod"])
    thread = make_thread(bob, _get(Board, people["board"]), title="Moths")
    shown = make_reply(bob, thread, body="a moth at the lamp").public_id
    other = make_reply(bob, thread, body="a beetle on the sill").public_id
    hidden = make_reply(bob, thread, body="a moth, hidden")
    moderation.hide(mod, hidden, reason="spam", now=utcnow())
    hidden = hidden.public_id
    response = client.get("/search", query_string={"q": "moth", "after": f"p{shown}"})
    assert response.status_code == 200
    for after in (f"p{hidden}", f"p{other}", f"s{shown}", "pzzzzzzzzzzzz"):
        response = client.get("/search", query_string={"q": "moth", "after": after})
        assert response.status_code == 404, after
    # The query code says so with a domain error; the view turns it into the 404.
    with pytest.raises(search_query.BadCursor):
        search_query.parse_cursor("p1 OR 1=1")


# --- what must never appear -------------------------------------------------------------

def test_hidden_deleted_and_draft_content_never_appears(app, ctx, client, people):
    now = utcnow()
    alice, bob = _get(User, people["alice"]), _get(User, people["bob"])
    mod, board = _get(User, people["mod"]), _get(Board, people["board"])
    draft = make_story(alice, title="Walrus draft", body="walrus", draft=True)
    hidden_story = make_story(alice, title="Walrus hidden", body="walrus")
    under_hidden = make_reply(bob, hidden_story.thread, body="walrus comment")
    moderation.hide(mod, hidden_story, reason="spam", now=now)
    hidden_thread = make_thread(bob, board, title="Walrus thread", body="walrus opening")
    make_reply(bob, hidden_thread, body="walrus reply")
    moderation.hide(mod, hidden_thread, reason="spam", now=now)
    open_thread = make_thread(bob, board, title="Open", body="fine")
    hidden_post = make_reply(bob, open_thread, body="walrus hidden post")
    moderation.hide(mod, hidden_post, reason="spam", now=now)
    deleted = make_reply(bob, open_thread, body="walrus deleted post")
    replies.delete_post(bob, deleted, now=now)
    shown = make_reply(bob, open_thread, body="walrus visible post")
    assert draft.state == "draft" and under_hidden.id
    shown_id, hidden_story_id = shown.public_id, hidden_story.id
    assert urls(client, "walrus") == [f"/posts/{shown_id}"]
    # Moderators read hidden things on their pages, but search is the same for everyone.
    mod_browser = Browser(app.test_client())
    assert mod_browser.login("mod").status_code == 302
    assert urls(mod_browser.client, "walrus") == [f"/posts/{shown_id}"]
    moderation.restore(_get(User, people["mod"]), _get(Story, hidden_story_id),
                       reason="", now=now)
    assert len(urls(client, "walrus")) == 3  # the story and its comment are back


def test_anonymous_results_show_only_the_pseudonym(ctx, client, people):
    alice, bob = _get(User, people["alice"]), _get(User, people["bob"])
    board = _get(Board, people["board"])
    thread = make_thread(bob, board, title="Open thread")
    secret = make_reply(alice, thread, body="The elders kept a ledger of everything.",
                        anonymous=True)
    story = make_story(alice, title="Ledger years", body="ledger", anonymous=True)
    pseudonyms = {secret.handle.name, story.handle.name}
    make_reply(alice, thread, body="Signed publicly: Alice Marsh was here.")
    page = client.get("/search?q=ledger").get_data(as_text=True)
    for name in pseudonyms:
        assert name in page
    assert "Alice Marsh" not in page and "/u/" not in page
    # Her public name finds only the post that contains those words, never her anonymous ones.
    found = urls(client, "Alice Marsh")
    assert len(found) == 1
    page = client.get("/search?q=Alice+Marsh").get_data(as_text=True)
    assert not any(name in page for name in pseudonyms)
    assert urls(client, "alice") == found


@pytest.mark.parametrize("query", [
    '"', '""', "*", "a*", "NEAR(", "NEAR(a b)", "OR", "AND", "NOT", "title:x", "^x", "-x",
    "(", ")", "x'); DROP TABLE posts; --", "x" * 5000, "word " * 1000, "\x00", "%", "_",
    "ünïcödé", "日本語", "the", "   ", "🙂", "{}", "a:b:c", '"unbalanced', "col : x",
])
def test_bad_queries_do_not_fail(client, people, query):
    response = client.get("/search", query_string={"q": query})
    # A NUL byte is refused site-wide (forum/security.py) before any view runs.
    assert response.status_code == (400 if "\x00" in query else 200)


def test_query_terms_are_plain_words():
    assert search_query.terms('NEAR("a" b*) OR title:secret') == ["near", "b", "title", "secret"]
    assert search_query.terms("the way out") == ["way", "out"]
    assert search_query.terms("x" * 5000) == []
    many = " ".join(f"w{i}" for i in range(100))
    assert len(search_query.terms(many)) == search_query.MAX_TERMS


# --- cost -------------------------------------------------------------------------------

def test_a_results_page_costs_a_constant_number_of_queries(ctx, client, people,
                                                           count_queries):
    alice, bob = _get(User, people["alice"]), _get(User, people["bob"])
    board = _get(Board, people["board"])
    make_story(alice, title="Heron", body="one heron")
    make_thread(bob, board, title="Heron", body="heron")
    for _ in range(3):
        make_story(alice, title="Egret", body="egret", anonymous=True)
        thread = make_thread(bob, board, title="Egret", body="egret", anonymous=True)
        for _ in range(10):
            make_reply(alice, thread, body="egret egret")
    with count_queries() as few:
        # The story and the thread: the thread's own first post is not shown twice.
        assert len(results(client, "heron")[0]) == 2
    with count_queries() as many:
        found, nxt = results(client, "egret")
        assert len(found) == 20
    with count_queries() as next_page:
        assert client.get(nxt).status_code == 200
    # Ranking (with the count, and what the page shows of each result), and one query for the
    # groups a search may keep to with their other names (the groups the words name are found
    # among them); a later page adds the anchor's rank.
    assert len(many) == 2
    assert len(few) == 2  # whatever the kinds of its results
    assert len(next_page) <= len(many) + 1


# --- the index itself -------------------------------------------------------------------

def test_install_is_idempotent_and_indexes_existing_rows(ctx, client, people):
    make_story(_get(User, people["alice"]), title="Badger", body="badger sett")
    on_own_connection(search_index.uninstall)
    on_own_connection(search_index.install)
    on_own_connection(search_index.install)
    make_story(_get(User, people["alice"]), title="Second badger", body="more")
    assert len(urls(client, "badger")) == 2
    on_own_connection(search_index.rebuild)
    assert len(urls(client, "badger")) == 2


def test_migrations_build_the_index(tmp_path):
    import flask_migrate

    from forum import create_app
    from tests.test_migrations import MIGRATIONS
    app = create_app({"TESTING": True, "RATELIMIT_STORAGE_URI": "memory://",
                      "APPROVE_FIRST_POSTS": 0,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.sqlite'}"})
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS)
        assert "search_fts_posts_recent" in inspect(db.engine).get_table_names()
        alice = make_user("alice", "Alice")
        make_story(alice, title="Otter", body="otter holt", now=utcnow() - timedelta(days=1))
        assert urls(app.test_client(), "otter")
        # 0004 back to 0002's single table, refilled, then forward again.
        flask_migrate.downgrade(directory=MIGRATIONS, revision="0003")
        names = set(inspect(db.engine).get_table_names())
        assert "search_fts" in names and "search_fts_posts_recent" not in names
        assert db.session.execute(text(
            "SELECT count(*) FROM search_fts WHERE search_fts MATCH 'otter'")).scalar() >= 1
        flask_migrate.upgrade(directory=MIGRATIONS)
        names = set(inspect(db.engine).get_table_names())
        assert "search_fts" not in names and "search_fts_stories_recent" in names
        assert urls(app.test_client(), "otter")
        flask_migrate.downgrade(directory=MIGRATIONS, revision="0001")
        assert not any(search_index.is_search_table(t)
                       for t in inspect(db.engine).get_table_names())
        db.session.remove()
        db.engine.dispose()
