"""New-member review: a new account's first writings wait for a moderator.

Until a moderator approves it, a waiting reply, thread or story is seen by its writer alone,
in place and marked as waiting: not by a visitor, another member or a moderator's reading of
the page, nor in any list, count, feed, search, the sitemap, a profile or a follower's
notifications. Approving puts it where it was written (between the posts around it by path)
and announces it then; not approving tells the writer privately and keeps their text.
"""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import select

from forum.clock import utcnow
from forum.extensions import db
from forum.models import Follow, Group, ModAction, Notification, Post, Story, Thread, User
from tests.factories import make_board, make_reply, make_story, make_thread, make_user

REVIEWED = 2
WAITING = "Waiting for a moderator"
NOT_APPROVED = "Not approved by a moderator"
NOVA_WORDS = "Quillfeather remembers the orchard meetings"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "APPROVE_FIRST_POSTS": REVIEWED}


@pytest.fixture
def scene(app, ctx, make_browser):
    """Ada's thread on Talk (her first post and her reply to it), a follower (Fay), another
    member (Bob), a moderator (June), a visitor, and Nova, who has just joined."""
    old = utcnow() - timedelta(days=90)
    app.config["APPROVE_FIRST_POSTS"] = 0  # the established cast's writing is out already
    ada = make_user("ada", "Ada", created_at=old)
    fay = make_user("fay", "Fay", created_at=old)
    make_user("bob", "Bob", created_at=old)
    make_user("june", "June", role="moderator", created_at=old)
    board = make_board("Talk")
    thread = make_thread(ada, board, title="Leaving the farm", body="Where to begin.")
    root = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    make_reply(ada, thread, root, body="Ada answers first.")
    make_story(ada, title="Ada's story", body="Ada's own story.")
    make_story(fay, title="Fay's story", body="Fay's own story.")
    make_story(fay, title="Fay's second story", body="Fay again.")
    db.session.add(Follow(user_id=fay.id, thread_id=thread.id, created_at=utcnow()))
    db.session.commit()
    app.config["APPROVE_FIRST_POSTS"] = REVIEWED
    browsers = {name: make_browser() for name in ("nova", "fay", "bob", "june", "visitor")}
    assert browsers["nova"].register("nova", "Nova").status_code == 302
    for name in ("fay", "bob", "june"):
        assert browsers[name].login(name).status_code == 302
    return {"thread": thread.public_id, "root": root.public_id, "thread_id": thread.id,
            "ada": ada, **browsers}


def reply(browser, thread, to, body, anonymous=False):
    data = {"body": body, "action": "publish", **({"anonymous": "y"} if anonymous else {})}
    return browser.submit(f"/threads/{thread}/reply?to={to}", data)


def text(browser, url) -> str:
    response = browser.get(url)
    return response.get_data(as_text=True) if response.status_code == 200 else ""


def surfaces(scene, *extra) -> list[str]:
    """Every place a reader could meet a post of Ada's thread or a story."""
    return [f"/threads/{scene['thread']}", "/boards/talk", "/", "/boards/",
            f"/feeds/threads/{scene['thread']}.atom", "/feeds/stories.atom", "/stories/",
            "/groups/", "/sitemap.xml", "/search?q=" + quote("orchard"), "/u/Nova",
            "/notifications", *extra]


def seen_in(browser, words, urls) -> list[str]:
    return [url for url in urls if words in text(browser, url)]


def thread_counts(scene):
    thread = db.session.get(Thread, scene["thread_id"])
    return thread.post_count, thread.last_post_at


