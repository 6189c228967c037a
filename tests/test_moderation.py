"""Moderation end to end: reports, the queue, lock, pin, hide, suspend, roles, the public log.

Everything goes through HTTP with CSRF tokens read from the pages, as a browser would; rows
are built directly only where a test needs many of them.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum.clock import utcnow
from forum.extensions import db
from forum.models import HIDDEN, ModAction, Post, Report, Story, Thread, User
from forum.models.moderation import ACTIONED, DISMISSED, OPEN
from forum.moderation import roles
from forum.moderation.actions import ModerationError
from forum.posting import reports
from tests.factories import make_board, make_reply, make_story, make_thread, make_user

ALICE_LOGIN, ALICE = "alice_login", "Alice Marsh"
SECRET = "The elder's home address is"


@pytest.fixture
def scene(ctx, make_browser):
    """Alice writes (publicly and anonymously); Bob is a member, June moderates, Root is admin."""
    alice = make_user(ALICE_LOGIN, ALICE)
    make_user("bob", "Bob Reed")
    make_user("june", "June Watch", role="moderator")
    make_user("root", "Site Keeper", role="admin")
    board = make_board("Just left")
    thread = make_thread(alice, board, title="First week outside", body="Everything is loud.")
    public = make_reply(alice, thread, body="Signed words from me.")
    anonymous = make_reply(alice, thread, body=f"{SECRET} 12 Elm Street.", anonymous=True)
    answer = make_reply(make_user("cleo", "Cleo March"), thread, anonymous, body="Please don't.")
    story = make_story(alice, title="Nine years inside", body="It began with a meeting.",
                       group_names=["Open Door"])
    # Rows by their public ids, as the site's addresses name them.
    ids = {"board": board.slug, "thread": thread.public_id, "public": public.public_id,
           "anon": anonymous.public_id, "answer": answer.public_id, "story": story.slug,
           "story_thread": story.thread.public_id, "pseudonym": anonymous.handle.name}
    browsers = {}
    for login in ("alice_login", "bob", "june", "root"):
        browsers[login] = make_browser()
        assert browsers[login].login(login).status_code == 302
    return {**ids, **browsers, "visitor": make_browser()}


def act(person, url, page, **data):
    """Press one moderator button: read the token on `page`, post the form to `url`."""
    return person.submit(page, {"reason": "", **data}, action=url)


def html(response) -> str:
    return response.get_data(as_text=True)


def words(response) -> str:
    """The page as a reader hears it: tags dropped, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html(response)).split())


def by_public_id(model, public_id):
    return db.session.scalar(select(model).where(model.public_id == public_id))


def file_report(app, login, *, post=None, slug=None, reason="harassment", when=None):
    with app.app_context():
        user = db.session.scalar(User.by_login_name(login))
        story = db.session.scalar(select(Story).where(Story.slug == slug)) if slug else None
        reports.report(user, post=by_public_id(Post, post) if post else None, story=story,
                       reason=reason, details="", now=when or utcnow())


def actions(app) -> list[ModAction]:
    with app.app_context():
        return db.session.scalars(select(ModAction).order_by(ModAction.id)).all()


# --- reports ----------------------------------------------------------------------------

def test_member_reports_a_post_with_its_text_in_context_once(ctx, scene):
    bob, url = scene["bob"], f"/posts/{scene['public']}/report"
    thread_page = html(bob.get(f"/threads/{scene['thread']}"))
    assert f'href="{url}"' in thread_page
    form = html(bob.get(url))
    assert "First week outside" in form and "Signed words from me." in form
    assert "Harassment or threats" in form and "Spam" in form
    r = bob.submit(url, {"reason": "spam", "details": "Selling courses."})
    assert r.status_code == 302 and f"#p{scene['public']}" in r.headers["Location"]
    assert "A moderator will look at it" in html(bob.get(r.headers["Location"]))
    # A second report of the same post is a friendly message, not an error.
    r = bob.submit(url, {"reason": "other", "details": "Again."})
    assert r.status_code == 302
    assert "reported this already" in html(bob.get(r.headers["Location"]))
    report = db.session.scalar(select(Report))
    assert db.session.scalar(select(func.count(Report.id))) == 1
    assert (report.reason, report.details, report.state) == ("spam", "Selling courses.", OPEN)


