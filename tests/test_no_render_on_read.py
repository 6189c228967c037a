"""No GET renders Markdown: pages show the HTML and excerpts stored when the text was written.

Every rendering entry point (forum.text.render, the Markdown parser, the nh3 sanitiser) is
made to raise, then every GET page of a small site is read as a visitor, a member, a
moderator and an admin: each must still answer, as it does with rendering in place."""
from __future__ import annotations

import markdown_it
import nh3
import pytest

from forum import text
from tests.security import site as seed_site


class RenderedOnRead(AssertionError):
    pass


def _refuse(*args, **kwargs):
    raise RenderedOnRead("a GET rendered Markdown")


@pytest.fixture
def site(app):
    return seed_site.seed(app)


@pytest.mark.parametrize("who", [None, "member_one", "the_moderator", "the_admin"])
def test_no_get_renders_markdown(app, make_browser, site, monkeypatch, who):
    person = seed_site.logged_in(make_browser, who) if who else make_browser()
    urls = seed_site.urls(app, site, "GET")
    # What each page answers with rendering in place: the same answers without it.
    expected = {url: person.get(url).status_code for _, url in urls}
    monkeypatch.setattr(text, "render", _refuse)
    monkeypatch.setattr(markdown_it.MarkdownIt, "render", _refuse)
    monkeypatch.setattr(nh3, "clean", _refuse)
    # The crawl itself checks the stand-ins are in the way.
    with pytest.raises(RenderedOnRead):
        text.render("*x*")
    answered = {}
    for _, url in urls:
        response = person.get(url)
        answered[url] = response.status_code
        response.close()
    assert answered == expected
    assert sum(1 for code in answered.values() if code == 200) > 20
