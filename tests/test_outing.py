"""The outing fast path: a report that something identifies someone hides it at once.

From an established member (old enough, with writing of their own still shown) one report is
enough; from newer members it takes two different ones. The item then leaves every page, feed,
search result and the sitemap, also through a second app process with its own tree cache,
heads the moderators' queue, and waits for a moderator to confirm or restore it. The public
log says a report hid it, never who; moderators see how each reporter's outing reports turned
out, without a name.
"""
from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import select

from forum import create_app
from forum.clock import utcnow
from forum.extensions import db
from forum.models import Board, ModAction, Report, User
from tests.factories import make_board, make_reply, make_story, make_thread, make_user

SECRET = "Her real name is Maria Example and she works at the bakery"
STORY_SECRET = "Zebulon Testcase lives at number twelve"


@pytest.fixture
def scene(ctx, make_browser):
    """Ada's thread, with Ben's reply that names someone; an established member (Elder), two
    new ones (Nova, Neve), a moderator (June); each with a browser, and a visitor's."""
    old = utcnow() - timedelta(days=90)
    ada = make_user("ada", "Ada", created_at=old)
    ben = make_user("ben", "Ben", created_at=old)
    elder = make_user("elder", "Elder", created_at=old)
    make_user("nova", "Nova")
    make_user("neve", "Neve")
    make_user("june", "June", role="moderator", created_at=old)
    board = make_board("Talk")
    thread = make_thread(ada, board, title="Who runs the farm now", body="Asking.")
    make_thread(elder, board, title="Elder's own thread", body="My own words.")
    reply = make_reply(ben, thread, body=SECRET)
    story = make_story(ben, title="The bakery years", body=STORY_SECRET)
    ids = {"thread": thread.public_id, "post": reply.public_id, "story": story.slug,
           "story_thread": story.thread.public_id}
    browsers = {}
    for login in ("elder", "nova", "neve", "june", "ben"):
        browsers[login] = make_browser()
        assert browsers[login].login(login).status_code == 302
    return {**ids, **browsers, "visitor": make_browser()}


def report_post(browser, post, reason="outing"):
    return browser.submit(f"/posts/{post}/report", {"reason": reason, "details": "Names her."})


def report_story(browser, slug, reason="outing"):
    return browser.submit(f"/stories/{slug}/report", {"reason": reason})


def seen_anywhere(visitor, text: str, scene) -> list[str]:
    """Every public place a visitor could read `text`."""
    places = [f"/threads/{scene['thread']}", f"/feeds/threads/{scene['thread']}.atom",
              f"/stories/{scene['story']}", f"/threads/{scene['story_thread']}",
              "/feeds/stories.atom", "/sitemap.xml", "/", "/stories/",
              "/search?q=" + quote("bakery"), "/search?q=" + quote("Zebulon"),
              "/u/Ben", "/boards/", "/boards/talk", "/groups/"]
    return [url for url in places
            if text in visitor.get(url).get_data(as_text=True)]


def test_one_report_from_an_established_member_hides_it_everywhere_at_once(app, app_config,
                                                                            scene):
    visitor = scene["visitor"]
    assert seen_anywhere(visitor, SECRET, scene)  # the places really show it before
    # A second process (another worker or host) with the thread in its cache already.
    other = create_app(app_config)
    other_reader = other.test_client()
    thread_url = f"/threads/{scene['thread']}"
    assert SECRET in other_reader.get(thread_url).get_data(as_text=True)
    # ... and a search that found it, and the feed, kept there too.
    other_places = ["/search?q=" + quote("bakery"), f"/feeds/threads/{scene['thread']}.atom"]
    assert all("Maria Example" in other_reader.get(url).get_data(as_text=True)
               for url in other_places)

    response = report_post(scene["elder"], scene["post"])
    assert response.status_code == 302
    told = scene["elder"].get(response.headers["Location"]).get_data(as_text=True)
    assert "hidden from everyone until a moderator reviews it" in told

    assert seen_anywhere(visitor, SECRET, scene) == []
    assert "[removed]" in visitor.get(thread_url).get_data(as_text=True)
    assert SECRET not in other_reader.get(thread_url).get_data(as_text=True)
    assert [url for url in other_places
            if "Maria Example" in other_reader.get(url).get_data(as_text=True)] == []
    with other.app_context():
        db.session.remove()
        db.engine.dispose()
    # Members who are not moderators do not see it either.
    assert SECRET not in scene["nova"].get(thread_url).get_data(as_text=True)


