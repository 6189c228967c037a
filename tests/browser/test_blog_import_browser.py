"""A member brings their WordPress blog in from Settings: upload, preview, confirm."""
from playwright.sync_api import expect

from forum.clock import utcnow
from forum.extensions import db
from forum.models import Group, Story
from tests.browser.test_accessibility import COLOUR_RULES, serious_problems
from tests.factories import make_user
from tests.test_wxr_import import FIXTURE


def test_a_member_uploads_previews_and_imports_their_blog(page, app, log_in, shoot, axe_source,
                                                          offsite_requests, tmp_path):
    with app.app_context():
        make_user("maren_login", "Maren")
        db.session.add(Group(name="The Fellowship", slug="the-fellowship", description="",
                             created_at=utcnow()))
        db.session.commit()
    problems = {}

    def check(name):
        problems[name] = serious_problems(page, axe_source)
        page.emulate_media(color_scheme="dark")
        problems[f"{name} (dark)"] = serious_problems(page, axe_source, COLOUR_RULES)
        page.emulate_media(color_scheme="light")

    log_in(page, "maren_login")
    page.goto("/settings")
    page.get_by_role("link", name="Bring your blog").click()
    expect(page.get_by_role("heading", name="Bring your blog")).to_be_visible()
    check("upload")
    shoot(page, "blog-import-upload")

    # A file that is no export is refused on the form, calmly; nothing is kept.
    broken = tmp_path / "notes.xml"
    broken.write_text("<html><body>not a blog</body></html>")
    page.get_by_label("Your blog's export file").set_input_files(broken)
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.locator("#upload-refusal")).to_contain_text("This is not a WordPress export")
    check("refused upload")
    shoot(page, "blog-import-refused")

    page.get_by_label("Your blog's export file").set_input_files(FIXTURE)
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", name="What would come in")).to_be_visible()
    counts = page.locator("dl.import-counts")
    expect(counts).to_contain_text("Stories")
    expect(page.get_by_text("Spam comments: 1")).to_be_visible()
    category = page.get_by_label("Category: The Fellowship (1 post)")
    expect(category).to_have_value("the-fellowship")  # the same-named group, offered first
    check("preview")
    shoot(page, "blog-import-preview")

    page.get_by_label("A pseudonym of its own for each story", exact=False).check()
    page.get_by_role("button", name="Import my blog").click()
    expect(page.get_by_role("heading", name="Your blog is here")).to_be_visible()
    expect(page.locator("dl.import-counts")).to_contain_text("7")
    check("result")
    shoot(page, "blog-import-done")

    with app.app_context():
        story = db.session.query(Story).filter_by(slug="thirteen-years-inside").one()
        assert story.handle.kind == "anonymous"
        assert [g.slug for g in story.groups] == ["the-fellowship"]
    page.goto("/stories/thirteen-years-inside")
    expect(page.get_by_text("Ruth from Ohio").first).to_be_visible()
    assert {k: v for k, v in problems.items() if v} == {}
    assert offsite_requests() == []
