"""The anonymity promise says exactly what the code keeps, everywhere the site makes it.

What the code keeps (tests/test_anonymity.py, tests/test_admin.py): no member or moderator can
link a generated name to its account; an administrator can, only for a threat to someone's
safety or a legal demand, only with a second administrator's approval, and every time is
counted on the public transparency page; deleting an account cuts its names loose for good.

- No text of the site (templates, Python strings, the Markdown pages) claims more: no
  "nobody", "no one" or "impossible" near "link", "trace" and the like, except about a
  deleted account, where it is true.
- Every place a writer chooses a generated name, and the safety, support, registration and
  transparency pages, say the whole promise, exceptions included.
"""
from __future__ import annotations

import ast
import html
import re
from pathlib import Path

import pytest

from forum.names import ANONYMITY_PROMISE
from tests.factories import make_board, make_thread, make_user

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted([*ROOT.glob("templates/**/*.html"), *ROOT.glob("forum/**/*.py"),
                  *ROOT.glob("forum/**/*.md")])
ABSOLUTE = r"\b(?:nobody|no one|no-one|noone|impossible|untraceable|unlinkable|anonymous to everyone)\b"
# Linking a name to a person, not a link one clicks ("opens the link"): "link it", "link
# them to", "linked to", "trace", "identify", "unmask", "tell who", "find out who".
LINKING = (r"\b(?:link(?:ed|s|ing)? (?:it|them|this|that|these|you|to|back|your|a name|names|"
           r"pseudonyms?)|trace|traced|tracing|identify|identified|unmask|"
           r"know (?:it is|it's|that it is) you|tell (?:it is|that it is|who)|find out who)")
# A deleted account's names are cut loose for good (forum/profiles/deletion.py), so there an
# absolute word is the truth.
TRUE_ABSOLUTELY = re.compile(r"\bdelet", re.I)


def sentences(text: str):
    text = re.sub(r"<[^>]+>|\{[{%#].*?[}%#]\}", " ", text, flags=re.S)  # markup, Jinja
    text = re.sub(r"\s+", " ", text)
    return re.split(r"(?<=[.!?;])\s+", html.unescape(text))


def over_promises(text: str) -> list[str]:
    found = []
    for sentence in sentences(text):
        if (re.search(ABSOLUTE, sentence, re.I) and re.search(LINKING, sentence, re.I)
                and not TRUE_ABSOLUTELY.search(sentence)):
            found.append(sentence.strip())
    return found


@pytest.mark.parametrize("wording", [
    "Shows a generated name. Nobody can link it to you.",
    "You can post under a generated name that nobody can link to you.",
    "It is impossible to trace a pseudonym back to you.",
    "No one, not even the administrators, can tell who wrote it.",
])
def test_the_check_catches_a_promise_broader_than_the_truth(wording):
    assert over_promises(wording)


@pytest.mark.parametrize("wording", [
    str(ANONYMITY_PROMISE),  # lazy (said in the reader's language): the check reads text
    "Your anonymous names are cut loose from your account: after this, the site no longer "
    "records that they were yours, so nobody can look it up, administrators included, once "
    "the account is deleted.",
    "Your login name is private. It never appears anywhere on the site, and nobody else "
    "ever sees it.",
    "It gets the confirmation mail and nothing else, and is forgotten if nobody opens the link.",
])
def test_the_check_lets_the_truth_through(wording):
    assert over_promises(wording) == []


def words_of(path: Path) -> str:
    """What a file can say to a person: a template's or page's text, a module's strings."""
    source = path.read_text(encoding="utf-8")
    if path.suffix != ".py":
        return source
    return "\n".join(node.value for node in ast.walk(ast.parse(source))
                     if isinstance(node, ast.Constant) and isinstance(node.value, str))


def test_no_text_of_the_site_claims_more_than_the_code_keeps():
    assert len(SOURCES) > 50, "the check lost its way: it found too few files"
    found = {str(path.relative_to(ROOT)): over_promises(words_of(path)) for path in SOURCES}
    assert {path: claims for path, claims in found.items() if claims} == {}


WHOLE_PROMISE = ("Other members and the moderators cannot tell it is you",
                 "threat to someone", "legal demand", "second administrator")


def says_the_whole_promise(body: str, link: bool = True) -> None:
    text = re.sub(r"\s+", " ", html.unescape(body)).lower()
    for part in WHOLE_PROMISE:
        assert part.lower() in text, part
    if link:
        assert 'href="/transparency"' in body


@pytest.mark.parametrize("path", ["/safety", "/support", "/auth/register", "/transparency"])
def test_the_pages_say_the_whole_promise(client, path):
    response = client.get(path)
    assert response.status_code == 200
    says_the_whole_promise(response.get_data(as_text=True))


def test_every_post_anonymously_box_says_the_whole_promise(app, person):
    with app.app_context():
        make_user("writer", "Writer")
        board = make_board("Talk")
        thread = make_thread(make_user("starter", "Starter"), board)
        places = ["/stories/new", f"/boards/{board.slug}/new", f"/threads/{thread.public_id}"]
    person.login("writer")
    for path in places:
        body = person.get(path).get_data(as_text=True)
        help_text = re.search(r'id="[\w-]*anonymous-help">(.*?)</p>', body, re.S)
        assert help_text, path
        says_the_whole_promise(help_text.group(1), link=False)
        assert "Transparency page" in help_text.group(1)