def test_a_story_reported_as_outing_leaves_every_list_feed_and_the_sitemap(scene):
    visitor = scene["visitor"]
    assert seen_anywhere(visitor, "The bakery years", scene)
    assert report_story(scene["elder"], scene["story"]).status_code == 302
    assert seen_anywhere(visitor, "The bakery years", scene) == []
    assert seen_anywhere(visitor, STORY_SECRET, scene) == []
    assert visitor.get(f"/stories/{scene['story']}").status_code == 404


def test_a_new_members_report_waits_and_a_second_members_hides_it(app, scene):
    visitor = scene["visitor"]
    thread_url = f"/threads/{scene['thread']}"
    assert report_post(scene["nova"], scene["post"]).status_code == 302
    assert SECRET in visitor.get(thread_url).get_data(as_text=True)
    assert report_post(scene["neve"], scene["post"]).status_code == 302
    assert SECRET not in visitor.get(thread_url).get_data(as_text=True)


def test_other_reasons_and_an_account_without_writing_do_not_hide(app, scene):
    visitor = scene["visitor"]
    thread_url = f"/threads/{scene['thread']}"
    assert report_post(scene["elder"], scene["post"], reason="harassment").status_code == 302
    assert SECRET in visitor.get(thread_url).get_data(as_text=True)
    # June is old enough but has written nothing: not established.
    assert report_post(scene["june"], scene["post"]).status_code == 302
    assert SECRET in visitor.get(thread_url).get_data(as_text=True)


def test_the_public_log_and_the_author_learn_nothing_of_the_reporter(app, scene):
    report_post(scene["elder"], scene["post"])
    log = scene["visitor"].get("/mod/log").get_data(as_text=True)
    assert "A report" in log and "hid" in log and "identifying someone" in log
    assert "Elder" not in log
    notes = scene["ben"].get("/notifications").get_data(as_text=True)
    assert "until a moderator reviews" in notes and "Elder" not in notes


def test_it_heads_the_queue_and_a_moderator_confirms_it(ctx, scene):
    june = scene["june"]
    # The story is reported first and more often: without the fast path it would lead.
    report_story(scene["nova"], scene["story"], reason="spam")
    report_story(scene["neve"], scene["story"], reason="spam")
    report_post(scene["elder"], scene["post"])
    queue = june.get("/mod/").get_data(as_text=True)
    assert queue.index("Who runs the farm now") < queue.index("The bakery years")
    assert "Hidden from everyone at once" in queue and "Confirm the removal" in queue
    assert "Elder" not in queue
    # Dismissing would leave it hidden with nobody deciding: refused, the reason kept.
    url = f"/mod/posts/{scene['post']}"
    dismissed = june.submit(url, {"reason": "Looks fine"}, action=f"{url}/dismiss")
    assert dismissed.status_code == 400 and "confirm the" in dismissed.get_data(as_text=True)
    assert "Looks fine" in dismissed.get_data(as_text=True)
    confirmed = june.submit(url, {"reason": "It names her."}, action=f"{url}/confirm")
    assert confirmed.status_code == 302
    assert SECRET not in scene["visitor"].get(f"/threads/{scene['thread']}").get_data(
        as_text=True)
    states = set(db.session.scalars(select(Report.state).where(Report.reason == "outing")))
    actions = [a for a, in db.session.execute(
        select(ModAction.action).order_by(ModAction.id))]
    assert states == {"actioned"} and actions[-2:] == ["hold", "hide"]
    log = scene["visitor"].get("/mod/log").get_data(as_text=True)
    assert "It names her." in log
    assert june.submit(url, {"reason": "Again"}, action=f"{url}/confirm").status_code == 400