def test_a_new_members_reply_waits_unseen_everywhere_then_appears_in_its_place(scene):
    nova, visitor, bob, fay, june = (scene[n] for n in ("nova", "visitor", "bob", "fay", "june"))
    thread_url = f"/threads/{scene['thread']}"
    assert "Ada answers first." in text(visitor, thread_url)  # the visitors' copy is cached
    before = thread_counts(scene)

    response = reply(nova, scene["thread"], scene["root"], NOVA_WORDS)
    assert response.status_code == 302
    assert thread_counts(scene) == before  # neither counted nor dated by it
    # Ada replies to the same post after Nova: Nova's reply sits between Ada's two.
    ada = db.session.get(User, scene["ada"].id)
    root = db.session.scalar(select(Post).where(Post.public_id == scene["root"]))
    make_reply(ada, root.thread, root, body="Ada answers again.")
    counts_with_ada = thread_counts(scene)
    assert counts_with_ada[0] == before[0] + 1  # Ada's reply counted; Nova's not
    board_words = " ".join(text(visitor, "/boards/talk").split())
    assert f"{counts_with_ada[0]} posts" in board_words

    mine = text(nova, thread_url)
    assert NOVA_WORDS in mine and WAITING in mine
    listed = text(nova, "/settings/my-posts")  # their own list of everything they wrote
    assert NOVA_WORDS in listed and "waiting for a moderator" in listed
    for reader in (visitor, bob, fay, june):
        assert seen_in(reader, NOVA_WORDS, surfaces(scene)) == []
        assert seen_in(reader, "Nova", [thread_url, f"/feeds/threads/{scene['thread']}.atom"]) == []
    pending = db.session.scalar(select(Post).where(Post.body == NOVA_WORDS))
    assert visitor.get(f"/posts/{pending.public_id}").status_code == 404
    assert bob.get(f"/posts/{pending.public_id}").status_code == 404
    # Fay follows the thread: told of Ada's reply, not of Nova's.
    fay_id = db.session.scalar(select(User.id).where(User.login_name == "fay"))
    told = db.session.scalars(select(Notification.post_id).where(
        Notification.user_id == fay_id)).all()
    assert pending.id not in told and len(told) == 1

    assert "1 waiting" in text(june, "/mod/")
    queue = text(june, "/mod/review")
    assert NOVA_WORDS in queue and "Nova" in queue and "Leaving the farm" in queue
    response = june.submit("/mod/review", {"reason": ""},
                           action=f"/mod/review/posts/{pending.public_id}/approve")
    assert response.status_code == 302

    page = text(visitor, thread_url)
    assert NOVA_WORDS in page and WAITING not in page
    assert (page.index("Ada answers first.") < page.index(NOVA_WORDS)
            < page.index("Ada answers again."))
    assert NOVA_WORDS in text(bob, f"/feeds/threads/{scene['thread']}.atom")
    assert NOVA_WORDS in text(visitor, "/u/Nova")
    assert thread_counts(scene)[0] == counts_with_ada[0] + 1
    assert f"{counts_with_ada[0] + 1} posts" in " ".join(text(visitor, "/boards/talk").split())
    told = db.session.scalars(select(Notification.post_id).where(
        Notification.user_id == fay_id)).all()
    assert pending.id in told
    assert NOVA_WORDS not in text(june, "/mod/review")
    log = " ".join(text(visitor, "/mod/log").split())
    assert "approved a post by a new member" in log and "Nova" not in log


def test_a_new_thread_waits_hidden_with_its_title(scene):
    nova, visitor, bob = scene["nova"], scene["visitor"], scene["bob"]
    response = nova.submit("/boards/talk/new", {"title": "Quillfeather questions",
                                                "body": NOVA_WORDS, "action": "publish"})
    assert response.status_code == 302
    url = response.headers["Location"]
    mine = text(nova, url)
    assert NOVA_WORDS in mine and WAITING in mine
    for reader in (visitor, bob, scene["june"]):
        assert seen_in(reader, "Quillfeather", surfaces(scene, url)) == []
    assert visitor.get(url).status_code == 404
    post = db.session.scalar(select(Post).where(Post.body == NOVA_WORDS))
    assert post.thread.hidden and post.thread.post_count == 0

    scene["june"].submit("/mod/review", {}, action=f"/mod/review/posts/{post.public_id}/approve")
    assert NOVA_WORDS in text(visitor, url)
    assert "Quillfeather questions" in text(visitor, "/boards/talk")
    assert url.rsplit("/", 1)[1] in text(visitor, "/sitemap.xml")
    assert db.session.get(Thread, post.thread_id).post_count == 1


