"""Languages: the catalogues are current and whole, and no page says a word that was not
marked for translation.

The last is found by a crawl in a pseudo-language: a catalogue made at test time from
messages.pot, in which every message reads "⟦…⟧" around its words with their letters
accented. The crawl of tests/test_anonymity.py then follows every link as a visitor, a
member, a moderator and an administrator; on every page, any visible text or label left
once the marked pieces are taken out must be something a person wrote (it is somewhere in
the database) or a date. Whatever else is left is English that no catalogue can reach.
"""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote

import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from sqlalchemy import String, Text, inspect, select

from forum import i18n
from forum.clock import utcnow
from forum.moderation import actions
from forum.notifications import mail
from forum.notifications.service import MODERATION_ACTIONS
from forum.extensions import db
from tests.factories import make_reply, make_story, make_user
# The crawl and the site it walks, from the anonymity crawl (its fixtures come with it).
from tests.test_anonymity import (VIEWERS, asking_admin, crawl, crawler,  # noqa: F401
                                  site, watched)

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "forum" / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None}
TRANSLATED = [code for code in i18n.LANGUAGES if code != i18n.DEFAULT]
PSEUDO = "eo"  # Esperanto: a real locale to Babel, and a language the site does not offer


def extracted() -> Catalog:
    """Every message marked in the code and the templates now, as pybabel extract finds them
    (README, "Languages": the same map and keywords)."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    catalog = Catalog()
    for top in ("forum", "templates"):
        for filename, lineno, message, comments, context in extract_from_dir(
                ROOT / top, method_map, options_map, keywords=KEYWORDS,
                comment_tags=("Translators:",), strip_comment_tags=True):
            catalog.add(message, None, [(f"{top}/{filename}", lineno)],
                        auto_comments=comments, context=context)
    return catalog


def keys(catalog) -> set:
    return {(m.context, m.id) for m in catalog if m.id}


def read_catalogue(path: Path, locale: str | None = None) -> Catalog:
    with open(path, "rb") as f:
        return read_po(f, locale=locale)


def test_the_catalogue_template_holds_every_marked_message():
    """messages.pot is what the code marks today: a message marked and not extracted, or
    extracted and since removed, fails here (README says how to extract again)."""
    marked, kept = keys(extracted()), keys(read_catalogue(TEMPLATE))
    assert marked - kept == set(), "marked but not in messages.pot: run pybabel extract"
    assert kept - marked == set(), "in messages.pot but no longer marked: run pybabel extract"


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_language_translates_every_message(code):
    template = keys(read_catalogue(TEMPLATE))
    catalogue = read_catalogue(TRANSLATIONS / code / "LC_MESSAGES" / "messages.po", code)
    assert keys(catalogue) == template, "run pybabel update"
    missing = [m.id for m in catalogue if m.id and (
        m.fuzzy or not all(m.string if isinstance(m.string, tuple) else (m.string,)))]
    assert missing == []
    # Babel's checks: the same placeholders as the English, the right number of plural forms.
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalogue.check()]
    assert problems == []


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_compiled_catalogues_are_the_written_ones(code):
    """The .mo files the site loads say what the .po files say (pybabel compile, README)."""
    folder = TRANSLATIONS / code / "LC_MESSAGES"
    written = read_catalogue(folder / "messages.po", code)
    with open(folder / "messages.mo", "rb") as f:
        compiled = read_mo(f)
    def entries(catalogue) -> dict:
        as_tuple = lambda value: value if isinstance(value, str) else tuple(value)
        return {(m.context, as_tuple(m.id)): as_tuple(m.string) for m in catalogue
                if m.id and not m.fuzzy}
    assert entries(compiled) == entries(written)


# --- the pseudo-language crawl ------------------------------------------------------------

OPEN, CLOSE = "⟦", "⟧"
_KEEP = re.compile(r"%\([a-z_]+\)[sdi]|%[sdi%]|<[^>]*>|&[#\w]+;")
# Accented, and each vowel written twice: a third longer, as German often is.
_ACCENTED = {ord(a): b for a, b in zip("aceinosuyACEINOSUY", "áçéîñöšûýÁÇÉÎÑÖŠÛÝ")}
_ACCENTED.update({ord(v): _ACCENTED[ord(v)] * 2 for v in "aeiouAEIOU"})


def pseudo(english: str) -> str:
    """`english` as the pseudo-language writes it: placeholders, tags and entities kept, the
    letters between them accented and longer, the whole between ⟦ and ⟧."""
    out, end = [], 0
    for kept in _KEEP.finditer(english):
        out += [english[end:kept.start()].translate(_ACCENTED), kept.group()]
        end = kept.end()
    out.append(english[end:].translate(_ACCENTED))
    return OPEN + "".join(out) + CLOSE


def write_pseudo_catalogue(folder: Path, code: str) -> None:
    """The pseudo-language's catalogue for the locale `code`, compiled, under `folder`."""
    catalogue = Catalog(locale=code)
    for message in read_catalogue(TEMPLATE):
        if not message.id:
            continue
        string = (tuple(pseudo(form) for form in message.id) if isinstance(message.id, tuple)
                  else pseudo(message.id))
        if isinstance(string, tuple):  # as many forms as the locale has (the last repeated)
            string = (string + (string[-1],) * catalogue.num_plurals)[:catalogue.num_plurals]
        catalogue.add(message.id, string, context=message.context)
    (folder / code / "LC_MESSAGES").mkdir(parents=True)
    with open(folder / code / "LC_MESSAGES" / "messages.mo", "wb") as f:
        write_mo(f, catalogue)