def test_report_a_story_and_refusals(app, scene):
    bob, url = scene["bob"], f"/stories/{scene['story']}/report"
    assert f'href="{url}"' in html(bob.get(f"/stories/{scene['story']}"))
    assert "Nine years inside" in html(bob.get(url))
    r = bob.submit(url, {"details": "No reason picked"})
    assert r.status_code == 400 and "No reason picked" in html(r)
    assert bob.submit(url, {"reason": "recruiting"}).status_code == 302
    # Visitors are sent to log in and see no report links.
    assert "/auth/login" in scene["visitor"].get(url).headers["Location"]
    assert "/report" not in html(scene["visitor"].get(f"/stories/{scene['story']}"))


def test_a_suspended_member_cannot_report_and_keeps_their_words(ctx, scene):
    bob = db.session.scalar(User.by_login_name("bob"))
    bob.suspended_until, bob.suspension_reason = utcnow() + timedelta(days=2), "insults"
    db.session.commit()
    url = f"/posts/{scene['public']}/report"
    assert f'href="{url}"' not in html(scene["bob"].get(f"/threads/{scene['thread']}"))
    r = scene["bob"].submit(url, {"reason": "spam", "details": "My careful words"})
    assert r.status_code == 403
    assert "suspended until" in html(r) and "insults" in html(r) and "My careful words" in html(r)


# --- the queue --------------------------------------------------------------------------

def test_queue_orders_by_reports_then_age_with_text_in_context(app, scene):
    now = utcnow()
    file_report(app, "bob", post=scene["answer"], when=now - timedelta(hours=9))
    file_report(app, "bob", post=scene["public"], when=now - timedelta(hours=1))
    file_report(app, "cleo", post=scene["public"], when=now)
    file_report(app, "bob", slug=scene["story"], when=now - timedelta(hours=5))
    file_report(app, "cleo", slug=scene["story"], when=now)
    page = html(scene["june"].get("/mod/"))
    # Two reports each: the story waited longest; then the public post; then one report.
    story, public, answer = (page.index(s) for s in (
        "It began with a meeting.", "Signed words from me.", "Please don"))
    assert story < public < answer
    assert "2 open reports" in page and "1 open report," in page
    assert "First week outside" in page and "Harassment or threats" in page


@pytest.mark.parametrize("size", [3, 12])
def test_queue_costs_the_same_queries_however_long(app, ctx, scene, count_queries, size):
    alice = db.session.scalar(User.by_login_name(ALICE_LOGIN))
    thread = by_public_id(Thread, scene["thread"])
    for n in range(size):
        post = make_reply(alice, thread, body=f"post {n}", anonymous=n % 2 == 0)
        file_report(app, "bob", post=post.public_id)
        make_story(alice, title=f"story {n}", anonymous=n % 2 == 1)
    for story in db.session.scalars(select(Story).where(Story.title.like("story %"))):
        file_report(app, "bob", slug=story.slug)
    june = scene["june"]
    june.get("/mod/")  # warm up the session
    with count_queries() as statements:
        page = html(june.get("/mod/"))
    assert page.count("Resolve these reports") == 2 * size
    assert len(statements) <= 12, statements


def test_dismissing_reports_closes_them_and_is_logged(app, ctx, scene):
    file_report(app, "bob", post=scene["public"])
    june = scene["june"]
    r = act(june, f"/mod/posts/{scene['public']}/dismiss", "/mod/", next="/mod/",
            reason="Not against the rules")
    assert r.status_code == 302 and r.headers["Location"] == "/mod/"
    assert "No open reports." in html(june.get("/mod/"))
    assert db.session.scalar(select(Report.state)) == DISMISSED
    assert "dismissed reports on a post in “First week outside”" in words(scene["visitor"].get("/mod/log"))


# --- hide and restore -------------------------------------------------------------------