def test_a_moderator_restores_it_and_sees_the_reporters_record(ctx, scene):
    june = scene["june"]
    url = f"/mod/posts/{scene['post']}"
    report_post(scene["elder"], scene["post"])
    restored = june.submit(url, {"reason": "It names nobody real."}, action=f"{url}/restore")
    assert restored.status_code == 302
    assert SECRET in scene["visitor"].get(f"/threads/{scene['thread']}").get_data(as_text=True)
    assert set(db.session.scalars(select(Report.state))) == {"dismissed"}
    # Elder reports the story too: the moderator sees how Elder's outing reports went, and
    # not who Elder is.
    report_story(scene["elder"], scene["story"])
    review = june.get(f"/mod/stories/{scene['story']}").get_data(as_text=True)
    assert ("This reporter’s outing reports: 0 acted on, 1 dismissed or restored, "
            "1 waiting.") in review
    assert "Elder" not in review
    # A new member's lone report hides nothing; dismissed, it counts as not acted on. A
    # report closed by a lock counts as acted on.
    from forum.models import Thread
    thread = db.session.scalar(select(Thread).where(Thread.public_id == scene["thread"]))
    second = make_reply(scene_user("ben"), thread, body="More from Ben.").public_id
    third = make_reply(scene_user("ben"), thread, body="Still more from Ben.").public_id
    report_post(scene["neve"], scene["post"])
    assert june.submit(url, {"reason": "Nothing here."}, action=f"{url}/dismiss").status_code == 302
    report_post(scene["nova"], second)
    second_url = f"/mod/posts/{second}"
    assert june.submit(second_url, {"reason": "Cooling down."},
                       action=f"{second_url}/lock").status_code == 302
    report_post(scene["neve"], third)
    report_post(scene["nova"], third)
    review = june.get(f"/mod/posts/{third}").get_data(as_text=True)
    assert "This reporter’s outing reports: 0 acted on, 1 dismissed or restored, 1 waiting." \
        in review
    assert "This reporter’s outing reports: 1 acted on, 0 dismissed or restored, 1 waiting." \
        in review


def unread_badge(html: str) -> str | None:
    found = re.search(r'Notifications <span class="badge">(\d+)<', html)
    return found.group(1) if found else None


def test_notifications_show_nothing_of_it_until_a_moderator_restores_it(ctx, scene,
                                                                       make_browser):
    """The thread's author was told of the reply, a group's follower of the new story: once
    the fast path hides them, neither notification shows their words or the story's title
    (nor counts as unread), while the author is still told what happened to their writing."""
    make_user("fan", "Fan")
    make_story(scene_user("elder"), title="An elder's story", body="Mine.",
               group_names=["Farm Group"])
    ada, fan = make_browser(), make_browser()
    ada.login("ada")
    fan.login("fan")
    assert fan.submit("/groups/farm-group", {"follow": "1"},
                      action="/groups/farm-group/follow").status_code == 302
    named = make_story(scene_user("ben"), title="Quentin Marker, the baker",
                       body="He lives at number twelve.", group_names=["Farm Group"])
    slug = named.slug
    assert SECRET[:40] in ada.get("/notifications").get_data(as_text=True)
    page = fan.get("/notifications").get_data(as_text=True)
    assert "Quentin Marker" in page and unread_badge(page) == "1"

    group_places = ["/groups/farm-group", "/feeds/groups/farm-group.atom", "/stories/",
                    "/feeds/stories.atom", "/search?q=Quentin"]
    visitor = scene["visitor"]
    assert all("Quentin Marker" in visitor.get(url).get_data(as_text=True)
               for url in group_places)
    report_post(scene["elder"], scene["post"])
    report_story(scene["elder"], slug)
    assert [url for url in group_places
            if "Quentin Marker" in visitor.get(url).get_data(as_text=True)] == []
    assert SECRET[:40] not in ada.get("/notifications").get_data(as_text=True)
    page = fan.get("/notifications").get_data(as_text=True)
    assert "Quentin Marker" not in page and unread_badge(page) is None
    told = scene["ben"].get("/notifications").get_data(as_text=True)
    assert "hidden until a moderator reviews" in told and "Quentin Marker" in told

    url = f"/mod/stories/{slug}"
    assert scene["june"].submit(url, {"reason": "Not a real person."},
                                action=f"{url}/restore").status_code == 302
    assert "Quentin Marker" in fan.get("/notifications").get_data(as_text=True)


