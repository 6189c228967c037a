"""Writing in a real browser (issue 19): the toolbar, the word count, the preview below the
text, the drafts list, and deleting a comment with a question first and an Undo after."""
from playwright.sync_api import expect

from forum.extensions import db
from forum.models import User
from tests.browser.test_accessibility import COLOUR_RULES, serious_problems
from tests.factories import make_board, make_reply, make_thread, make_user


def _no_serious_problems(page, axe_source):
    """axe, light and dark, on the page as it is (toolbar and word count included)."""
    page.emulate_media(color_scheme="light")
    assert serious_problems(page, axe_source) == []
    page.emulate_media(color_scheme="dark")
    assert serious_problems(page, axe_source, COLOUR_RULES) == []
    page.emulate_media(color_scheme="light")


def _writer(app, login="quill"):
    app.config.update(AUTOSAVE_SECONDS=3600)
    with app.app_context():
        make_user(login, handle=login.capitalize())
        db.session.remove()


def test_story_form_toolbar_word_count_and_preview_below(app, page, log_in, shoot,
                                                         offsite_requests, axe_source):
    _writer(app)
    log_in(page, "quill")
    page.goto("/stories/new")
    body = page.get_by_label("Your story")
    count = page.locator(".word-count")
    expect(count).to_have_text("0 words")
    body.fill("I finally left that place")
    expect(count).to_have_text("5 words")
    # Select "finally" and make it bold from the toolbar.
    page.evaluate("""() => { const t = document.querySelector('textarea[data-compose]');
                              const at = t.value.indexOf('finally');
                              t.setSelectionRange(at, at + 'finally'.length); }""")
    page.get_by_role("toolbar", name="Formatting").get_by_role("button", name="Bold").click()
    expect(body).to_have_value("I **finally** left that place")
    expect(count).to_have_text("5 words")
    page.get_by_text("Formatting help", exact=True).click()
    expect(page.locator(".formatting-help dl")).to_be_visible()
    page.get_by_label("Title").fill("Leaving")
    shoot(page, "write-story")
    _no_serious_problems(page, axe_source)

    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".preview strong")).to_have_text("finally")
    expect(page.locator(".preview-words")).to_have_text("5 words")
    area = page.locator("textarea[data-compose]").bounding_box()
    preview = page.locator("section.preview").bounding_box()
    publish = page.get_by_role("button", name="Publish").bounding_box()
    beside = preview["x"] >= area["x"] + area["width"]
    assert preview["y"] >= area["y"] + area["height"] or beside
    assert publish["y"] < preview["y"] or beside  # Publish is not pushed below the preview
    shoot(page, "write-story-preview")
    _no_serious_problems(page, axe_source)
    assert offsite_requests() == []


def test_delete_a_comment_asks_then_undo_brings_it_back(app, page, log_in, shoot, axe_source):
    _writer(app, "penitent")
    with app.app_context():
        thread = make_thread(make_user("host", handle="Host"), make_board("Talk"))
        writer = db.session.scalar(User.by_login_name("penitent"))
        make_reply(writer, thread, body="Words I want to take back, maybe.")
        address = f"/threads/{thread.public_id}"
        db.session.remove()
    log_in(page, "penitent")
    page.goto(address)
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("heading", name="Delete this post?")).to_be_visible()
    expect(page.locator(".delete-excerpt")).to_contain_text("Words I want to take back")
    shoot(page, "delete-confirm")
    _no_serious_problems(page, axe_source)
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("heading", name="Your post is deleted")).to_be_visible()
    shoot(page, "delete-undo")
    _no_serious_problems(page, axe_source)
    page.get_by_role("button", name="Undo").click()
    expect(page.locator(".comment-tree")).to_contain_text("Words I want to take back, maybe.")


def test_drafts_list_from_the_write_page(app, page, log_in, shoot, axe_source):
    _writer(app, "drafter")
    log_in(page, "drafter")
    for title in ("A first attempt", "Another beginning"):
        page.goto("/stories/new")
        page.get_by_label("Title").fill(title)
        page.get_by_label("Your story").fill("Not ready to be read yet.")
        page.get_by_role("button", name="Save draft").click()
    page.goto("/stories/new")
    page.get_by_role("link", name="Your drafts (2)").click()
    expect(page.locator(".draft-title").first).to_have_text("Another beginning")
    shoot(page, "drafts")
    _no_serious_problems(page, axe_source)
    page.get_by_text("Delete").first.click()  # the question opens in place
    expect(page.get_by_role("button", name="Delete draft “Another beginning”")).to_be_visible()
    _no_serious_problems(page, axe_source)
    page.get_by_role("link", name="Continue “A first attempt”").click()
    expect(page.get_by_label("Title")).to_have_value("A first attempt")


def test_a_closed_discussion_says_so_before_anyone_writes(app, page, log_in, shoot, axe_source):
    _writer(app, "latecomer")
    with app.app_context():
        from forum.clock import utcnow
        thread = make_thread(make_user("host2", handle="Host Two"), make_board("Talk"))
        thread.locked_at, thread.lock_reason = utcnow(), "It got heated; closed for now."
        db.session.commit()
        address = f"/threads/{thread.public_id}/reply"
        db.session.remove()
    log_in(page, "latecomer")
    page.goto(address)
    expect(page.get_by_role("alert")).to_contain_text("Replies are closed.")
    expect(page.locator("textarea")).to_have_count(0)
    shoot(page, "reply-closed")
    _no_serious_problems(page, axe_source)


def test_the_comment_box_under_a_thread_has_the_toolbar_and_help(app, page, log_in, axe_source):
    _writer(app)
    with app.app_context():
        make_thread(make_user("host", handle="Host"), make_board("Talk"), title="Evenings")
        db.session.remove()
    log_in(page, "quill")
    page.goto("/boards/talk")
    page.get_by_role("link", name="Evenings").click()
    box = page.locator("form.reply-form textarea")
    box.fill("still here")
    page.evaluate("""() => { const t = document.querySelector('form.reply-form textarea');
                              t.setSelectionRange(6, 10); }""")
    page.locator("form.reply-form").get_by_role("toolbar", name="Formatting") \
        .get_by_role("button", name="Italic").click()
    expect(box).to_have_value("still *here*")
    expect(page.locator("form.reply-form .word-count")).to_have_text("2 words")
    expect(page.locator("form.reply-form .formatting-help")).to_have_count(1)
    _no_serious_problems(page, axe_source)
