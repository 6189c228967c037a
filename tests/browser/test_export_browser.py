"""A member downloads their own writing, readable, from Settings."""
import zipfile

from forum.demo.content import DEMO_PASSWORD


def test_a_member_downloads_their_writing(page, seeded, log_in, shoot, offsite_requests,
                                          tmp_path):
    log_in(page, "june_mod", DEMO_PASSWORD)
    page.goto("/settings")
    section = page.locator("section", has=page.get_by_role("heading",
                                                           name="Your writing and your data"))
    section.scroll_into_view_if_needed()
    shoot(page, "settings-downloads")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download my writing").click()
    download = info.value
    assert download.suggested_filename == "afterward-my-writing.zip"
    path = tmp_path / "writing.zip"
    download.save_as(path)
    with zipfile.ZipFile(path) as archive:
        assert "afterward-my-writing/index.md" in archive.namelist()
    assert offsite_requests() == []
