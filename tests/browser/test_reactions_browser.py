"""A member gives quiet support under a story and a comment, and says they lived it too:
plain forms (no script needed), the numbers change, the pressed buttons say so (aria-pressed),
and axe finds nothing serious, light or dark."""
from playwright.sync_api import expect

from tests.browser.test_accessibility import COLOUR_RULES, follow, serious_problems
from tests.factories import PASSWORD, make_reply, make_story, make_user


def test_a_member_presses_support_and_lived_this_too(page, app, log_in, shoot, axe_source,
                                                     offsite_requests):
    with app.app_context():
        ada = make_user("ada", "Ada Lind")
        ben = make_user("ben", "Ben Hart")
        make_user("dan", "Dan Reyes")
        story = make_story(ada, title="Nine years at the Fellowship",
                           body="It began with a meeting.\n\nIt ended on a Tuesday.",
                           group_names=["The Fellowship"])
        comment = make_reply(ben, story.thread, body="I left the same year. Thank you.")
        slug, comment_id = story.slug, comment.public_id

    log_in(page, "dan", PASSWORD)
    page.goto(f"/stories/{slug}")
    support = page.get_by_role("group", name="Quiet support for this story")
    thanks = support.get_by_role("button", name="Thank you")
    expect(thanks).to_have_attribute("aria-pressed", "false")
    follow(page, thanks)
    thanks = page.get_by_role("group", name="Quiet support for this story").get_by_role(
        "button", name="Thank you")
    expect(thanks).to_have_attribute("aria-pressed", "true")
    expect(thanks.locator(".reaction-count")).to_have_text("1")

    lived = page.get_by_role("button", name="I lived this too")
    expect(lived).to_have_attribute("aria-pressed", "false")
    follow(page, lived)
    expect(page.get_by_text("1 member says they lived this too.")).to_be_visible()
    expect(page.get_by_role("button", name="I lived this too")).to_have_attribute(
        "aria-pressed", "true")

    # Under Ben's comment.
    under = page.locator(f"#p{comment_id}").get_by_role("group",
                                                        name="Quiet support for this post")
    follow(page, under.get_by_role("button", name="Sending strength"))
    strength = page.locator(f"#p{comment_id}").get_by_role("button", name="Sending strength")
    expect(strength).to_have_attribute("aria-pressed", "true")
    expect(strength.locator(".reaction-count")).to_have_text("1")
    shoot(page, "reactions-story")
    assert serious_problems(page, axe_source) == []
    page.emulate_media(color_scheme="dark")
    assert serious_problems(page, axe_source, COLOUR_RULES) == []
    page.emulate_media(color_scheme="light")

    # Pressing again takes it back.
    follow(page, page.get_by_role("group", name="Quiet support for this story").get_by_role(
        "button", name="Thank you"))
    thanks = page.get_by_role("group", name="Quiet support for this story").get_by_role(
        "button", name="Thank you")
    expect(thanks).to_have_attribute("aria-pressed", "false")
    expect(thanks.locator(".reaction-count")).to_have_count(0)

    # The author sees numbers only, and the switch for "I lived this too".
    page.get_by_role("button", name="Log out", include_hidden=True).click(force=True)
    log_in(page, "ada", PASSWORD)
    page.goto(f"/stories/{slug}")
    expect(page.get_by_text("1 member says they lived this too.")).to_be_visible()
    expect(page.get_by_role("group", name="Quiet support for this story")).to_have_count(0)
    shoot(page, "reactions-story-author")
    assert serious_problems(page, axe_source) == []
    assert offsite_requests() == []