@pytest.fixture
def app_config(app_config, tmp_path):
    """The site with the pseudo-language's catalogue beside its own."""
    write_pseudo_catalogue(tmp_path, PSEUDO)
    return {**app_config, "BABEL_TRANSLATION_DIRECTORIES": f"translations;{tmp_path}"}


class Words(HTMLParser):
    """What a page shows a person: its text outside scripts and styles, and the labels a
    screen reader or a pointer shows (aria-label, title, alt, placeholder, an input button's
    value)."""

    LABELS = ("aria-label", "title", "alt", "placeholder")
    HIDDEN = ("script", "style", "textarea")
    CODE = ("code", "kbd")

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.shown: list[str] = []  # text, in the page's order
        self.labels: list[str] = []
        self.code: list[str] = []  # commands and keys a page names: not words to translate
        self._hidden = self._code = 0
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.HIDDEN:
            self._hidden += 1
        if tag in self.CODE:
            self._code += 1
        self.labels += [attrs[name] for name in self.LABELS if attrs.get(name)]
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.labels.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1
        if tag in self.CODE and self._code:
            self._code -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.shown.append(data)
            if self._code:
                self.code.append(data)


def written_by_people() -> str:
    """Every piece of text stored in the database, and the text of its stored HTML: what
    members, moderators and the administrator wrote, and the names the site gave."""
    pieces = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (String, Text))]
        if not columns or not inspect(db.engine).has_table(table.name):
            continue
        for row in db.session.execute(select(*columns)):
            for value in row:
                if isinstance(value, str):
                    pieces.append(value)
                    if "<" in value:
                        pieces.append(html.unescape(re.sub(r"<[^>]*>", " ", value)))
    return "\x00".join(pieces)


def untranslated(pages: dict, corpus: str, allowed: set[str],
                 dates: re.Pattern) -> dict[str, set[str]]:
    """Per page, the shown words that are neither marked nor a person's own (`dates`: the
    language's names of months and days, which dates are written with), and the values put
    into marked sentences that are English words no catalogue holds (a duration or a state
    spelled out in Python, say: every vowel of the pseudo-language is accented, so a plain
    one inside the marks came in as a value)."""
    found: dict[str, set[str]] = {}
    seen: dict[str, bool] = {}
    corpus += "\x00" + "\x00".join(code for _, kind, body in pages.values()
                                     if kind == "text/html" for code in Words(body).code)
    lowered = corpus.lower()

    def person_wrote(piece: str) -> bool:
        if piece not in seen:
            seen[piece] = piece in corpus or piece.lower() in lowered
        return seen[piece]

    for url, (status, kind, body) in pages.items():
        if kind != "text/html" or 300 <= status < 400:  # a redirect's body is never read
            continue
        words = Words(body)
        # A marked sentence with a link or a name in it spans several text nodes: its marks
        # are taken out of the page's text as a whole, innermost first.
        for text in ("\x01".join(words.shown), *words.labels):
            marked: list[str] = []
            while True:
                text, count = re.subn(f"{OPEN}([^{OPEN}{CLOSE}]*){CLOSE}",
                                      lambda m: marked.append(m.group(1)) or "\x00", text)
                if not count:
                    break
            for piece in re.split("[\x00\x01]", text):
                piece = " ".join(piece.split()).strip(" ·,.:;!?()[]\"'“”‘’«»—–-/|#*…")
                if not re.search(r"[A-Za-z]{2}", dates.sub("", piece)) or piece in allowed:
                    continue
                if not person_wrote(piece):
                    found.setdefault(piece, set()).add(url)
            for inside in marked:
                for value in re.findall(r"[A-Za-z]*[aeiouAEIOU][A-Za-z]*", dates.sub("", inside)):
                    if len(value) > 2 and value not in allowed and not person_wrote(value):
                        found.setdefault(f"value {value!r} in {inside[:70]!r}", set()).add(url)
    return found