def test_hidden_post_keeps_its_place_and_moderators_can_restore_it(app, ctx, scene):
    file_report(app, "bob", post=scene["anon"], reason="outing")
    june, url = scene["june"], f"/threads/{scene['thread']}"
    r = act(june, f"/mod/posts/{scene['anon']}/hide", "/mod/", next="/mod/",
            reason="Names a private address")
    assert r.status_code == 302
    public = html(scene["visitor"].get(url))
    assert "[removed]" in public and SECRET not in public
    assert "Please don" in public and "replying to" in public  # the reply keeps its parent
    seen = html(june.get(url))
    assert SECRET in seen and "Hidden by a moderator" in seen
    assert by_public_id(Post, scene["anon"]).state == HIDDEN
    assert db.session.scalar(select(Report.state)) == ACTIONED
    log = html(scene["visitor"].get("/mod/log"))
    assert "removed" in log and "Names a private address" in log and SECRET not in log
    r = act(june, f"/mod/posts/{scene['anon']}/restore", f"/mod/posts/{scene['anon']}")
    assert r.status_code == 302
    assert SECRET in html(scene["visitor"].get(url))
    assert [a.action for a in actions(app)] == ["hide", "restore"]


def test_hiding_needs_a_reason_and_a_token(app, ctx, scene):
    june, url = scene["june"], f"/mod/posts/{scene['public']}/hide"
    r = act(june, url, f"/mod/posts/{scene['public']}", reason="  ")
    assert r.status_code == 400 and "Please give a reason" in html(r)
    r = june.client.post(url, data={"reason": "no token"})
    assert r.status_code == 400
    assert by_public_id(Post, scene["public"]).state == "visible"
    assert actions(app) == []


def test_a_hidden_story_vanishes_from_lists_groups_and_counts(app, scene):
    visitor, june, slug = scene["visitor"], scene["june"], scene["story"]
    assert "1 story" in html(visitor.get("/groups/"))
    r = act(june, f"/mod/stories/{slug}/hide", f"/mod/stories/{slug}", reason="Recruiting")
    assert r.status_code == 302
    assert visitor.get(f"/stories/{slug}").status_code == 404
    for page in ("/", "/stories/", "/groups/open-door", f"/u/{ALICE.replace(' ', '%20')}"):
        assert "Nine years inside" not in html(visitor.get(page)), page
    assert "0 stories" in html(visitor.get("/groups/"))
    # Its comments go with it: no reply can be added through the posting path.
    r = scene["bob"].submit("/", {"body": "Still here?"}, action=f"/threads/{scene['story_thread']}/reply")
    assert r.status_code == 403 and "Still here?" in html(r)
    seen = html(june.get(f"/stories/{slug}"))
    assert "It began with a meeting." in seen and "only moderators see this story" in seen
    assert "a story that is not public" in html(visitor.get("/mod/log"))
    assert act(june, f"/mod/stories/{slug}/restore", f"/mod/stories/{slug}").status_code == 302
    assert visitor.get(f"/stories/{slug}").status_code == 200
    assert "1 story" in html(visitor.get("/groups/"))


def test_a_hidden_board_thread_is_gone_for_readers_only(app, scene):
    visitor, june, thread = scene["visitor"], scene["june"], scene["thread"]
    r = act(june, f"/mod/threads/{thread}/hide", f"/mod/threads/{thread}", reason="Flame war")
    assert r.status_code == 302
    assert visitor.get(f"/threads/{thread}").status_code == 404
    assert "First week outside" not in html(visitor.get(f"/boards/{scene['board']}"))
    assert "First week outside" not in html(visitor.get("/mod/log"))
    assert "a removed thread" in html(visitor.get("/mod/log"))
    assert "only moderators see this thread" in html(june.get(f"/threads/{thread}"))
    assert act(june, f"/mod/threads/{thread}/restore", f"/mod/threads/{thread}").status_code == 302
    assert visitor.get(f"/threads/{thread}").status_code == 200


# --- lock and pin -----------------------------------------------------------------------

