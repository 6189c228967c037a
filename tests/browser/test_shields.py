"""The shields of issue 17, clicked through as people would: a member ignores a name and
opens its folded post; a story's author bars a name; a member and a visitor write to the
moderators, the visitor reading the answer with the code alone."""
import re

from playwright.sync_api import expect

from forum.demo.content import DEMO_PASSWORD

STORY = "Nine years at the Open Door, and the first winter after"
THREAD = "Day 12. Is it normal to miss it?"


def test_ignore_a_name_then_open_its_folded_post(page, seeded, log_in, shoot, offsite_requests):
    log_in(page, "ruth_rebuilds", DEMO_PASSWORD)
    page.goto("/boards/just-left")
    page.get_by_role("link", name=THREAD).click()
    first = page.locator("li.post", has_text="Completely normal.")
    first.get_by_role("link", name=re.compile("^Ignore")).click()
    # A question first, which says what ignoring does; nothing has changed yet.
    expect(page.get_by_role("heading", name="Ignore maren_after?")).to_be_visible()
    shoot(page, "ignore-question")
    page.get_by_role("button", name="Ignore maren_after").click()
    expect(page.get_by_text(re.compile("You are ignoring maren_after"))).to_be_visible()
    folded = page.locator("details.ignored-post").first
    expect(folded).to_contain_text("Hidden: you ignored this name.")
    expect(folded.locator(".post-body")).to_be_hidden()
    folded.locator("summary").click()
    expect(folded.locator(".post-body")).to_be_visible()
    shoot(page, "ignored-post")
    page.goto("/settings/ignored")
    page.get_by_role("button", name="Stop ignoring maren_after").click()
    expect(page.get_by_text("You are not ignoring anyone.")).to_be_visible()
    assert offsite_requests() == []


def test_an_author_bars_a_name_from_her_story(page, seeded, log_in, shoot, new_context):
    log_in(page, "maren_after", DEMO_PASSWORD)
    page.get_by_role("link", name=STORY).first.click()
    page.get_by_role("link", name="Names barred from commenting").click()
    page.get_by_label("Bar a name that commented").select_option("ruth_rebuilds")
    page.get_by_role("button", name="Bar this name").click()
    expect(page.get_by_text("ruth_rebuilds can no longer comment under your story")).to_be_visible()
    shoot(page, "barred-names")
    barred = new_context().new_page()
    barred.goto("/auth/login")
    barred.get_by_label("Login name").fill("ruth_rebuilds")
    barred.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    barred.get_by_role("button", name="Log in").click()
    barred.get_by_role("link", name=STORY).first.click()
    expect(barred.get_by_text("Comments on this story are closed to you.")).to_be_visible()


def test_a_visitor_writes_to_the_moderators_and_reads_the_answer_with_the_code(
        page, seeded, new_context, log_in, shoot, offsite_requests):
    page.goto("/")
    page.get_by_role("link", name="Write to the moderators").click()
    page.get_by_label("Your message").fill("Is it safe to read here without an account?")
    page.get_by_role("button", name="Send to the moderators").click()
    expect(page.get_by_role("heading", level=1, name="Keep this code")).to_be_visible()
    code = page.locator(".recovery-code code").inner_text()
    shoot(page, "contact-code")

    moderator = new_context().new_page()
    log_in(moderator, "june_mod", DEMO_PASSWORD)
    moderator.goto("/mod/")
    moderator.get_by_role("link", name="Messages to the moderators").click()
    moderator.get_by_role("link", name="A visitor").first.click()
    moderator.get_by_label("Answer, as “the moderators”").fill("Yes: reading needs nothing.")
    moderator.get_by_role("button", name="Send the answer").click()
    expect(moderator.get_by_text("Your answer is sent")).to_be_visible()

    page.goto("/")
    page.get_by_role("link", name="Read an answer").click()
    page.get_by_label("Your code").fill(code)
    page.get_by_role("button", name="Read").click()
    expect(page.get_by_text("Yes: reading needs nothing.")).to_be_visible()
    expect(page.get_by_text("The moderators").first).to_be_visible()
    shoot(page, "contact-answer")
    assert offsite_requests() == []


