"""The readable archive: a member's own stories and posts as Markdown files in a zip, offered
beside the JSON export, with the same form, token and limit."""
from __future__ import annotations

import io
import re
import zipfile

from tests.factories import make_board, make_reply, make_story, make_thread
from tests.test_account import alice_and_bob, text, user

ARCHIVE = "/settings/export/archive"


def download(person):
    return person.submit("/settings", {}, action=ARCHIVE)


def test_the_settings_page_offers_both_downloads(app, person):
    alice_and_bob(app, person)
    page = text(person.get("/settings"))
    assert 'action="/settings/export"' in page
    assert f'action="{ARCHIVE}"' in page
    assert "Download my writing" in page and "Download all my data" in page


def test_the_archive_is_post_only_needs_a_token_and_a_login(app, person, client):
    alice_and_bob(app, person)
    assert person.get(ARCHIVE).status_code == 405
    assert person.client.post(ARCHIVE).status_code == 400
    r = client.post(ARCHIVE)
    assert r.status_code in (302, 400, 401)
    assert r.mimetype != "application/zip"


def test_the_archive_holds_my_stories_and_posts_and_nobody_elses(app, ctx, person):
    alice_and_bob(app, person)
    alice, bob = user("alice_login"), user("bob_login")
    board = make_board()
    story = make_story(alice, title="Secret story", summary="What the summary says",
                       body="My *testimony*, as typed.\n\n- one\n- two", anonymous=True,
                       group_names=["Orchard Fellowship"])
    signed = make_story(alice, title="Signed story", body="Signed words.")
    draft = make_story(alice, title="Unfinished", body="Half a thought", draft=True)
    bobs_story = make_story(bob, title="Bob's story", body="Bob's testimony")
    thread = make_thread(bob, board, title="Bob's thread", body="Bob's first words")
    make_reply(alice, thread, body="Signed **reply**")
    anonymous = make_reply(alice, thread, body="Anonymous reply", anonymous=True)
    make_reply(alice, story.thread, body="A comment under my own story")
    make_reply(bob, thread, body="Bob answers")
    make_reply(bob, signed.thread, body="Bob's comment on Alice's story")
    pseudonyms = {story.handle.name, anonymous.handle.name}
    assert draft.state == "draft" and bobs_story.id

    r = download(person)
    assert r.status_code == 200
    assert r.mimetype == "application/zip"
    assert r.headers["Content-Disposition"].startswith("attachment;")
    assert "afterward-my-writing.zip" in r.headers["Content-Disposition"]
    assert r.headers["Cache-Control"] == "private, no-store"
    archive = zipfile.ZipFile(io.BytesIO(r.data))
    assert archive.testzip() is None
    names = archive.namelist()
    files = {name: archive.read(name).decode("utf-8") for name in names}
    assert all(name.startswith("afterward-my-writing/") for name in names)
    stories = [n for n in names if "/stories/" in n]
    posts = [n for n in names if "/posts/" in n]
    assert len(stories) == 3 and len(posts) == 3
    everything = "\n".join(files.values())

    # Each story: its title, the name it went out under, its text exactly as typed.
    [secret] = [files[n] for n in stories if "secret-story" in n]
    assert secret.startswith("# Secret story\n")
    assert f"Posted as: {story.handle.name} (an anonymous name)" in secret
    assert "My *testimony*, as typed.\n\n- one\n- two" in secret
    assert "What the summary says" in secret and "Orchard Fellowship" in secret
    assert "Published:" in secret
    [unfinished] = [files[n] for n in stories if "unfinished" in n]
    assert "Draft" in unfinished and "Half a thought" in unfinished
    # Posts, as typed, with the discussion they are in.
    assert "Signed **reply**" in everything
    assert "Anonymous reply" in everything and "A comment under my own story" in everything
    assert "Bob's thread" in everything
    assert "A comment on the story “Secret story”" in everything
    for name in pseudonyms | {"Alice Marsh"}:
        assert name in everything
    # The index lists every file, by a link that leads to it.
    index = files["afterward-my-writing/index.md"]
    for link in re.findall(r"\]\(([^)]+)\)", index):
        assert f"afterward-my-writing/{link}" in names
    assert len(re.findall(r"\]\(([^)]+)\)", index)) == 6
    # Nothing of Bob's: not his story, his posts, his name.
    for leaked in ("Bob's story", "Bob's testimony", "Bob answers", "Bob's first words",
                   "Bob's comment", "Bob Reed", "bob_login", "alice_login", "alice@example.org"):
        assert leaked not in everything, leaked


def test_the_archive_and_the_json_share_one_limit(app, ctx, person):
    alice_and_bob(app, person)
    make_story(user("alice_login"), title="Mine", body="mine")
    app.config["EXPORT_LIMIT"] = "3 per hour"
    limit = 3
    for n in range(limit):
        action = ARCHIVE if n % 2 else "/settings/export"
        assert person.submit("/settings", {}, action=action).status_code == 200
    for action in (ARCHIVE, "/settings/export"):
        r = person.submit("/settings", {}, action=action)
        assert r.status_code == 429
        assert "Retry-After" in r.headers
        assert r.mimetype == "text/html"
        assert "as many downloads of your data" in text(r)
        # A refusal to wait looks like one, for both downloads alike.
        assert '<p class="flash notice warning" role="status">' in r.get_data(as_text=True)


def test_a_member_with_nothing_written_gets_an_index_only(app, person):
    alice_and_bob(app, person)
    r = download(person)
    archive = zipfile.ZipFile(io.BytesIO(r.data))
    assert archive.namelist() == ["afterward-my-writing/index.md"]
    index = archive.read("afterward-my-writing/index.md").decode()
    assert "## Stories (0)" in index and "Alice Marsh" in index