def test_locked_thread_shows_reason_and_refuses_replies_keeping_text(app, scene):
    june, bob, thread = scene["june"], scene["bob"], scene["thread"]
    r = act(june, f"/mod/threads/{thread}/lock", f"/mod/threads/{thread}", reason="Cooling down")
    assert r.status_code == 302
    page = html(bob.get(f"/threads/{thread}"))
    assert "Replies are closed." in page and "Cooling down" in page
    assert 'name="body"' not in page and "/reply?to=" not in page
    r = bob.submit(f"/threads/{thread}", {"body": "But I had more to say"}, action=f"/threads/{thread}/reply")
    assert r.status_code == 403 and "But I had more to say" in html(r)
    log = words(scene["visitor"].get("/mod/log"))
    assert "June Watch closed replies in the thread “First week outside”" in log
    assert "Cooling down" in log
    assert act(june, f"/mod/threads/{thread}/unlock", f"/mod/threads/{thread}").status_code == 302
    assert 'name="body"' in html(bob.get(f"/threads/{thread}"))


def test_locking_a_story_from_the_queue_closes_its_comments(app, scene):
    file_report(app, "bob", slug=scene["story"])
    r = act(scene["june"], f"/mod/stories/{scene['story']}/lock", "/mod/", next="/mod/",
            reason="Too heated")
    assert r.status_code == 302
    page = html(scene["visitor"].get(f"/stories/{scene['story']}"))
    assert "Comments are closed." in page and "Too heated" in page
    assert "closed comments on the story “Nine years inside”" in words(scene["visitor"].get("/mod/log"))
    assert "No open reports." in html(scene["june"].get("/mod/"))


def test_author_closes_and_reopens_comments_on_an_anonymous_story(ctx, scene):
    alice = scene["alice_login"]
    url = alice.submit("/stories/new", {"title": "Quiet testimony", "body": "Told plainly.",
                                       "anonymous": "y"}).headers["Location"]
    slug = url.rsplit("/", 1)[1]
    page = html(alice.get(url))
    assert "Close comments on your story" in page
    assert "Close comments" not in html(scene["bob"].get(url))
    assert scene["bob"].submit(url, {"reason": "mine now"}, action=f"/stories/{slug}/close-comments").status_code == 403
    r = alice.submit(url, {"reason": "I need a break"}, action=f"/stories/{slug}/close-comments")
    assert r.status_code == 302
    page = html(scene["visitor"].get(url))
    assert "Comments are closed." in page and "The author closed them: I need a break" in page
    story = db.session.scalar(select(Story).where(Story.slug == slug))
    entry = db.session.scalar(select(ModAction))
    assert story.thread.locked_by_author
    assert entry.story_id == story.id and entry.moderator_handle_id == story.handle_id
    pseudonym = story.handle.name
    log = words(scene["visitor"].get("/mod/log"))
    assert f"{pseudonym} (the author) closed comments on their story “Quiet testimony”" in log
    assert ALICE not in log
    assert alice.submit(url, {}, action=f"/stories/{slug}/reopen-comments").status_code == 302
    assert 'name="body"' in html(scene["bob"].get(url))


def test_author_cannot_reopen_comments_a_moderator_closed(app, scene):
    slug, thread = scene["story"], scene["story_thread"]
    act(scene["june"], f"/mod/threads/{thread}/lock", f"/mod/stories/{slug}", reason="Brigading")
    r = scene["alice_login"].submit(f"/stories/{slug}", {}, action=f"/stories/{slug}/reopen-comments")
    assert r.status_code == 403 and "only a moderator can reopen" in html(r)


def test_pinned_thread_leads_its_board(ctx, scene):
    alice = db.session.scalar(User.by_login_name(ALICE_LOGIN))
    make_thread(alice, by_public_id(Thread, scene["thread"]).board, title="Newer thread")
    june, board = scene["june"], f"/boards/{scene['board']}"
    page = html(scene["visitor"].get(board))
    assert page.index("Newer thread") < page.index("First week outside")
    thread = scene["thread"]
    assert act(june, f"/mod/threads/{thread}/pin", f"/mod/threads/{thread}").status_code == 302
    page = html(scene["visitor"].get(board))
    assert page.index("First week outside") < page.index("Newer thread")
    assert "pinned" in html(scene["visitor"].get(f"/threads/{thread}"))
    assert act(june, f"/mod/threads/{thread}/unpin", f"/mod/threads/{thread}").status_code == 302
    page = html(scene["visitor"].get(board))
    assert page.index("Newer thread") < page.index("First week outside")


