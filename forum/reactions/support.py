"""Quiet support under a story, kept per process like the frame (forum/frame.py).

The section's HTML depends on the story's address and counts, on four decisions about the
reader (may they press, say "I lived this too", switch it on or off, are they logged in) and
on what they pressed: all of it is in the key, and the template reads nothing else (it is
given exactly these values, and a test checks it asks for no other name). The reader's CSRF
token and the page's one-time key go in afterwards, as in the frame. Rendered afresh on every
page, its some sixty template steps were 0.1 ms of a member's story page."""
from __future__ import annotations

from types import SimpleNamespace

from flask_login import current_user
from markupsafe import Markup

from .. import permissions
from ..frame import kept_part


def story_support(story, groups, mine: dict, barred: bool) -> Markup:
    """The support section under `story` for this reader (templates/reactions/_support.html):
    `groups` the story's groups, `mine` what the reader pressed ({"pressed": kinds,
    "lived": bool}), `barred` whether its author barred them from the comments."""
    if not story.is_published:
        return Markup("")
    user = current_user._get_current_object()  # the account, not the proxy: asked often
    has_groups = bool(groups)
    values = SimpleNamespace(
        slug=story.slug, thanks_count=story.thanks_count, relate_count=story.relate_count,
        strength_count=story.strength_count, lived_count=story.lived_count,
        lived_off=bool(story.lived_off), has_groups=has_groups,
        signed_in=bool(user.is_authenticated),
        may_react=not barred and permissions.can_react_to_story(user, story),
        say_lived=has_groups and permissions.can_say_lived_this(user, story, True),
        set_lived=has_groups and permissions.can_set_lived_this(user, story),
        pressed=frozenset(mine["pressed"]), lived=bool(mine["lived"]))
    return kept_part("reactions/_support.html", ("support", *sorted(vars(values).items())),
                     s=values)
