"""What an email address may look like: one plain address, nothing a mail header could split.

The address goes into the To: header of the digest and of notices. A line break in it would
end that header and start another (or break the message for everyone in the batch), and a
comma or angle brackets would make it several recipients. So an address is refused unless it
is exactly local-part@domain, in the shape nearly every provider hands out; a domain in
another script is stored in its ASCII (IDNA) form, which every mail server accepts.
"""
from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l

EMAIL_MAX = 254  # RFC 5321: the longest address a mail server has to accept
LOCAL_MAX = 64
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
# Translators: name@example.org is an example address; keep it as it is.
SHAPE = _l("That does not look like one email address, such as name@example.org.")


class EmailError(ValueError):
    """An address the site will not store, with a sentence saying why.

    The sentence is lazy: it is put into words (in the reader's language) only when shown,
    so a job that merely tests an address (is_usable) needs no request."""


def _has_control_or_space(value: str) -> bool:
    return any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")
               for ch in value)


def _ascii_domain(domain: str) -> str:
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError as error:
        raise EmailError(SHAPE) from error
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels) \
            or labels[-1].isdigit():
        raise EmailError(SHAPE)
    return ascii_domain


def clean_email(value: str | None) -> str | None:
    """The address as it will be stored, None for no address; EmailError if it can't be used."""
    value = (value or "").strip(" ")
    if not value:
        return None
    if _has_control_or_space(value):
        raise EmailError(_l("An email address cannot hold spaces, line breaks or other "
                            "invisible characters."))
    if len(value) > EMAIL_MAX:
        raise EmailError(_l("An email address is at most %(num)d characters long.",
                            num=EMAIL_MAX))
    local, at, domain = value.rpartition("@")
    if not at or len(local) > LOCAL_MAX or not _LOCAL.fullmatch(local):
        raise EmailError(SHAPE)
    address = f"{local}@{_ascii_domain(domain)}"
    if len(address) > EMAIL_MAX:
        raise EmailError(_l("An email address is at most %(num)d characters long.",
                            num=EMAIL_MAX))
    return address


def is_usable(value: str | None) -> bool:
    """Tell whether a stored address can be written into a mail header as it is."""
    try:
        return value is not None and clean_email(value) == value
    except EmailError:
        return False