# --- suspensions ------------------------------------------------------------------------

def test_suspending_the_author_of_an_anonymous_post_reveals_nothing(app, ctx, scene):
    file_report(app, "bob", post=scene["anon"], reason="outing")
    june, anon = scene["june"], scene["anon"]
    r = act(june, f"/mod/posts/{anon}/suspend", "/mod/", next="/mod/", days="3",
            reason="Posting someone's address")
    assert r.status_code == 302
    pages = {
        "queue": html(june.get("/mod/")),
        "review": html(june.get(f"/mod/posts/{anon}")),
        "log as moderator": html(june.get("/mod/log")),
        "log as visitor": html(scene["visitor"].get("/mod/log")),
    }
    for name, page in pages.items():
        assert ALICE not in page and ALICE_LOGIN not in page, name
    log = words(scene["visitor"].get("/mod/log"))
    assert "suspended the author of a post in “First week outside” for 3 days" in log
    assert "Posting someone&#39;s address" in log
    entry = db.session.scalar(select(ModAction))
    assert (entry.post.public_id, entry.handle_id, entry.thread_id, entry.story_id) == (anon, None, None, None)
    alice = db.session.scalar(User.by_login_name(ALICE_LOGIN))
    assert alice.suspended_until > utcnow() + timedelta(days=2)
    # Alice can still read and log in, is told why on every page, and cannot write.
    alice = scene["alice_login"]
    home = html(alice.get("/"))
    assert "Your account is suspended until" in home and "Posting someone&#39;s address" in home
    assert alice.get(f"/threads/{scene['thread']}").status_code == 200
    r = alice.submit(f"/threads/{scene['thread']}", {"body": "Let me explain"},
                     action=f"/threads/{scene['thread']}/reply")
    assert r.status_code == 403 and "suspended until" in html(r) and "Let me explain" in html(r)


def test_permanent_suspension_and_lifting_it(app, scene):
    june, public = scene["june"], scene["public"]
    r = act(june, f"/mod/posts/{public}/suspend", f"/mod/posts/{public}", permanent="y",
            reason="Threats")
    assert r.status_code == 302
    r = scene["alice_login"].submit("/stories/new", {"title": "T", "body": "My words"})
    assert r.status_code == 403 and "suspended permanently" in html(r)
    assert "suspended permanently" in html(scene["alice_login"].get("/"))
    assert "permanently" in html(scene["visitor"].get("/mod/log"))
    r = act(june, f"/mod/posts/{public}/unsuspend", f"/mod/posts/{public}", reason="Appeal accepted")
    assert r.status_code == 302
    assert scene["alice_login"].submit("/stories/new", {"title": "T", "body": "My words"}).status_code == 302


def test_suspension_needs_a_length_and_a_reason(ctx, scene):
    june, public = scene["june"], scene["public"]
    page = f"/mod/posts/{public}"
    r = act(june, f"{page}/suspend", page, days="", reason="Threats")
    assert r.status_code == 400 and "Choose between 1 and" in html(r)
    r = act(june, f"{page}/suspend", page, days="5")
    assert r.status_code == 400 and "Please give a reason" in html(r)
    r = act(june, f"/mod/posts/{public}/suspend", page, days="5", reason="x")
    assert r.status_code == 302
    # A moderator cannot suspend themselves by way of their own post.
    mine = make_reply(db.session.scalar(User.by_login_name("june")),
                      by_public_id(Thread, scene["thread"]), body="mod words").public_id
    r = act(june, f"/mod/posts/{mine}/suspend", f"/mod/posts/{mine}", days="1", reason="oops")
    assert r.status_code == 400 and "cannot suspend yourself" in html(r)


