"""The write forms (issue 19): a closed discussion says so before anyone writes, a refusal
looks like one, every form has formatting help, and bare web addresses become links."""
import re
from datetime import timedelta

import pytest

from forum import text
from forum.clock import utcnow
from forum.extensions import db
from forum.models import User
from tests.factories import make_board, make_reply, make_story, make_thread, make_user

TEXT = "Three years of my life.\n\nI am still angry, and that is all right."


@pytest.fixture
def writer(person, ctx):
    person.register("writer", handle="Writer")
    return person


def _lock(thread, reason="cooling down", by_author=False):
    thread.locked_at, thread.lock_reason, thread.locked_by_author = utcnow(), reason, by_author
    db.session.commit()


# --- 1. a locked thread does not serve its reply form -------------------------------------

def test_locked_board_thread_refuses_the_reply_form_up_front(writer):
    host = make_user("host")
    thread = make_thread(host, make_board("Talk"))
    first = make_reply(host, thread, body="Anyone?")
    _lock(thread)
    r = writer.get(f"/threads/{thread.public_id}/reply?to={first.public_id}")
    page = r.get_data(as_text=True)
    assert r.status_code == 403
    assert "Replies are closed." in page and "cooling down" in page
    assert "<textarea" not in page and 'name="body"' not in page
    # The thread's own page offers no reply link to the writer.
    shown = writer.get(f"/threads/{thread.public_id}").get_data(as_text=True)
    assert "/reply?to=" not in shown


def test_locked_story_comments_refuse_the_comment_form_up_front(writer):
    story = make_story(make_user("author"))
    _lock(story.thread, reason="I need a break", by_author=True)
    r = writer.get(f"/threads/{story.thread.public_id}/reply")
    page = r.get_data(as_text=True)
    assert r.status_code == 403
    assert "Comments are closed." in page and "The author closed them: I need a break" in page
    assert "<textarea" not in page


def test_open_thread_still_serves_the_reply_form(writer):
    thread = make_thread(make_user("host"), make_board("Talk"))
    r = writer.get(f"/threads/{thread.public_id}/reply")
    assert r.status_code == 200 and "<textarea" in r.get_data(as_text=True)


# --- 2. refusals look like refusals -------------------------------------------------------

def _notice(page):
    return re.search(r'<p class="notice([^"]*)" role="alert">', page)


def test_rate_limited_reply_is_a_warning_and_keeps_the_text(writer, app):
    app.config.update(POST_INTERVAL=30, NEW_POST_INTERVAL=30)
    thread = make_thread(make_user("host"), make_board("Talk"))
    url = f"/threads/{thread.public_id}/reply"
    assert writer.submit(url, {"body": "first"}).status_code == 302
    r = writer.submit(url, {"body": TEXT})
    page = r.get_data(as_text=True)
    assert r.status_code == 429
    assert _notice(page).group(1).split() == ["warning"]
    assert "Three years of my life." in page and "that is all right." in page


def test_locked_refusal_after_sending_is_an_error_with_the_text(writer):
    thread = make_thread(make_user("host"), make_board("Talk"))
    token = writer.csrf_token(f"/threads/{thread.public_id}/reply")
    _lock(thread)
    r = writer.client.post(f"/threads/{thread.public_id}/reply",
                           data={"body": TEXT, "csrf_token": token})
    page = r.get_data(as_text=True)
    assert r.status_code == 403 and _notice(page).group(1).split() == ["error"]
    assert "Three years of my life." in page


def test_refused_story_is_an_error_with_the_text(writer):
    user = db.session.scalar(User.by_login_name("writer"))
    user.suspended_until = utcnow() + timedelta(days=2)
    db.session.commit()
    r = writer.submit("/stories/new", {"title": "Mine", "body": TEXT})
    page = r.get_data(as_text=True)
    assert r.status_code == 403 and _notice(page).group(1).split() == ["error"]
    assert "Three years of my life." in page