@pytest.mark.parametrize("viewer", VIEWERS)
def test_no_page_shows_a_word_left_out_of_the_catalogues(app, site, viewer, request,
                                                         monkeypatch):
    monkeypatch.setitem(i18n.LANGUAGES, PSEUDO, "Pseudo")
    client, start = crawler(app, site, viewer, request)
    client.get("/")  # shows (and so ends) any message flashed in English by the fixtures
    client.set_cookie(i18n.COOKIE, PSEUDO)
    pages = crawl(client, start)
    assert pages["/"][2].startswith("<!doctype html>\n<html lang=\"eo\"")
    corpus = written_by_people()
    # The searches' words come from their addresses; the languages name themselves.
    allowed = {*i18n.LANGUAGES.values(), app.config["SITE_NAME"]}
    locale = Locale.parse(PSEUDO)
    dates = re.compile("|".join(re.escape(name) for names in (
        locale.months["format"]["wide"], locale.days["format"]["wide"])
        for name in names.values()))
    corpus += "\x00" + "\x00".join(unquote(url) for url in pages)
    # The support and safety pages are whole files per language (forum/pages/*.<code>.md):
    # the pseudo-language has none, so it is shown the English files.
    corpus += "\x00".join(path.read_text(encoding="utf-8")
                           for path in (ROOT / "forum" / "pages").glob("*.md"))
    # As a page shows it: Markdown's line breaks are spaces.
    left = untranslated(pages, re.sub(r"\s+", " ", corpus), allowed, dates)
    assert left == {}, "\n".join(f"{piece!r} on {sorted(urls)[:3]}"
                                 for piece, urls in sorted(left.items()))


# --- what a German or Spanish reader reads -----------------------------------------------

def _in(code: str, client):
    client.set_cookie(i18n.COOKIE, code)
    return client


@pytest.mark.parametrize("code, one, seven, date", [
    ("de", "1 Kommentar", "7 Kommentare", "21. November 2026"),
    ("es", "1 comentario", "7 comentarios", "21 de noviembre de 2026"),
])
def test_counts_and_dates_follow_the_language(app, ctx, code, one, seven, date):
    writer, reader = make_user(handle="Ada Writes"), make_user(handle="Ben Reads")
    day = datetime(2026, 11, 21, 15, 30)
    lone = make_story(writer, title="One answer", now=day)
    busy = make_story(writer, title="Many answers", now=day)
    make_reply(reader, lone.thread, now=day)
    for _n in range(7):
        make_reply(reader, busy.thread, now=day)
    client = _in(code, app.test_client())
    lone_page = client.get(f"/stories/{lone.slug}").get_data(as_text=True)
    busy_page = client.get(f"/stories/{busy.slug}").get_data(as_text=True)
    assert f"<html lang=\"{code}\"" in lone_page
    assert one in lone_page and seven in busy_page and date in busy_page
    assert "7 comments" not in busy_page and "November 2026</" not in busy_page.replace(date, "")


@pytest.mark.parametrize("code, subject", [("de", "2 neue Antworten auf Afterward"),
                                           ("es", "2 respuestas nuevas en Afterward")])
def test_a_digest_goes_out_in_its_readers_language(app, ctx, code, subject):
    """Sent by the daily job, outside any request: in the member's own setting."""
    member = make_user(handle="Digest Reader")
    member.language = code
    message = mail.digest_message("reader@example.org", 2, user=member)
    assert message["Subject"] == subject
    # A member who follows the browser (no setting) gets English outside a request.
    member.language = None
    assert mail.digest_message("reader@example.org", 1, user=member)["Subject"] == (
        "1 new reply on Afterward")


def test_a_moderators_action_reads_in_the_authors_language(app, ctx, make_browser):
    """The action's words are stored in English with the notification; the author reads
    them in German, the moderator's own reason as written."""
    author, moderator = make_user(handle="Ada Writes"), make_user(handle="June", role="moderator")
    thread = make_story(author, title="Kept words").thread
    post = make_reply(author, thread, body="A reply to take down.")
    actions.hide(moderator, post, reason="Names a private person.", now=utcnow())
    browser = make_browser()
    browser.login(author.login_name)
    page = _in("de", browser.client).get("/notifications").get_data(as_text=True)
    assert "vom Moderationsteam entfernt: Names a private person." in page
    assert "removed by a moderator" not in page
    # Every phrase the moderation code stores has its translation waiting.
    stored = {"".join(parts) for parts in re.findall(
        r'tell_author\(item, "([^"]+)"\s*(?:"([^"]+)")?',
        "".join(path.read_text() for path in (ROOT / "forum" / "moderation").glob("*.py")))}
    assert stored == set(MODERATION_ACTIONS)


def test_a_refused_form_answers_in_the_writers_language_with_the_text_kept(app, ctx, person):
    """A story too long for the site: refused in Spanish, every word of it still there."""
    app.config["MAX_BODY_CHARS"] = 50
    make_user("escritora", "Escritora")
    assert person.login("escritora").status_code == 302
    _in("es", person.client)
    words = "Palabras que no se pueden perder. " * 3
    refused = person.submit("/stories/new", {"title": "Mi historia", "body": words})
    page = refused.get_data(as_text=True)
    assert refused.status_code in (400, 422)
    assert "Palabras que no se pueden perder." in page and "Mi historia" in page
    assert 'lang="es"' in page and "caracteres" in page