def test_a_review_lists_other_reported_writing_of_the_same_name_only(app, ctx, scene):
    """Report-based linking across one account's names is never shown to moderators."""
    alice = db.session.scalar(User.by_login_name(ALICE_LOGIN))
    thread = by_public_id(Thread, scene["thread"])
    elsewhere = make_thread(alice, thread.board, title="Another place",
                            body="Elsewhere, anonymously.", anonymous=True)
    other = db.session.scalar(select(Post.public_id).where(Post.thread_id == elsewhere.id))
    # The same pseudonym again, in the same thread.
    again = make_reply(alice, thread, body="More from the same name.",
                       anonymous=True).public_id
    for post in (scene["anon"], other, scene["public"], again):
        file_report(app, "june", post=post)
    file_report(app, "june", slug=scene["story"])
    review = html(scene["june"].get(f"/mod/posts/{scene['anon']}"))
    assert f"Other reported writing by {scene['pseudonym']}" in review
    assert f"/mod/posts/{again}" in review
    assert f"/mod/posts/{other}" not in review and "Another place" not in review
    assert f'/mod/posts/{scene["public"]}"' not in review and ALICE not in review
    # Her public name lists her public writing, and nothing she wrote under a pseudonym.
    review = html(scene["june"].get(f"/mod/posts/{scene['public']}"))
    assert f"Other reported writing by {ALICE}" in review
    assert f"/mod/stories/{scene['story']}" in review
    for hidden in (scene["anon"], other, again):
        assert f"/mod/posts/{hidden}\"" not in review
    queue = html(scene["june"].get("/mod/"))
    for item in re.findall(r"<article.*?</article>", queue, re.S):
        if f'/mod/posts/{other}"' in item:
            assert scene["pseudonym"] not in item and ALICE not in item
            assert f"/mod/posts/{scene['anon']}\"" not in item


def test_a_suspension_shows_on_the_name_it_was_applied_through_only(ctx, scene):
    june, anon, public = scene["june"], scene["anon"], scene["public"]
    assert act(june, f"/mod/posts/{anon}/suspend", f"/mod/posts/{anon}", days="3",
               reason="Outing").status_code == 302
    assert f"{scene['pseudonym']} is suspended until" in html(june.get(f"/mod/posts/{anon}"))
    # Her public writing looks exactly like an unsuspended member's: no notice, same buttons.
    for page in (f"/mod/posts/{public}", f"/mod/stories/{scene['story']}"):
        body = html(june.get(page))
        assert "suspended" not in words(june.get(page)).replace("Needed to hide, close or suspend", "")
        assert "Suspend the author" in body and "Lift the author" not in body
    # Lifting through another of her names is refused as for anyone never suspended...
    r = act(june, f"/mod/posts/{public}/unsuspend", f"/mod/posts/{public}")
    assert r.status_code == 400 and "This name is not suspended." in html(r)
    bob = db.session.scalar(User.by_login_name("bob"))
    bobs = make_reply(bob, by_public_id(Thread, scene["thread"]), body="Bob here.").public_id
    r = act(june, f"/mod/posts/{bobs}/unsuspend", f"/mod/posts/{bobs}")
    assert r.status_code == 400 and "This name is not suspended." in html(r)
    # ...and a second suspension through her public name works as for anyone, and is
    # lifted on its own: the one applied through the pseudonym still stops her.
    assert act(june, f"/mod/posts/{public}/suspend", f"/mod/posts/{public}", days="1",
               reason="Insults").status_code == 302
    assert act(june, f"/mod/posts/{public}/unsuspend", f"/mod/posts/{public}").status_code == 302
    r = scene["alice_login"].submit("/stories/new", {"title": "T", "body": "My words"})
    assert r.status_code == 403 and "Outing" in html(r) and "My words" in html(r)
    assert act(june, f"/mod/posts/{anon}/unsuspend", f"/mod/posts/{anon}").status_code == 302
    assert scene["alice_login"].submit("/stories/new", {"title": "T", "body": "My words"}).status_code == 302


# --- guard, roles, the log --------------------------------------------------------------