def test_a_new_story_waits_and_a_refused_one_goes_back_to_its_drafts(scene, ctx):
    nova, visitor, fay, june = scene["nova"], scene["visitor"], scene["fay"], scene["june"]
    group = Group(name="The Orchard", slug="the-orchard", description="", created_at=utcnow())
    db.session.add(group)
    db.session.flush()
    fay_id = db.session.scalar(select(User.id).where(User.login_name == "fay"))
    db.session.add(Follow(user_id=fay_id, group_id=group.id, created_at=utcnow()))
    db.session.commit()
    response = nova.submit("/stories/new", {
        "title": "Quillfeather years", "body": NOVA_WORDS, "groups": "The Orchard",
        "action": "publish"})
    assert response.status_code == 302, response.get_data(as_text=True)[-800:]
    story = db.session.scalar(select(Story).where(Story.title == "Quillfeather years"))
    assert story.state == "pending"
    url = f"/stories/{story.slug}"
    assert WAITING in text(nova, url) and NOVA_WORDS in text(nova, url)
    assert visitor.get(url).status_code == 404 and fay.get(url).status_code == 404
    comments = story.thread.public_id  # its comment section's own addresses say nothing
    assert visitor.get(f"/threads/{comments}").status_code == 404
    assert visitor.get(f"/feeds/threads/{comments}.atom").status_code == 404
    for reader in (visitor, fay):
        assert seen_in(reader, "Quillfeather", surfaces(scene, "/groups/the-orchard",
                                                        "/feeds/groups/the-orchard.atom")) == []
    groups = " ".join(text(visitor, "/groups/").split())
    assert "The Orchard" in groups and "1 stor" not in groups
    assert db.session.scalar(select(Notification.id).where(Notification.user_id == fay_id)) is None
    queue = text(june, "/mod/review")
    assert NOVA_WORDS in queue and "Quillfeather years" in queue

    june.submit("/mod/review", {"reason": "Please leave out the street name."},
                action=f"/mod/review/stories/{story.public_id}/refuse")
    db.session.expire_all()
    story = db.session.get(Story, story.id)
    assert story.state == "draft" and story.body == NOVA_WORDS
    assert visitor.get(url).status_code == 404
    assert "Quillfeather years" in text(nova, "/stories/drafts")
    notes = text(nova, "/notifications")
    assert "not approved" in notes and "Please leave out the street name." in notes
    log = " ".join(text(visitor, "/mod/log").split())
    assert "did not approve a story by a new member" in log and "street name" not in log

    # Sent again from the drafts, it waits once more; approved, it is out and announced.
    response = nova.submit(f"/stories/{story.slug}/edit", {
        "title": "Quillfeather years", "body": NOVA_WORDS, "groups": "The Orchard",
        "draft_id": story.public_id, "action": "publish"})
    assert response.status_code == 302, response.get_data(as_text=True)[-800:]
    db.session.expire_all()
    assert db.session.get(Story, story.id).state == "pending"
    june.submit("/mod/review", {}, action=f"/mod/review/stories/{story.public_id}/approve")
    assert NOVA_WORDS in text(visitor, url)
    assert "Quillfeather years" in text(visitor, "/feeds/stories.atom")
    assert db.session.scalar(select(Notification.id).where(Notification.user_id == fay_id))


def test_a_refused_post_stays_with_its_writer_alone(scene):
    nova, visitor, june = scene["nova"], scene["visitor"], scene["june"]
    reply(nova, scene["thread"], scene["root"], NOVA_WORDS)
    post = db.session.scalar(select(Post).where(Post.body == NOVA_WORDS))
    june.submit("/mod/review", {"reason": "Off topic here."},
                action=f"/mod/review/posts/{post.public_id}/refuse")
    thread_url = f"/threads/{scene['thread']}"
    mine = text(nova, thread_url)
    assert NOT_APPROVED in mine and NOVA_WORDS in mine
    assert NOVA_WORDS not in text(visitor, thread_url)
    assert NOVA_WORDS not in text(scene["bob"], thread_url)
    assert visitor.get(f"/posts/{post.public_id}").status_code == 404
    notes = text(nova, "/notifications")
    assert "not approved" in notes and "Off topic here." in notes
    log = " ".join(text(visitor, "/mod/log").split())
    assert "did not approve" in log and "Off topic" not in log and "Nova" not in log
    # A decision is made once: the post is not waiting any more.
    response = june.submit("/mod/review", {},
                           action=f"/mod/review/posts/{post.public_id}/approve")
    assert response.status_code == 400
    assert NOVA_WORDS not in text(visitor, thread_url)


def test_a_pseudonymous_post_waits_under_its_pseudonym_only(scene):
    nova, june = scene["nova"], scene["june"]
    reply(nova, scene["thread"], scene["root"], NOVA_WORDS, anonymous=True)
    post = db.session.scalar(select(Post).where(Post.body == NOVA_WORDS))
    pseudonym = post.handle.name
    assert post.handle.is_anonymous and post.state == "pending"
    queue = text(june, "/mod/review")
    assert NOVA_WORDS in queue and pseudonym in queue
    words = queue.replace(NOVA_WORDS, "").replace("formnovalidate", "")  # an attribute name
    assert "Nova" not in words and "nova" not in words
    june.submit("/mod/review", {}, action=f"/mod/review/posts/{post.public_id}/approve")
    log = " ".join(text(scene["visitor"], "/mod/log").split())
    assert "approved a post by a new member" in log and pseudonym not in log


