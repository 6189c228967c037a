"""A story's author bars a name from commenting; the site bars the account behind it.

The barred person cannot come back under a fresh pseudonym, reads the same words under every
name, and nobody (the author included) learns which names share an account.
"""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Handle, Post, StoryRestriction, User
from tests.factories import make_reply, make_story, make_user

TEXT = "You are lying about all of it and everyone knows who you are."


@pytest.fixture
def scene(ctx, make_browser):
    """Ada's story, with comments by Tom (publicly and under a pseudonym) and by Bea."""
    ada = make_user("ada", "Ada")
    tom = make_user("tom", "Tom")
    bea = make_user("bea", "Bea")
    story = make_story(ada, title="Leaving the Farm", body="It happened.")
    other = make_story(bea, title="Bea's own story", body="Mine.")
    make_reply(tom, story.thread, body="Signed comment.")
    hidden = make_reply(tom, story.thread, body="Anonymous comment.", anonymous=True)
    make_reply(bea, story.thread, body="Thank you.")
    ids = {"slug": story.slug, "thread": story.thread.public_id, "other": other.slug,
           "other_thread": other.thread.public_id, "tom_pseudonym": hidden.handle.name}
    people = {}
    for login in ("ada", "tom", "bea"):
        people[login] = make_browser()
        assert people[login].login(login).status_code == 302
    return {**ids, **people}


def bar(author, slug, name):
    return author.submit(f"/stories/{slug}/barred", {"name": name})


def comment(browser, scene, anonymous=False, slug=None, thread=None, body=TEXT):
    data = {"body": body, **({"anonymous": "y"} if anonymous else {})}
    return browser.submit(f"/stories/{slug or scene['slug']}", data,
                          action=f"/threads/{thread or scene['thread']}/reply")


def refusal_words(response) -> str:
    body = response.get_data(as_text=True)
    return re.search(r'role="alert">(.*?)<', body, re.S).group(1).strip()


def test_a_barred_name_is_refused_under_every_name_with_the_same_words(ctx, scene):
    assert bar(scene["ada"], scene["slug"], "Tom").status_code == 302
    public = comment(scene["tom"], scene)
    pseudonymous = comment(scene["tom"], scene, anonymous=True)
    for response in (public, pseudonymous):
        assert response.status_code == 403
        assert TEXT in response.get_data(as_text=True)  # the text is kept
    assert refusal_words(public) == refusal_words(pseudonymous)
    assert "closed to you" in refusal_words(public)
    # The same length, give or take the ticked box: nothing else differs.
    assert abs(len(public.get_data()) - len(pseudonymous.get_data())) < 50
    assert db.session.scalar(select(Post.id).where(Post.body == TEXT)) is None
    page = scene["tom"].get(f"/stories/{scene['slug']}").get_data(as_text=True)
    assert "Comments on this story are closed to you." in page
    # The reply page (a "Reply" link under a comment) says so before a word is written.
    form = scene["tom"].get(f"/threads/{scene['thread']}/reply")
    assert form.status_code == 403
    assert "Comments on this story are closed to you." in form.get_data(as_text=True)
    assert 'name="body"' not in form.get_data(as_text=True)
    assert scene["bea"].get(f"/threads/{scene['thread']}/reply").status_code == 200
    # Elsewhere Tom writes as before, and Bea here is not touched.
    assert comment(scene["tom"], scene, slug=scene["other"],
                   thread=scene["other_thread"], body="Elsewhere.").status_code == 302
    assert comment(scene["bea"], scene, body="Still here.").status_code == 302
    assert "closed to you" not in scene["bea"].get(f"/stories/{scene['slug']}").get_data(
        as_text=True)


def test_a_fresh_pseudonym_does_not_get_round_it(ctx, scene):
    """Tom never wrote under a pseudonym in Bea's story: he would get a new name there."""
    assert comment(scene["tom"], scene, slug=scene["other"], thread=scene["other_thread"],
                   body="Public first.").status_code == 302
    assert bar(scene["bea"], scene["other"], "Tom").status_code == 302
    fresh = comment(scene["tom"], scene, anonymous=True, slug=scene["other"],
                    thread=scene["other_thread"])
    assert fresh.status_code == 403 and "closed to you" in refusal_words(fresh)
    tom_names = db.session.scalars(select(Handle.name).join(Handle.user).where(
        User.login_name == "tom", Handle.thread_id.is_not(None))).all()
    assert len(tom_names) == 1  # only his pseudonym in Ada's story: none was made in Bea's


