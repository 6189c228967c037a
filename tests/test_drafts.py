"""Writing without fear of losing it: drafts, preview, autosave, and the author's history."""
import re

import pytest

from forum.extensions import db
from forum.models import Handle, Story, StoryRevision, Thread
from tests.factories import same_for_anyone

BODY = "# Day one\n\nI packed one bag and *left*.\n\n> They said I would be back."


@pytest.fixture
def author(person):
    person.register("author", handle="Writer One")
    return person


@pytest.fixture
def other(make_browser):
    b = make_browser()
    b.register("other", handle="Someone Else")
    return b


def _tokenless(response):
    return same_for_anyone(response.get_data(as_text=True))


def _draft(author, title="Not ready yet", body=BODY):
    r = author.submit("/stories/new", {"title": title, "body": body, "action": "draft"})
    assert r.status_code == 302, r.get_data(as_text=True)
    return r.headers["Location"]  # the draft's edit page


def test_draft_is_private_and_absent_everywhere(author, other, app):
    client = app.test_client()  # a visitor (the `client` fixture is the author's browser)
    edit_url = _draft(author, title="Unfinished testimony")
    slug = edit_url.split("/")[2]
    assert "Unfinished testimony" in author.get("/stories/drafts").get_data(as_text=True)
    assert author.get(f"/stories/{slug}").status_code == 200
    for viewer in (client, other.client):
        viewer.get("/boards/")  # shows (and so clears) any welcome message first
        missing = viewer.get("/stories/no-such-story")
        r = viewer.get(f"/stories/{slug}")
        # The same page as a story that does not exist (CSRF tokens differ on every page).
        assert r.status_code == 404 and _tokenless(r) == _tokenless(missing)
        assert viewer.get(edit_url).status_code in (302, 404)
        for url in ("/", "/stories/", "/groups/", "/u/Writer%20One", "/search?q=Unfinished",
                    "/feeds/stories.atom", "/sitemap.xml"):
            page = viewer.get(url).get_data(as_text=True)
            assert "Unfinished testimony" not in page and f"/stories/{slug}" not in page, url
    assert "My drafts" not in other.get("/stories/drafts").get_data(as_text=True) or \
        "Unfinished" not in other.get("/stories/drafts").get_data(as_text=True)


def test_draft_takes_no_comments(author, other, ctx):
    _draft(author)
    thread_id = db.session.scalar(db.select(Story)).thread.public_id
    r = other.submit("/stories/", {"body": "early"}, action=f"/threads/{thread_id}/reply")
    assert r.status_code in (403, 404)


def test_draft_may_be_unfinished_then_published(author, app):
    client = app.test_client()
    r = author.submit("/stories/new", {"title": "", "body": "", "action": "draft"})
    assert r.status_code == 302
    edit_url = r.headers["Location"]
    page = author.get(edit_url).get_data(as_text=True)
    assert "Your draft" in page and 'value="publish"' in page
    # Publishing needs a title and a text; the refusal keeps what was typed.
    token = author.csrf_token(edit_url)
    r = author.client.post(edit_url, data={"csrf_token": token, "title": "", "body": BODY, "action": "publish"})
    assert r.status_code == 400 and "I packed one bag" in r.get_data(as_text=True)
    r = author.submit(edit_url, {"title": "Leaving day", "body": BODY, "action": "publish"})
    assert r.status_code == 302
    assert "Leaving day" in client.get("/stories/").get_data(as_text=True)
    assert "Leaving day" not in author.get("/stories/drafts").get_data(as_text=True)


def test_preview_matches_published_render_and_stores_nothing(author, app, ctx):
    client = app.test_client()
    r = author.submit("/stories/new", {"title": "Preview me", "body": BODY, "action": "preview"})
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    preview = re.search(r'<section class="preview.*?<div class="story-body">(.*?)</div>\s*</section>', page, re.S).group(1)
    # Still in the form, which comes first: the preview is below it, not above Publish.
    assert "I packed one bag and" in page.split('<section class="preview', 1)[0].split("<form", 1)[1]
    assert db.session.scalar(db.select(db.func.count(Story.id))) == 0
    url = author.submit("/stories/new", {"title": "Preview me", "body": BODY}).headers["Location"]
    assert db.session.scalar(db.select(Story.body_html)) == preview
    assert preview in client.get(url).get_data(as_text=True)


