"""A member joins, writes a story, comments and replies; a moderator closes the comments."""
import re

from playwright.sync_api import expect

from forum.extensions import db
from tests.factories import PASSWORD, make_user


def test_member_writes_replies_and_sees_comments_closed(page, app, new_context, log_in,
                                                        offsite_requests):
    with app.app_context():
        make_user("calm_mod", "Calm Moderator", role="moderator")
        db.session.remove()

    page.goto("/")
    page.get_by_role("link", name="Join").click()
    page.get_by_label("Login name").fill("river_walker")
    page.get_by_label("Public handle").fill("River")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("button", name="Log out", include_hidden=True)).to_have_count(1)

    page.get_by_role("link", name="Write", exact=True).click()
    page.get_by_label("Title").fill("The year I stopped asking permission")
    page.get_by_label("Your story").fill("It started with small things.\n\nThen *bigger* ones.")
    page.get_by_label("Abuse").check()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("heading", level=1,
                            name="The year I stopped asking permission")).to_be_visible()
    story_url = page.url

    # A comment, a reply to it, and a reply to that: two levels deep. Reply opens its form
    # under the post (static/js/thread.js).
    page.get_by_label("Add a comment").fill("A note to myself, one year on.")
    page.get_by_role("button", name="Send", exact=True).click()
    page.get_by_role("link", name="Reply to River").first.click()
    page.get_by_role("region", name="Write a reply").get_by_label("Your reply").fill("And another, two years on.")
    page.get_by_role("region", name="Write a reply").get_by_role("button", name="Send", exact=True).click()
    expect(page.locator(".comment-tree > .post.depth-1")).to_contain_text("two years on")
    page.locator(".post.depth-1").get_by_role("link", name="Reply to River").click()
    page.get_by_role("region", name="Write a reply").get_by_label("Your reply").fill("Three years, and lighter.")
    page.get_by_role("region", name="Write a reply").get_by_role("button", name="Send", exact=True).click()
    deepest = page.locator(".comment-tree > .post.depth-2")
    expect(deepest).to_contain_text("Three years, and lighter.")
    expect(deepest).to_contain_text("replying to River")

    # Anonymously: a generated name, no link to the profile, and never "River".
    page.locator(".post.depth-0").get_by_role("link", name="Reply to River").click()
    page.get_by_role("region", name="Write a reply").get_by_label("Your reply").fill("Said without my name.")
    page.get_by_role("region", name="Write a reply").get_by_label("Post anonymously").check()
    page.get_by_role("region", name="Write a reply").get_by_role("button", name="Send", exact=True).click()
    masked = page.locator(".comment-tree > .post", has_text="Said without my name.")
    author = masked.locator(".post-meta > :first-child")
    expect(author).not_to_have_text(re.compile("River"))
    expect(author).to_have_text(re.compile(r"^\w+ \w+$"))
    expect(masked.locator(".post-meta a[href^='/u/']")).to_have_count(0)

    # A moderator, in their own browser, closes the comments with a reason.
    moderator = new_context().new_page()
    log_in(moderator, "calm_mod")
    moderator.goto(story_url)
    moderator.get_by_role("link", name="Moderate this story").click()
    moderator.get_by_label("Reason", exact=True).fill("Closed for a quiet week.")
    moderator.get_by_label("Yes, I am sure").check()  # closing asks first
    moderator.get_by_role("button", name="Close comments").click()

    page.reload()
    expect(page.get_by_text("Comments are closed.")).to_be_visible()
    expect(page.get_by_text("Closed for a quiet week.")).to_be_visible()
    expect(page.get_by_label("Add a comment")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("^Reply"))).to_have_count(0)
    assert offsite_requests() == []