def test_the_author_learns_nothing_about_which_names_share_an_account(ctx, scene):
    ada = scene["ada"]
    answers = {}
    for name in (scene["tom_pseudonym"], "Bea", "Tom"):
        response = bar(ada, scene["slug"], name)
        assert response.status_code == 302, name
        flashed = ada.get(response.headers["Location"]).get_data(as_text=True)
        said = re.search(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', flashed).group(1)
        answers[name] = (response.status_code, said.replace(name, "NAME"),
                         len(response.get_data()) // 64)
    assert len(set(answers.values())) == 1
    page = ada.get(f"/stories/{scene['slug']}/barred").get_data(as_text=True)
    assert all(name in page for name in (scene["tom_pseudonym"], "Bea", "Tom"))
    # Her export lists the names she barred.
    exported = ada.submit("/settings", {"password": "correct horse battery"},
                          action="/settings/export").get_data(as_text=True)
    barred = json.loads(exported)["names_barred_from_my_stories"]
    assert sorted(row["name"] for row in barred) == sorted(
        [scene["tom_pseudonym"], "Bea", "Tom"])
    # Lifting the public name leaves the account barred through the pseudonym; the page
    # says nothing about that, and Tom is still refused.
    tom_public = db.session.scalar(select(StoryRestriction.id).join(StoryRestriction.handle)
                                   .where(Handle.name == "Tom"))
    lifted = ada.submit(f"/stories/{scene['slug']}/barred", {},
                        action=f"/stories/{scene['slug']}/barred/{tom_public}/lift")
    assert lifted.status_code == 302
    assert comment(scene["tom"], scene).status_code == 403
    # Lifting Bea's bar (she may comment again) answers in the very same words, and neither
    # answer says whether the person may comment now.
    said_tom = flash_words(ada, lifted).replace("Tom", "NAME")
    bea = db.session.scalar(select(StoryRestriction.id).join(StoryRestriction.handle)
                            .where(Handle.name == "Bea"))
    lifted_bea = ada.submit(f"/stories/{scene['slug']}/barred", {},
                            action=f"/stories/{scene['slug']}/barred/{bea}/lift")
    assert lifted_bea.status_code == 302
    assert flash_words(ada, lifted_bea).replace("Bea", "NAME") == said_tom
    assert "comment" not in said_tom
    assert comment(scene["bea"], scene, body="Back again.").status_code == 302


def flash_words(browser, response) -> str:
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    return re.search(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', page).group(1)


def test_only_the_author_bars_and_only_names_that_commented(app, scene):
    assert scene["bea"].get(f"/stories/{scene['slug']}/barred").status_code == 403
    assert bar(scene["bea"], scene["slug"], "Tom").status_code == 403
    stranger = bar(scene["ada"], scene["slug"], "Nobody Here")
    assert stranger.status_code == 400 and "Choose one of the names" in stranger.get_data(
        as_text=True)
    assert bar(scene["ada"], scene["slug"], "Ada").status_code == 400  # her own name
    assert bar(scene["ada"], scene["slug"], "Tom").status_code == 302
    again = bar(scene["ada"], scene["slug"], "Tom")
    assert again.status_code == 400 and "barred already" in again.get_data(as_text=True)


def test_only_names_the_author_can_read_under_her_story_are_offered(app, ctx, scene):
    """A comment deleted, removed by a moderator or waiting for one shows no name in the
    tree: the list of names to bar does not give it away either."""
    from forum.clock import utcnow
    from forum.moderation import actions
    from forum.posting import replies
    story_thread = db.session.scalar(select(Post).where(Post.body == "Thank you.")).thread
    cara, dan, eve = (make_user(login, name) for login, name in
                      (("cara", "Cara Gone"), ("dan", "Dan Removed"), ("eve", "Eve Waiting")))
    june = make_user("june", "June", role="moderator")
    replies.delete_post(cara, make_reply(cara, story_thread, body="Deleted words."), utcnow())
    actions.hide(june, make_reply(dan, story_thread, body="Removed words."), reason="Rude",
                 now=utcnow())
    app.config["APPROVE_FIRST_POSTS"] = 50
    make_reply(eve, story_thread, body="Waiting words.")
    app.config["APPROVE_FIRST_POSTS"] = 0
    page = scene["ada"].get(f"/stories/{scene['slug']}/barred").get_data(as_text=True)
    assert "<option>Bea</option>" in page
    for name in ("Cara Gone", "Dan Removed", "Eve Waiting"):
        assert name not in page
        refused = bar(scene["ada"], scene["slug"], name)
        assert refused.status_code == 400 and name not in refused.get_data(as_text=True)