def test_an_outing_report_hides_a_post_at_once_and_a_moderator_restores_it(
        page, seeded, log_in, shoot, new_context, offsite_requests):
    words = "Completely normal."
    log_in(page, "jonah_k", DEMO_PASSWORD)  # an established member
    page.goto("/boards/just-left")
    page.get_by_role("link", name=THREAD).click()
    thread_url = page.url
    page.locator("li.post", has_text=words).first.get_by_role(
        "link", name=re.compile("^Report")).click()
    page.get_by_label("This identifies someone (outing, doxxing)").check()
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_text(re.compile("hidden from everyone until a moderator"))).to_be_visible()

    visitor = new_context().new_page()
    visitor.goto(thread_url)
    expect(visitor.get_by_text(words)).to_have_count(0)

    moderator = new_context().new_page()
    log_in(moderator, "june_mod", DEMO_PASSWORD)
    moderator.goto("/mod/")
    # Both outing reports head the queue, the demo's and this one, each hidden at once.
    cards = moderator.locator("ol.queue > li")
    expect(cards.nth(0)).to_contain_text("Hidden from everyone at once")
    expect(cards.nth(1)).to_contain_text("Hidden from everyone at once")
    card = cards.filter(has_text=words)
    expect(card).to_have_count(1)
    expect(card).not_to_contain_text("jonah_k")
    shoot(moderator, "outing-queue")
    card.get_by_label("Reason", exact=True).fill("It names nobody.")
    card.get_by_role("button", name="Restore post").click()
    expect(moderator.get_by_text("The post is restored.")).to_be_visible()
    visitor.goto(thread_url)
    expect(visitor.get_by_text(words).first).to_be_visible()
    assert offsite_requests() == []


def test_a_moderator_slows_a_thread_and_a_writer_is_refused_with_the_text_kept(
        page, seeded, log_in, new_context, offsite_requests):
    log_in(page, "june_mod", DEMO_PASSWORD)
    page.goto("/boards/just-left")
    page.get_by_role("link", name=THREAD).click()
    thread_url = page.url
    page.get_by_role("link", name="Moderate this thread").click()
    page.get_by_label("Slow mode").select_option(label="One post every hour")
    page.get_by_label("Reason (shown in the public log)").fill("A brigade arrived.")
    page.get_by_role("button", name="Set the pace").click()
    expect(page.get_by_text("The discussion's pace is set.")).to_be_visible()

    writer = new_context().new_page()
    log_in(writer, "jonah_k", DEMO_PASSWORD)
    writer.goto(thread_url)
    expect(writer.get_by_text("Slow mode: one post every hour per person.")).to_be_visible()
    words = "First words in a slow thread."
    writer.get_by_label("Reply to this thread").fill(words)
    writer.get_by_role("button", name="Send", exact=True).click()
    expect(writer.locator(".post-body", has_text=words)).to_have_count(1)  # posted
    expect(writer.get_by_role("alert")).to_have_count(0)
    writer.goto(thread_url)
    again = "Second words, too soon."
    writer.get_by_label("Reply to this thread").fill(again)
    writer.get_by_role("button", name="Send", exact=True).click()
    expect(writer.get_by_role("alert")).to_contain_text("slow mode: one post every hour")
    expect(writer.locator("textarea[name=body]")).to_have_value(again)  # kept
    writer.goto("/mod/log")
    expect(writer.get_by_text(re.compile("set slow mode \\(one post every hour per person\\)"))
           ).to_be_visible()
    assert offsite_requests() == []


def test_a_suspended_member_appeals_and_another_moderator_lifts_it(
        page, seeded, app, log_in, new_context, offsite_requests):
    from sqlalchemy import select

    from forum.extensions import db
    from forum.models import Handle, Post, User
    with app.app_context():
        post = db.session.scalar(
            select(Post.public_id).join(Handle, Handle.id == Post.handle_id)
            .join(User, User.id == Handle.user_id)
            .where(User.login_name == "elif_writes", Handle.kind == "public").limit(1))
    log_in(page, "june_mod", DEMO_PASSWORD)
    page.goto(f"/mod/posts/{post}")
    page.get_by_label("Reason", exact=True).fill("Quoting a private message.")
    page.get_by_label("Yes, I am sure").check()
    page.get_by_role("button", name="Suspend the author").click()

    member = new_context().new_page()
    log_in(member, "elif_writes", DEMO_PASSWORD)
    member.get_by_role("link", name="Appeal this suspension").click()
    member.get_by_label("Why it should be looked at again").fill("It was my own message.")
    member.get_by_role("button", name="Send my appeal").click()
    expect(member.get_by_text("Your appeal is with the moderators.")).to_be_visible()

    # The moderator who suspended cannot decide; her answer stays typed.
    page.goto("/mod/")
    page.get_by_role("link", name="An appeal by elif_writes").click()
    page.get_by_label(re.compile("^Your answer")).fill("I stand by it.")
    page.get_by_role("button", name="Lift the suspension").click()
    expect(page.get_by_role("alert")).to_contain_text("another moderator must decide")
    expect(page.get_by_label(re.compile("^Your answer"))).to_have_value("I stand by it.")

    admin = new_context().new_page()
    log_in(admin, "afterward_admin", DEMO_PASSWORD)
    admin.goto("/mod/")
    admin.get_by_role("link", name="An appeal by elif_writes").click()
    admin.get_by_label(re.compile("^Your answer")).fill("Your own words are yours to quote.")
    admin.get_by_role("button", name="Lift the suspension").click()
    expect(admin.get_by_text("The appeal is decided")).to_be_visible()
    member.goto("/appeal")
    expect(member.get_by_text("The suspension is lifted.")).to_be_visible()
    expect(member.get_by_text("Your own words are yours to quote.")).to_be_visible()
    assert offsite_requests() == []
