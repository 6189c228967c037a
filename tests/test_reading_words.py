"""The words the reading and moderation pages use (issue 19): each right for the thing it names
and the person reading it."""
from __future__ import annotations

import re

import pytest

from forum.clock import utcnow
from forum.extensions import db
from forum.models import User
from forum.moderation import actions
from forum.moderation.words import full_stop
from tests.factories import make_board, make_reply, make_story, make_thread, make_user


def words(response) -> str:
    """The page as a reader hears it: tags dropped, spaces collapsed."""
    text = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(text.split())


@pytest.fixture
def scene(ctx, make_browser):
    """Alice writes a board thread and a story; Bob reads; June moderates."""
    alice = make_user("alice", "Alice Marsh")
    make_user("bob", "Bob Reed")
    june = make_user("june", "June Watch", role="moderator")
    board = make_board("Just left")
    thread = make_thread(alice, board, title="First week outside", body="Everything is loud.")
    public = make_reply(alice, thread, body="Signed words from me.")
    anonymous = make_reply(alice, thread, body="Unsigned words.", anonymous=True)
    story = make_story(alice, title="Nine years inside", body="It began with a meeting.")
    browsers = {}
    for login in ("alice", "bob", "june"):
        browsers[login] = make_browser()
        assert browsers[login].login(login).status_code == 302
    return {"thread": thread, "story": story, "mod": june, "public": public,
            "anonymous": anonymous, **browsers, "visitor": make_browser()}


def test_a_closed_board_thread_says_replies_a_closed_story_says_comments(scene):
    actions.lock(scene["mod"], scene["thread"], reason="Cooling down", now=utcnow())
    actions.lock(scene["mod"], scene["story"].thread, reason="Cooling down", now=utcnow())
    for who in ("visitor", "bob"):
        thread_page = words(scene[who].get(f"/threads/{scene['thread'].public_id}"))
        assert "Replies are closed." in thread_page and "Comments are closed" not in thread_page
        story_page = words(scene[who].get(f"/stories/{scene['story'].slug}"))
        assert "Comments are closed." in story_page and "Replies are closed" not in story_page


def test_an_empty_story_says_no_comments_yet_and_counts_in_words(scene, ctx):
    story_url = f"/stories/{scene['story'].slug}"
    page = words(scene["visitor"].get(story_url))
    assert "No comments yet" in page and "0 thoughts" not in page and "0 comments" not in page
    bob = User.query.filter_by(login_name="bob").one()
    make_reply(bob, scene["story"].thread, body="Thank you.")
    assert "1 comment" in words(scene["visitor"].get(story_url))
    assert "1 comments" not in words(scene["visitor"].get(story_url))
    make_reply(bob, scene["story"].thread, body="And again.")
    assert "2 comments" in words(scene["visitor"].get(story_url))


def test_members_are_invited_to_write_not_to_join(scene):
    visitor = scene["visitor"].get("/").get_data(as_text=True)
    assert "join to write" in visitor and "Write your story" not in visitor
    member = scene["bob"].get("/").get_data(as_text=True)
    assert "join to write" not in member
    assert 'href="/stories/new"' in member and "Write your story" in member


def test_report_is_not_offered_on_ones_own_writing_under_any_name(scene):
    thread_url = f"/threads/{scene['thread'].public_id}"
    story_url = f"/stories/{scene['story'].slug}"
    own_thread = scene["alice"].get(thread_url).get_data(as_text=True)
    assert "/report" not in own_thread  # her signed post, her anonymous one, her first post
    assert "/report" not in scene["alice"].get(story_url).get_data(as_text=True)
    # Others are offered it on every one of them, the pseudonymous post included.
    other = scene["bob"].get(thread_url).get_data(as_text=True)
    for post in (scene["public"], scene["anonymous"]):
        assert f"/posts/{post.public_id}/report" in other
    assert f"/stories/{scene['story'].slug}/report" in scene["bob"].get(story_url).get_data(as_text=True)