def scene_user(login):
    return db.session.scalar(User.by_login_name(login))


def test_a_threads_opening_post_takes_the_title_with_it_until_restored(ctx, scene):
    """A board thread's title is its opening post's own words: reporting that post as outing
    hides the thread from every list, feed, search result and the sitemap; restoring the post
    brings the thread back; confirming the removal keeps it away."""
    from forum.models import Post
    thread = make_thread(scene_user("ben"), db.session.scalar(select(Board)),
                         title="Greta Example bakes", body="She bakes on Harlow Street.")
    thread_id, talk = thread.public_id, thread.board.slug
    opening = db.session.scalar(select(Post.public_id).where(Post.thread_id == thread.id))
    visitor = scene["visitor"]
    # The sitemap lists addresses, not titles.
    places = {"/": "Greta Example", f"/boards/{talk}": "Greta Example",
              "/sitemap.xml": f"/threads/{thread_id}", "/search?q=Greta": "Greta Example",
              f"/feeds/threads/{thread_id}.atom": "Greta Example",
              f"/threads/{thread_id}": "Greta Example"}

    def shown() -> list[str]:
        return [url for url, words in places.items()
                if words in visitor.get(url).get_data(as_text=True)]

    assert shown() == list(places)
    assert report_post(scene["elder"], opening).status_code == 302
    assert shown() == []
    assert visitor.get(f"/threads/{thread_id}").status_code == 404
    log = scene["visitor"].get("/mod/log").get_data(as_text=True)
    assert "Greta Example" not in log
    # The moderators still read it, and restoring the post brings the thread back.
    june = scene["june"]
    assert "Greta Example" in june.get(f"/threads/{thread_id}").get_data(as_text=True)
    url = f"/mod/posts/{opening}"
    assert june.submit(url, {"reason": "A public figure."},
                       action=f"{url}/restore").status_code == 302
    assert shown() == list(places)
    # Reported again by two new members; confirmed: the thread stays away.
    report_post(scene["nova"], opening)
    report_post(scene["neve"], opening)
    assert shown() == []
    assert june.submit(url, {"reason": "It names her."},
                       action=f"{url}/confirm").status_code == 302
    assert shown() == []


def test_restoring_a_reply_leaves_a_thread_a_moderator_hid_as_it_was(ctx, scene):
    report_post(scene["elder"], scene["post"])
    june, thread = scene["june"], scene["thread"]
    assert june.submit(f"/mod/threads/{thread}", {"reason": "Off the rails."},
                       action=f"/mod/threads/{thread}/hide").status_code == 302
    url = f"/mod/posts/{scene['post']}"
    assert june.submit(url, {"reason": "Fine."}, action=f"{url}/restore").status_code == 302
    assert scene["visitor"].get(f"/threads/{thread}").status_code == 404


def test_a_post_on_a_circle_board_cannot_be_read_or_reported_from_outside(ctx, scene):
    """The report form shows the post's words, name and title, and an established member's
    outing report hides it: from outside the circle it is the 404 of a missing post."""
    from forum.models import BoardMember, Post
    circle = make_board("Inner circle", audience="circle")
    ada = scene_user("ada")
    db.session.add(BoardMember(board_id=circle.id, user_id=ada.id, granted_at=utcnow()))
    db.session.commit()
    inside = make_thread(ada, circle, title="Circle only", body="Words for the circle.")
    post = db.session.scalar(select(Post.public_id).where(Post.thread_id == inside.id))
    form = scene["elder"].get(f"/posts/{post}/report")
    assert form.status_code == 404 and "Words for the circle." not in form.get_data(as_text=True)
    token_page = f"/threads/{scene['thread']}"
    refused = scene["elder"].submit(token_page, {"reason": "outing"},
                                    action=f"/posts/{post}/report")
    assert refused.status_code == 404
    assert db.session.scalar(select(Post.state).where(Post.public_id == post)) == "visible"
    assert db.session.scalar(select(Report.id)) is None