def test_moderation_pages_are_for_moderators_and_the_log_for_everyone(app, scene):
    visitor = scene["visitor"]
    for url in ("/mod/", f"/mod/posts/{scene['public']}", f"/mod/stories/{scene['story']}",
                f"/mod/threads/{scene['thread']}", "/mod/users"):
        r = visitor.get(url)
        assert r.status_code == 302 and "/auth/login" in r.headers["Location"], url
        assert scene["bob"].get(url).status_code == 403, url
        assert scene["root"].get(url).status_code == 200, url
        if url != "/mod/users":
            assert scene["june"].get(url).status_code == 200, url
    assert scene["june"].get("/mod/users").status_code == 403
    assert visitor.get("/mod/log").status_code == 200
    assert "Moderate" not in html(scene["bob"].get(f"/threads/{scene['thread']}"))
    assert f"/mod/posts/{scene['public']}" in html(scene["june"].get(f"/threads/{scene['thread']}"))


def test_admin_changes_roles_on_the_site(app, scene):
    root, bob = scene["root"], scene["bob"]
    assert bob.get("/mod/").status_code == 403
    r = root.submit("/mod/users", {"handle": "bob reed", "role": "moderator", "reason": "Volunteered"},
                    action="/mod/users/role")
    assert r.status_code == 302
    assert bob.get("/mod/").status_code == 200
    assert "Bob Reed" in html(root.get("/mod/users"))
    log = words(scene["visitor"].get("/mod/log"))
    assert "Site Keeper made Bob Reed a moderator" in log
    r = root.submit("/mod/users", {"handle": "Site Keeper", "role": "member"}, action="/mod/users/role")
    assert r.status_code == 400 and "cannot change your own role" in html(r)
    r = root.submit("/mod/users", {"handle": "Nobody Here", "role": "moderator"},
                    action="/mod/users/role")
    assert r.status_code == 400 and "No one has that public handle" in html(r)


def test_no_administrator_makes_or_unmakes_another_on_the_site(scene):
    """Looking behind an anonymous name takes two administrators: one who could make a second
    administrator account (a puppet) would be both, so that is done on the server only."""
    root = scene["root"]
    page = html(root.get("/mod/users"))
    assert 'value="admin"' not in page and "flask users set-role" in page
    made = root.submit("/mod/users", {"handle": "Bob Reed", "role": "admin", "reason": "Puppet"},
                       action="/mod/users/role")
    assert made.status_code == 400 and 'value="Bob Reed"' in html(made)  # typed text kept
    make_user("second_admin", "Second Key", role="admin")
    assert db.session.scalar(User.by_login_name("bob")).role == "member"
    for role in ("member", "moderator"):
        unmade = root.submit("/mod/users", {"handle": "Second Key", "role": role},
                             action="/mod/users/role")
        assert unmade.status_code == 400 and "only on the server" in html(unmade)
    db.session.expire_all()
    assert db.session.scalar(User.by_login_name("second_admin")).role == "admin"
    # Straight to the service, past the form's choices: refused all the same.
    admin = db.session.scalar(User.by_login_name("root"))
    with pytest.raises(ModerationError, match="only on the server"):
        roles.set_role(admin, handle="Bob Reed", role="admin", reason="", now=utcnow())
    assert "an admin" not in words(scene["visitor"].get("/mod/log"))


def test_log_is_keyset_paginated_at_day_precision(ctx, scene):
    june = db.session.scalar(User.by_login_name("june"))
    handle = june.public_handle
    start = utcnow() - timedelta(days=30)
    for n in range(25):
        db.session.add(ModAction(moderator_handle=handle, action="pin", reason=f"reason {n:02}",
                                 created_at=start + timedelta(days=n, minutes=7),
                                 thread_id=by_public_id(Thread, scene["thread"]).id))
    db.session.commit()
    first = html(scene["visitor"].get("/mod/log"))
    assert "reason 24" in first and "reason 05" in first and "reason 04" not in first
    assert ":07" not in first  # no time of day
    after = re.search(r'href="/mod/log\?after=([a-z0-9]+)"', first).group(1)
    second = html(scene["visitor"].get(f"/mod/log?after={after}"))
    assert "reason 04" in second and "reason 00" in second and "reason 05" not in second
    assert 'rel="next"' not in second
