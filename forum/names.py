"""Handle names: what a public handle may look like, and generated anonymous pseudonyms."""
import re
import secrets
import unicodedata

from flask_babel import gettext as _, lazy_gettext as _l

# What the site promises about a generated name, wherever a writer chooses one; the code that
# keeps it: forum/admin/service.py (two administrators), forum/profiles/deletion.py (cut loose),
# and the anonymity crawl in tests/test_anonymity.py (members and moderators). Lazy: it is
# said in the reader's language, wherever it is shown (str() it before joining it to text).
ANONYMITY_PROMISE = _l(
    "Other members and the moderators cannot tell it is you. An administrator can find out "
    "only for a threat to someone's safety or a legal demand, only if a second administrator "
    "agrees, and each time is counted on the Transparency page."
)

# Characters that render as nothing or reorder text: never allowed in a name.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)
# Capitals that look like a different Latin capital, folded before casefold() turns them into
# small letters that no longer look alike (Greek "Η" is an H, its small "η" looks like an n).
_CONFUSABLE_CAPITALS = str.maketrans({
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
    "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S", "Ԛ": "Q", "Ԝ": "W",
})
# Look-alikes folded to one letter so "Pau1", "PauI" and "Раul" (Cyrillic) collide with "Paul".
_CONFUSABLES = str.maketrans({
    "0": "o", "1": "l", "i": "l", "|": "l", "5": "s", "$": "s", "3": "e", "@": "a",
    "ı": "l", "ɪ": "l", "ǀ": "l", "ɩ": "l", "ℓ": "l",
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "l",
    "ј": "j", "ѕ": "s", "ԁ": "d", "ɡ": "g", "һ": "h", "ԛ": "q", "ԝ": "w", "ү": "y",
    "ѵ": "v", "ӏ": "l", "ɑ": "a",
    "ο": "o", "ν": "v", "α": "a", "κ": "k", "ρ": "p", "τ": "t", "ι": "l", "μ": "u",
    "υ": "u", "χ": "x", "ω": "w", "ϲ": "c", "ϳ": "j", "ε": "e",
})
NAME_RE = re.compile(r"^[\w][\w .\-']{1,30}[\w]$")
# Scripts that are written together; any other mix of alphabets in one name is refused.
_SCRIPT_FAMILIES = (
    {"CJK", "HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA"},
    {"CJK", "HANGUL"},
)
# Names that would pass for the site or its staff speaking (compared by folded key).
RESERVED = {
    "admin", "administrator", "afterward", "anonymous", "deleted", "moderator", "moderators",
    "mod", "mods", "staff", "support", "system", "team", "you",
}


class HandleNameError(ValueError):
    """A handle name that cannot be used, with a message for the person choosing it."""


def name_key(name: str) -> str:
    """Fold a name to the form used for uniqueness: case, width, look-alikes, separators."""
    folded = unicodedata.normalize("NFKC", name).translate(_CONFUSABLE_CAPITALS).casefold()
    # Accents off ("Pául" is "Paul"), then recomposed so Hangul stays one character a syllable.
    folded = unicodedata.normalize("NFC", "".join(
        c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c)
    ))
    folded = folded.translate(_CONFUSABLES).replace("rn", "m").replace("vv", "w")
    return re.sub(r"[\s._\-']+", "", folded)[:64]


def _scripts_mix(name: str) -> bool:
    scripts = {unicodedata.name(c, "").split(" ")[0] for c in name if c.isalpha()}
    return len(scripts) > 1 and not any(scripts <= family for family in _SCRIPT_FAMILIES)


def check_public_name(name: str) -> str:
    """Return the cleaned name, or raise HandleNameError saying what is wrong with it."""
    if _INVISIBLE.search(name) or any(
        unicodedata.category(c) in ("Cc", "Cf", "Co", "Cn") for c in name
    ):
        raise HandleNameError(_("Handles cannot contain invisible or direction-changing characters."))
    # One plain space between words: "Paul  Smith" must not sit beside "Paul Smith".
    name = " ".join(unicodedata.normalize("NFKC", name).split())
    if not NAME_RE.match(name):
        raise HandleNameError(_(
            "Use 3 to 32 letters, digits, spaces, dots, dashes or underscores, "
            "starting and ending with a letter or digit."
        ))
    if _scripts_mix(name):
        raise HandleNameError(_("Use letters from one alphabet only, so nobody can imitate the name."))
    if name_key(name) in _RESERVED_KEYS:
        raise HandleNameError(_("That name could be mistaken for the site or its moderators."))
    if looks_like_pseudonym(name):
        # Otherwise a public name could pass for someone's anonymous pseudonym, or claim one.
        raise HandleNameError(_("Names like this are kept for anonymous posts. Please choose another."))
    return name


ADJECTIVES = (
    "Quiet Gentle Steady Patient Bright Calm Brave Kind Hopeful Wandering Distant Silver "
    "Amber Misty Early Northern Southern Eastern Western Hidden Open Clear Soft Still Wild "
    "Golden Slow Swift Warm Cool Morning Evening Winter Summer Autumn Spring Velvet Lucky "
    "Curious Honest Humble Free Light Deep Far Little Tall Sunny Rainy Foggy Stormy Mellow"
).split()
ANIMALS = (
    "Heron Otter Sparrow Fox Badger Hare Wren Finch Lark Owl Robin Swallow Deer Elk Moose "
    "Lynx Marten Beaver Seal Whale Dolphin Crane Stork Swan Goose Falcon Kestrel Raven "
    "Magpie Thrush Linnet Plover Curlew Egret Ibis Puffin Gannet Tern Petrel Bison Yak "
    "Ibex Gazelle Panda Koala Lemur Tortoise Newt Salamander Moth Bee Dragonfly Cricket"
).split()
_ADJECTIVE_KEYS = {name_key(a) for a in ADJECTIVES}
_ANIMAL_KEYS = tuple(name_key(a) for a in ANIMALS)
_RESERVED_KEYS = {name_key(r) for r in RESERVED}
_PSEUDONYMS = tuple(f"{adjective} {animal}" for adjective in ADJECTIVES for animal in ANIMALS)
_PSEUDONYM_KEYS = tuple(name_key(name) for name in _PSEUDONYMS)


def looks_like_pseudonym(name: str) -> bool:
    """Tell whether a name reads as a generated pseudonym ("Quiet Heron", "QuietHeron2")."""
    key = name_key(name)
    return any(
        key.startswith(adjective) and key[len(adjective):].startswith(_ANIMAL_KEYS)
        for adjective in _ADJECTIVE_KEYS
    )


def pseudonym(taken: set[str]) -> str:
    """A random two-word pseudonym whose key is not in `taken` (keys to avoid, folded)."""
    free = [name for name, key in zip(_PSEUDONYMS, _PSEUDONYM_KEYS) if key not in taken]
    if free:
        return secrets.choice(free)
    # Every pair is used here (a very busy thread, or a very prolific writer): add a number.
    while True:
        name = f"{secrets.choice(_PSEUDONYMS)} {secrets.randbelow(10_000)}"
        if name_key(name) not in taken:
            return name
