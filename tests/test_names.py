"""Handle names: look-alike impersonation refused at registration and in settings."""
from __future__ import annotations

import pytest

from forum.names import (
    ADJECTIVES,
    ANIMALS,
    HandleNameError,
    check_public_name,
    looks_like_pseudonym,
    name_key,
    pseudonym,
)
from tests.factories import make_user

# Each of these must collide with "Paul Smith" (same key), whatever trick it uses.
LOOK_ALIKES = [
    "paul smith",            # case
    "PAUL SMITH",
    "Pau1 Smith",            # digit one for l
    "PauI Smith",            # capital i for l
    "Paul Smíth",            # accent
    "Paul  Smith",           # two spaces
    "Paul_Smith",            # separators
    "Paul.Smith",
    "PaulSmith",
    "Ｐａｕｌ Ｓｍｉｔｈ",     # full width
    "Paul Sm1th",
    "Paul Srnith",           # r n for m
]
INVISIBLE = [
    "Paul\u200bSmith",       # zero-width space
    "Paul\u200dSmith",       # zero-width joiner
    "\ufeffPaul Smith",      # byte-order mark
    "Paul Smith\u2060",      # word joiner
    "Paul \u202eSmith",      # right-to-left override
    "Paul \u2066Smith\u2069",  # isolates
    "Paul\u00adSmith",       # soft hyphen
    "Paul\U000e0041Smith",   # tag character
    "Paul\u3164Smith",       # Hangul filler
]


@pytest.mark.parametrize("name", LOOK_ALIKES)
def test_look_alikes_share_one_key(name):
    assert name_key(name) == name_key("Paul Smith")


def test_whole_script_look_alikes_share_the_latin_key():
    assert name_key("ѕсоре") == name_key("scope")
    assert name_key("ΤΑΧΙ") == name_key("TAXI")
    assert name_key("РОМА") == name_key("POMA")
    # Greek capital eta is an H even though its small letter looks like an n.
    assert name_key("ΗΟΜΕ") == name_key("HOME")


@pytest.mark.parametrize("name", INVISIBLE)
def test_invisible_and_direction_characters_are_refused(name):
    with pytest.raises(HandleNameError, match="invisible"):
        check_public_name(name)


@pytest.mark.parametrize("name", ["Раul", "Paul Ѕmith", "Pαul"])
def test_mixed_alphabets_are_refused(name):
    with pytest.raises(HandleNameError, match="one alphabet"):
        check_public_name(name)


@pytest.mark.parametrize("name", ["山田たろう", "김민준", "Жанна", "Ελένη", "José Núñez"])
def test_real_names_in_one_writing_system_are_fine(name):
    assert check_public_name(name) == name


@pytest.mark.parametrize("name", ["Admin", "ADM1N", "Moderator", "Afterward", "Deleted", "You"])
def test_names_that_pass_for_the_site_are_refused(name):
    with pytest.raises(HandleNameError, match="mistaken"):
        check_public_name(name)


@pytest.mark.parametrize("name", ["Quiet Heron", "quiet_heron", "QuietHeron", "Qu1et Heron 7"])
def test_names_shaped_like_pseudonyms_are_refused(name):
    assert looks_like_pseudonym(name)
    with pytest.raises(HandleNameError, match="anonymous"):
        check_public_name(name)


def test_ordinary_names_are_not_pseudonyms():
    for name in ("Ruth Walks", "Early Bird", "Swiftly", "maren_after", "afterward_admin"):
        assert check_public_name(name) == name


def test_spaces_are_tidied():
    assert check_public_name("  Paul \u00a0 Smith ") == "Paul Smith"


def test_pseudonyms_avoid_taken_keys():
    taken = {name_key(pseudonym(set())) for _ in range(50)}
    for _ in range(50):
        assert name_key(pseudonym(taken)) not in taken


def test_pseudonym_gets_a_number_when_every_pair_is_taken():
    every_pair = {name_key(f"{a} {b}") for a in ADJECTIVES for b in ANIMALS}
    name = pseudonym(every_pair)
    assert name.rsplit(" ", 1)[1].isdigit()


# --- through the forms ------------------------------------------------------------------

@pytest.mark.parametrize("name", ["PAUL SMITH", "Pau1 Smith", "Paul\u00a0Smith", "ΡаuΙ Smith"])
def test_registration_refuses_a_look_alike(ctx, person, name):
    make_user("paul", "Paul Smith")
    response = person.register("copycat", handle=name)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "taken" in body or "one alphabet" in body


@pytest.mark.parametrize("name", INVISIBLE[:4])
def test_registration_refuses_invisible_characters(person, name):
    response = person.register("sneaky", handle=name)
    assert response.status_code == 400
    assert "invisible" in response.get_data(as_text=True)


@pytest.mark.parametrize("name", ["Paul Sm1th", "PaulSmith", "Paul Smith\u200b"])
def test_settings_refuse_a_look_alike(ctx, person, name):
    make_user("paul", "Paul Smith")
    make_user("ruth", "Ruth")
    assert person.login("ruth").status_code == 302
    response = person.submit("/settings", {"handle": name, "bio": ""},
                              action="/settings/profile")
    assert response.status_code == 400
    assert "Ruth" in person.get("/settings").get_data(as_text=True)