@pytest.mark.parametrize("kind", ["reply", "thread", "edit"])
def test_preview_on_every_write_form(author, ctx, kind):
    from tests.factories import make_board
    board = make_board("Talk").slug
    url = author.submit(f"/boards/{board}/new", {"title": "T", "body": "first"}).headers["Location"]
    thread_id = url.rsplit("/", 1)[1]
    post_id = re.search(r'id="p([a-z0-9]+)"', author.get(url).get_data(as_text=True)).group(1)
    form_url = {"reply": f"/threads/{thread_id}/reply", "thread": f"/boards/{board}/new",
                "edit": f"/posts/{post_id}/edit"}[kind]
    r = author.submit(form_url, {"title": "x", "body": "**bold** words", "action": "preview"})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "<strong>bold</strong>" in page and "**bold** words" in page
    from forum.models import Post
    assert db.session.scalar(db.select(db.func.count(Post.id))) == 1


def test_autosave_creates_then_updates_one_draft(author, ctx):
    token = author.csrf_token("/stories/new")
    r = author.client.post("/stories/autosave", data={"csrf_token": token, "title": "Saving",
                                                       "body": "first words", "action": "draft"})
    assert r.status_code == 200 and r.get_json()["ok"]
    draft_id = r.get_json()["draft_id"]
    r = author.client.post("/stories/autosave", data={"csrf_token": token, "title": "Saving",
                                                       "body": "more words", "draft_id": draft_id,
                                                       "action": "draft"})
    assert r.get_json()["draft_id"] == draft_id
    assert db.session.scalars(db.select(Story.body)).all() == ["more words"]
    # Publishing from the editor uses that same draft.
    r = author.submit("/stories/new", {"title": "Saving", "body": "final words", "draft_id": draft_id})
    assert r.status_code == 302
    assert db.session.scalars(db.select(Story.state)).all() == ["published"]


def test_autosave_refusals_keep_nothing_lost(author, other, app):
    client = app.test_client()
    token = author.csrf_token("/stories/new")
    # Without a valid token: refused, nothing stored (the page keeps the text in the editor).
    r = author.client.post("/stories/autosave", data={"title": "x", "body": "y", "action": "draft"})
    assert r.status_code == 400
    # Logged out: 401, so the editor keeps the text in the browser until the writer logs in.
    r = client.post("/stories/autosave", data={"title": "x", "body": "y", "action": "draft"})
    assert r.status_code in (400, 401)
    # Someone else's draft id: 404.
    r = author.client.post("/stories/autosave", data={"csrf_token": token, "body": "mine", "action": "draft"})
    draft_id = r.get_json()["draft_id"]
    other_token = other.csrf_token("/stories/new")
    r = other.client.post("/stories/autosave", data={"csrf_token": other_token, "body": "hijack",
                                                      "draft_id": draft_id, "action": "draft"})
    assert r.status_code == 404
    # Too fast: 429 with Retry-After, as JSON the editor understands.
    app.config["DRAFT_LIMIT"] = "1 per minute"
    for expected in (200, 429):
        r = author.client.post("/stories/autosave", data={"csrf_token": token, "body": "again",
                                                           "draft_id": draft_id, "action": "draft"})
        assert r.status_code == expected
    assert r.get_json()["retry_after"] > 0 and "Retry-After" in r.headers


def test_history_is_for_the_author_only_and_can_restore_and_purge(author, other, app, ctx):
    client = app.test_client()
    url = author.submit("/stories/new", {"title": "Versions", "body": "version one"}).headers["Location"]
    slug = url.rsplit("/", 1)[1]
    author.submit(f"/stories/{slug}/edit", {"title": "Versions", "body": "version two"})
    author.submit(f"/stories/{slug}/edit", {"title": "Versions", "body": "version three"})
    page = author.get(f"/stories/{slug}/history").get_data(as_text=True)
    assert page.count("/history/") >= 2
    first = db.session.scalar(db.select(StoryRevision).where(StoryRevision.body == "version one"))
    first_id = first.public_id
    assert "version one" in author.get(f"/stories/{slug}/history/{first_id}").get_data(as_text=True)
    for viewer in (client, other.client):
        for path in (f"/stories/{slug}/history", f"/stories/{slug}/history/{first_id}"):
            assert viewer.get(path).status_code in (302, 404)
    assert other.submit(url, {}, action=f"/stories/{slug}/history/{first_id}/restore").status_code == 404
    assert other.submit(url, {}, action=f"/stories/{slug}/history/purge").status_code == 404
    r = author.submit(url, {}, action=f"/stories/{slug}/history/{first_id}/restore")
    assert r.status_code == 302
    assert "version one" in client.get(url).get_data(as_text=True)
    author.submit(url, {}, action=f"/stories/{slug}/history/purge")
    assert db.session.scalar(db.select(db.func.count(StoryRevision.id))) == 0


