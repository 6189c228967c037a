"""Handle names: what a public handle may look like, and generated anonymous pseudonyms."""
import re
import secrets
import unicodedata

# Characters that render as nothing or reorder text: never allowed in a name.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)
# Look-alikes folded to one letter so "Pau1", "PauI" and "Раul" (Cyrillic) collide with "Paul".
_CONFUSABLES = str.maketrans({
    "0": "o", "1": "l", "i": "l", "|": "l", "5": "s", "$": "s", "3": "e", "@": "a",
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "l",
    "ј": "j", "ѕ": "s", "ԁ": "d", "ɡ": "g", "һ": "h", "ο": "o", "ν": "v", "α": "a",
    "κ": "k", "ρ": "p", "τ": "t", "ι": "l", "μ": "u", "ɑ": "a", "ӏ": "l",
})
NAME_RE = re.compile(r"^[\w][\w .\-']{1,30}[\w]$")


class HandleNameError(ValueError):
    """A handle name that cannot be used, with a message for the person choosing it."""


def name_key(name: str) -> str:
    """Fold a name to the form used for uniqueness: case, width, look-alikes, separators."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    folded = "".join(
        c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c)
    )
    folded = folded.translate(_CONFUSABLES).replace("rn", "m").replace("vv", "w")
    return re.sub(r"[\s._\-']+", "", folded)


def check_public_name(name: str) -> str:
    """Return the cleaned name, or raise HandleNameError saying what is wrong with it."""
    if _INVISIBLE.search(name) or any(unicodedata.category(c) in ("Cc", "Cf") for c in name):
        raise HandleNameError("Handles cannot contain invisible or direction-changing characters.")
    name = unicodedata.normalize("NFKC", name).strip()
    if not NAME_RE.match(name):
        raise HandleNameError(
            "Use 3 to 32 letters, digits, spaces, dots, dashes or underscores, "
            "starting and ending with a letter or digit."
        )
    scripts = {unicodedata.name(c, "").split(" ")[0] for c in name if c.isalpha()}
    if len(scripts) > 1:
        raise HandleNameError("Use letters from one alphabet only, so nobody can imitate the name.")
    if looks_like_pseudonym(name):
        # Otherwise a public name could pass for someone's anonymous pseudonym, or claim one.
        raise HandleNameError("Names like this are kept for anonymous posts. Please choose another.")
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


def looks_like_pseudonym(name: str) -> bool:
    """Tell whether a name has the shape of a generated pseudonym ("Quiet Heron")."""
    words = name_key_words(name)
    adjectives = {a.casefold() for a in ADJECTIVES}
    animals = {a.casefold() for a in ANIMALS}
    return len(words) >= 2 and words[0] in adjectives and words[1] in animals


def name_key_words(name: str) -> list[str]:
    return [w for w in re.split(r"[\s._\-']+", unicodedata.normalize("NFKC", name).casefold()) if w]


def pseudonym(taken: set[str]) -> str:
    """A random two-word pseudonym whose key is not in `taken` (keys used in one thread)."""
    for _ in range(50):
        name = f"{secrets.choice(ADJECTIVES)} {secrets.choice(ANIMALS)}"
        if name_key(name) not in taken:
            return name
    # Past 50 tries the thread is very busy: a number keeps the name unique.
    while True:
        name = f"{secrets.choice(ADJECTIVES)} {secrets.choice(ANIMALS)} {secrets.randbelow(1000)}"
        if name_key(name) not in taken:
            return name