def test_refused_report_is_an_error(writer, app):
    app.config.update(REPORT_LIMIT="1 per hour", ADDRESS_REPORT_LIMIT="100 per hour")
    host = make_user("host")
    story = make_story(host)
    first, second = make_story(host, title="Second"), story
    assert writer.submit(f"/stories/{first.slug}/report",
                         {"reason": "spam"}).status_code == 302
    r = writer.submit(f"/stories/{second.slug}/report", {"reason": "spam", "details": TEXT})
    page = r.get_data(as_text=True)
    assert r.status_code == 429 and _notice(page).group(1).split() == ["warning"]
    assert "Three years of my life." in page


def test_the_formatting_help_kept_per_language_speaks_each_readers_language(writer):
    """The help is rendered once per language and process (forum/templating.py): one
    process serves it in English, German and Spanish in turn, and English again, under the
    reply box of a thread and on the reply page."""
    thread = make_thread(make_user("host"), make_board("Talk"))
    words = {"en": "<summary>Formatting help</summary>", "de": "<summary>Hilfe zur Formatierung",
             "es": "<summary>Ayuda de formato"}
    for code in ("en", "de", "es", "en"):
        for url in (f"/threads/{thread.public_id}", f"/threads/{thread.public_id}/reply"):
            page = writer.get(url, headers={"Accept-Language": code}).get_data(as_text=True)
            assert words[code] in page, (code, url)
            assert sum(summary in page for summary in words.values()) == 1, (code, url)
        # Beside it in the thread's reply box, the gate fields, the honeypot's label in
        # the reader's language too (kept per language, forum/gates.py).
        page = writer.get(f"/threads/{thread.public_id}",
                          headers={"Accept-Language": code}).get_data(as_text=True)
        assert 'id="website" name="website" value=""' in page and 'name="started" value="' in page
        assert ("Leave this field empty" in page) == (code == "en")


# --- 5. writing a long text ---------------------------------------------------------------

def test_every_write_form_has_formatting_help_and_preview_below(writer):
    board = make_board("Talk")
    thread = make_thread(make_user("host"), board)
    mine = make_reply(db.session.scalar(User.by_login_name("writer")), thread, body="mine")
    for url in ("/stories/new", f"/boards/{board.slug}/new", f"/threads/{thread.public_id}/reply",
                f"/posts/{mine.public_id}/edit"):
        page = writer.get(url).get_data(as_text=True)
        assert '<summary>Formatting help</summary>' in page, url
        assert "**strong**" in page and "[words](https://example.org)" in page, url
        assert "js/compose.js" in page and "data-compose" in page, url
        r = writer.submit(url, {"title": "T", "body": "Four *small* words here",
                                "action": "preview"})
        page = r.get_data(as_text=True)
        assert r.status_code == 200, url
        # Below the form (its buttons first), with a word count made by the server.
        assert page.index('value="publish"') < page.index('<section class="preview'), url
        assert '<span class="preview-words">4 words</span>' in page, url


def test_bare_addresses_become_links_when_written():
    html = text.render("Read https://example.org/x, then `https://example.org/code` and "
                       "[named](https://example.org/n) or javascript:alert(1)").html
    assert ('<a href="https://example.org/x" rel="nofollow ugc noopener noreferrer">'
            'https://example.org/x</a>,') in html
    assert "<code>https://example.org/code</code>" in html  # not inside code
    assert html.count("<a ") == 2  # the named link is not linked twice
    assert 'href="javascript' not in html
    assert text.render("    https://example.org/block").html.count("<a ") == 0


def test_bare_address_in_a_published_post_is_a_link(writer):
    thread = make_thread(make_user("host"), make_board("Talk"))
    url = f"/threads/{thread.public_id}/reply"
    writer.submit(url, {"body": "This helped me: https://example.org/help"})
    page = writer.get(f"/threads/{thread.public_id}").get_data(as_text=True)
    assert ('<a href="https://example.org/help" rel="nofollow ugc noopener noreferrer">'
            in page)