def test_reserved_slugs_are_never_taken_by_a_title(author):
    for title in ("Drafts", "New", "Autosave"):
        url = author.submit("/stories/new", {"title": title, "body": "x"}).headers["Location"]
        assert url.rsplit("/", 1)[1] not in ("drafts", "new", "autosave")


# --- the drafts list, and the ways to it (issue 19) -----------------------------------------

def test_drafts_are_reachable_from_write_settings_and_own_profile(author, other, app):
    """Nothing led to the drafts list: the Write page, Settings and the owner's profile do."""
    _draft(author, title="First try")
    _draft(author, title="Second try")
    write = author.get("/stories/new").get_data(as_text=True)
    assert 'href="/stories/drafts">Your drafts (2)</a>' in write
    assert 'href="/stories/drafts"' in author.get("/settings").get_data(as_text=True)
    assert 'href="/stories/drafts"' in author.get("/u/Writer One").get_data(as_text=True)
    # Nobody else is shown the link, on the author's profile or on their own pages, and the
    # list they reach shows only their own (none).
    # (A member's own header has a Drafts entry for their own drafts; the page itself has none.)
    main = other.get("/u/Writer One").get_data(as_text=True).split("<main")[1]
    assert "/stories/drafts" not in main
    assert "/stories/drafts" not in app.test_client().get("/u/Writer One").get_data(as_text=True)
    assert "Your drafts (" not in other.get("/stories/new").get_data(as_text=True)
    theirs = other.get("/stories/drafts").get_data(as_text=True)
    assert "First try" not in theirs and "You have no drafts" in theirs


def test_drafts_list_newest_first_with_continue_and_delete(author, other, app, ctx):
    _draft(author, title="Older draft")
    newer = _draft(author, title="Newer draft")
    page = author.get("/stories/drafts").get_data(as_text=True)
    assert page.index("Newer draft") < page.index("Older draft")
    assert f'href="{newer}"' in page and "Continue" in page
    slug = newer.split("/")[2]
    # Someone else cannot delete it: as for a draft that does not exist.
    token = other.csrf_token("/stories/drafts")
    assert other.client.post(f"/stories/{slug}/delete-draft",
                             data={"csrf_token": token}).status_code == 404
    r = author.submit("/stories/drafts", {}, action=f"/stories/{slug}/delete-draft")
    assert r.status_code == 302 and r.headers["Location"] == "/stories/drafts"
    page = author.get("/stories/drafts").get_data(as_text=True)
    assert "Newer draft" not in page and "Older draft" in page
    assert author.get(newer).status_code == 404
    assert db.session.scalar(db.select(db.func.count(Story.id))) == 1


def test_deleting_an_anonymous_draft_takes_its_name_with_it(author, ctx):
    r = author.submit("/stories/new", {"title": "Quiet", "body": BODY, "action": "draft",
                                       "anonymous": "y"})
    slug = r.headers["Location"].split("/")[2]
    author.submit("/stories/drafts", {}, action=f"/stories/{slug}/delete-draft")
    assert db.session.scalar(db.select(db.func.count(Story.id))) == 0
    assert db.session.scalar(db.select(db.func.count(Thread.id))) == 0
    assert db.session.scalar(db.select(db.func.count(Handle.id)).where(
        Handle.thread_id.is_not(None))) == 0


def test_no_drafts_says_so(author):
    page = author.get("/stories/drafts").get_data(as_text=True)
    assert "You have no drafts" in page and 'href="/stories/new"' in page