def test_review_ends_after_enough_approved_writing(scene):
    nova, june, visitor = scene["nova"], scene["june"], scene["visitor"]
    for n in range(REVIEWED):
        reply(nova, scene["thread"], scene["root"], f"{NOVA_WORDS} {n}")
        post = db.session.scalar(select(Post).where(Post.body == f"{NOVA_WORDS} {n}"))
        assert post.state == "pending"
        june.submit("/mod/review", {}, action=f"/mod/review/posts/{post.public_id}/approve")
    reply(nova, scene["thread"], scene["root"], "Now I am one of you.")
    assert "Now I am one of you." in text(visitor, f"/threads/{scene['thread']}")


def test_moderators_and_established_members_are_not_held(scene, make_browser):
    make_user("mona", "Mona", role="moderator")  # as new as Nova, but a moderator
    mona = make_browser()
    assert mona.login("mona").status_code == 302
    assert reply(mona, scene["thread"], scene["root"], "A moderator speaks.").status_code == 302
    response = reply(scene["fay"], scene["thread"], scene["root"], "Fay, long here.")
    assert response.status_code == 302, response.get_data(as_text=True)[-600:]
    page = text(scene["visitor"], f"/threads/{scene['thread']}")
    assert "A moderator speaks." in page and "Fay, long here." in page
    assert WAITING not in text(scene["fay"], f"/threads/{scene['thread']}")


def test_review_off_publishes_at_once(app, scene):
    app.config["APPROVE_FIRST_POSTS"] = 0
    reply(scene["nova"], scene["thread"], scene["root"], NOVA_WORDS)
    assert NOVA_WORDS in text(scene["visitor"], f"/threads/{scene['thread']}")


def test_an_old_account_without_writing_of_its_own_still_waits(scene, make_browser):
    """Age alone is not enough: an account registered and left to age is a spammer's trick."""
    make_user("sleeper", "Sleeper", created_at=utcnow() - timedelta(days=400))
    sleeper = make_browser()
    sleeper.login("sleeper")
    reply(sleeper, scene["thread"], scene["root"], NOVA_WORDS)
    assert NOVA_WORDS not in text(scene["visitor"], f"/threads/{scene['thread']}")
    assert NOVA_WORDS in text(scene["june"], "/mod/review")


def test_the_review_queue_is_for_moderators(scene):
    assert scene["bob"].get("/mod/review").status_code == 403
    assert scene["visitor"].get("/mod/review").status_code == 302
    assert scene["june"].get("/mod/review").status_code == 200
    assert db.session.scalar(select(ModAction.id)) is None


def test_the_demo_has_a_new_members_reply_waiting(app, ctx, make_browser):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    waiting = db.session.scalars(select(Post).where(Post.state == "pending")).all()
    assert len(waiting) == 1 and waiting[0].handle.is_anonymous
    june = make_browser()
    assert june.login("june_mod", "afterward-demo-2024").status_code == 302
    queue = text(june, "/mod/review")
    assert "first appointment next week" in queue and waiting[0].handle.name in queue
    assert "wren_new" not in queue
    page = text(make_browser(), f"/threads/{waiting[0].thread.public_id}")
    assert "Finding a therapist" in page and "first appointment next week" not in page
    # Everything else of the demo is out, though its accounts are young.
    assert db.session.scalar(select(Story.id).where(Story.state != "published")) is None


@pytest.mark.parametrize("writing", ["keep", "remove"])
def test_a_deleted_account_leaves_no_trace_of_its_held_posts(scene, writing):
    nova = scene["nova"]
    reply(nova, scene["thread"], scene["root"], NOVA_WORDS)
    reply(nova, scene["thread"], scene["root"], "Refused words.")
    refused = db.session.scalar(select(Post).where(Post.body == "Refused words."))
    scene["june"].submit("/mod/review", {}, action=f"/mod/review/posts/{refused.public_id}/refuse")
    response = nova.submit("/settings/delete", {"current_password": "correct horse battery",
                                                "writing": writing})
    assert response.status_code == 302, response.get_data(as_text=True)[-500:]
    page = text(scene["visitor"], f"/threads/{scene['thread']}")
    assert "[deleted]" not in page and NOVA_WORDS not in page and "Refused words" not in page
    assert db.session.scalar(select(Post.id).where(Post.state.in_(("pending", "deleted")))) is None
    assert "Nothing is waiting." in text(scene["june"], "/mod/review")
