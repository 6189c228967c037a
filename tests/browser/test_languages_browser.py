"""The site in German and in Spanish, as a person sees it: the switcher at the foot of the
page changes the language, no English is left but what people wrote, the header still holds
at 360 and 1280 pixels with the longer words, and every page passes axe. A right-to-left
pseudo-language (Arabic's direction, the English catalogue's words made a third longer)
shows the frame mirrored and nothing cut or pushed sideways.

Screenshots: screenshots/lang-<code>-<page>-<scheme>-<width>.png.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from forum import i18n
from tests.browser.test_accessibility import serious_problems
from tests.browser.test_layout import HEADER, OUTSIDE, ROLES, _log_in
from tests.test_translations import (TRANSLATIONS, read_catalogue,
                                     write_pseudo_catalogue)

STORY_PATH = "/stories/growing-up-at-stillwater"  # the demo's long story, with comments
RTL = "ar"  # a locale whose direction is right to left; its words are the pseudo-language's

# What each role reads, after the home page.
PAGES = {
    "visitor": ["/stories/", "/boards/", "/safety", "/auth/register"],
    "member": ["/stories/new", "/settings", "/notifications"],
    "moderator": ["/mod/"],
    "admin": ["/admin/members"],
}


@pytest.fixture
def app_config(app_config, tmp_path):
    write_pseudo_catalogue(tmp_path, RTL)
    return {**app_config, "BABEL_TRANSLATION_DIRECTORIES": f"translations;{tmp_path}"}


def english_left(page, code: str) -> list[str]:
    """Lines of the page that are an English message whose translation reads otherwise."""
    catalogue = read_catalogue(TRANSLATIONS / code / "LC_MESSAGES" / "messages.po", code)
    english = {m.id for m in catalogue if m.id and isinstance(m.id, str) and m.string
               and m.string != m.id and "%" not in m.id and "<" not in m.id}
    lines = {" ".join(line.split()) for line in page.locator("body").inner_text().splitlines()}
    return sorted(line for line in lines if line in english)


def frame_holds(page) -> None:
    """The header is one row at 1280 and 1024 and compact at 360; nothing is cut or sticks
    out."""
    for width in (1280, 1024):
        page.set_viewport_size({"width": width, "height": 800})
        header = page.evaluate(HEADER)
        middles = {item["middle"] for item in header["items"]}
        assert max(middles) - min(middles) <= 4, (width, header["items"])
        assert [item["name"] for item in header["items"] if item["cut"]] == [], width
        assert page.evaluate(OUTSIDE) == [], width
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.evaluate(HEADER)["height"] <= 100
    assert page.evaluate(OUTSIDE) == []
    page.set_viewport_size({"width": 1280, "height": 800})


def switch_to(page, code: str) -> None:
    """Choose the language at the foot of the page, as a person would."""
    with page.expect_navigation(wait_until="load"):
        page.locator(f"footer [lang='{code}']").first.click()
    expect(page.locator("html")).to_have_attribute("lang", code)


@pytest.mark.parametrize("code", [c for c in i18n.LANGUAGES if c != i18n.DEFAULT])
@pytest.mark.parametrize("role", list(ROLES))
def test_a_reader_switches_language_and_reads_it_everywhere(page, seeded, role, code, shoot,
                                                            axe_source):
    _log_in(page, role)
    page.goto("/")
    switch_to(page, code)
    for path in ["/", STORY_PATH, *PAGES[role]]:
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", code)
        assert english_left(page, code) == [], path
        assert serious_problems(page, axe_source) == [], path
        frame_holds(page)
        name = re.sub(r"[^a-z0-9]+", "-", path.strip("/")) or "home"
        shoot(page, f"lang-{code}-{role}-{name}")


@pytest.mark.parametrize("role", ["visitor", "member"])
def test_right_to_left_holds_with_longer_words(page, seeded, role, shoot, monkeypatch,
                                                base_url):
    monkeypatch.setitem(i18n.LANGUAGES, RTL, "Pseudo")
    _log_in(page, role)
    page.context.add_cookies([{"name": i18n.COOKIE, "value": RTL,
                               "url": base_url}])
    for path in ["/", "/stories/", *PAGES[role][:2]]:
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        frame_holds(page)
        name = re.sub(r"[^a-z0-9]+", "-", path.strip("/")) or "home"
        shoot(page, f"lang-rtl-{role}-{name}")