@pytest.mark.parametrize("reason", ["Heated.", "Heated", "Heated!", "“Heated.”"])
def test_a_lock_reason_ends_with_one_full_stop(scene, reason):
    actions.lock(scene["mod"], scene["thread"], reason=reason, now=utcnow())
    actions.lock(scene["mod"], scene["story"].thread, reason=reason, now=utcnow())
    pages = [scene["june"].get(f"/mod/threads/{scene['thread'].public_id}"),
             scene["june"].get(f"/mod/stories/{scene['story'].slug}"),
             scene["june"].get(f"/mod/posts/{scene['public'].public_id}"),
             scene["visitor"].get(f"/threads/{scene['thread'].public_id}")]
    for page in pages:
        text = page.get_data(as_text=True)
        assert ".." not in text.replace("...", ""), re.findall(r".{40}\.\..{10}", text)
        assert full_stop(reason).replace("“", "&#8220;") in text or full_stop(reason) in text


def test_full_stop_adds_one_only_when_missing():
    assert full_stop("Spam") == "Spam."
    assert full_stop("Spam.  ") == "Spam."
    assert full_stop("Why?") == "Why?"
    assert full_stop("(see the rules.)") == "(see the rules.)"
    assert full_stop("") == ""


# --- the moderator's mark ------------------------------------------------------------------

def badges(page: str) -> list[str]:
    """The name each "Moderator" mark stands beside, in page order."""
    return re.findall(r'>([^<>]+)</a>(?: <span class="badge">you</span>)? <span class="badge moderator">Moderator</span>', page)


def test_posts_under_a_moderators_public_handle_are_marked_never_their_pseudonyms(scene, ctx):
    june = scene["mod"]
    thread = scene["thread"]
    signed = make_reply(june, thread, body="Please keep addresses out of here.")
    unsigned = make_reply(june, thread, body="I went through the same.", anonymous=True)
    url = f"/threads/{thread.public_id}"
    for who in ("visitor", "bob", "june"):
        page = scene[who].get(url).get_data(as_text=True)
        assert badges(page) == ["June Watch"], who
        mine = page[page.index(f'id="p{unsigned.public_id}"'):]
        mine = mine[:mine.index("</li>")]
        assert "Moderator" not in mine and unsigned.handle.name in mine
        assert f'id="p{signed.public_id}"' in page


def test_the_mark_follows_the_role_in_the_visitors_cached_copy(scene, ctx):
    bob = User.query.filter_by(login_name="bob").one()
    make_reply(bob, scene["thread"], body="Glad you are out.")
    url = f"/threads/{scene['thread'].public_id}"
    assert badges(scene["visitor"].get(url).get_data(as_text=True)) == []
    bob.role = "moderator"
    db.session.commit()
    assert badges(scene["visitor"].get(url).get_data(as_text=True)) == ["Bob Reed"]
    bob.role = "member"
    db.session.commit()
    assert badges(scene["visitor"].get(url).get_data(as_text=True)) == []


# --- the boards index ----------------------------------------------------------------------

def test_the_boards_index_says_how_many_threads_and_posts_and_when(scene, ctx):
    alice = User.query.filter_by(login_name="alice").one()
    quiet = make_board("Quiet corner", position=1)
    make_board("Empty room", position=2)
    hidden = make_thread(alice, quiet, title="Taken down", body="Gone.")
    actions.hide(scene["mod"], hidden, reason="Spam", now=utcnow())
    make_thread(alice, quiet, title="Still here", body="Here.")
    circle = make_board("Inner circle", audience="circle", position=3)
    make_thread(scene["mod"], circle, title="Between us", body="Only us.")
    page = words(scene["visitor"].get("/boards/"))
    # "Just left": the thread and its two replies; "Quiet corner": the hidden one not counted.
    assert "Just left" in page and "1 thread · 3 posts · last active" in page
    assert "1 thread · 1 post · last active" in page
    assert "Empty room" in page and "No threads yet" in page
    assert "Inner circle" not in page
    moderator = words(scene["june"].get("/boards/"))
    assert "Inner circle" in moderator and moderator.count("1 thread · 1 post") == 2


def test_the_boards_index_costs_one_statement_for_all_boards(scene, ctx, count_queries):
    def cost() -> int:
        scene["bob"].get("/boards/")  # warm
        with count_queries() as statements:
            assert scene["bob"].get("/boards/").status_code == 200
        return len(statements)
    alice = User.query.filter_by(login_name="alice").one()
    one = cost()
    for n in range(5):
        make_thread(alice, make_board(f"Board {n}", position=n + 1), title=f"T{n}", body="x")
    assert cost() == one
