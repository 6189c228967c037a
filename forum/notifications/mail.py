"""The email the site sends: the daily digest, and notices about changes to an account.

Each says as little as it can: no names, no titles, no text, nothing that could out anyone
to a person who shares the inbox. Links come from SITE_URL (forum/siteurl.py).

Each is written in its reader's language (`user=`: the member it is for; see _language_for).
"""
from __future__ import annotations

import logging
import smtplib
from contextlib import contextmanager
from email.message import EmailMessage

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale, gettext as _, ngettext

from ..i18n import DEFAULT, LANGUAGES

log = logging.getLogger("forum.mail")

# A notice is sent while the person waits for their settings page: a mail server that does
# not answer must not hold the page for long.
NOTICE_TIMEOUT = 10


def _message(to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    return message


@contextmanager
def _language_for(user):
    """Words of a mail in its reader's language: the member's own setting when the mail is
    for a known member (a job runs outside any request, and a reset link is asked for by
    whoever typed a name), else the language of the request it is sent from, else English."""
    if user is None and has_request_context():
        yield
        return
    chosen = getattr(user, "language", None) or DEFAULT  # the column may not exist yet
    with force_locale(chosen if chosen in LANGUAGES else DEFAULT):
        yield


def _paragraphs(*parts: str) -> str:
    return "\n\n".join(parts) + "\n"


def digest_message(to: str, count: int, user=None) -> EmailMessage:
    """The whole digest. No names, no text, no titles: a shared inbox must learn nothing."""
    site = current_app.config["SITE_NAME"]
    with _language_for(user):
        return _message(
            to, ngettext("%(num)d new reply on %(site)s", "%(num)d new replies on %(site)s",
                         count, site=site),
            _paragraphs(ngettext("You have %(num)d new reply on %(site)s.",
                                 "You have %(num)d new replies on %(site)s.", count, site=site),
                        url_for("notifications.index", _external=True)))


def password_changed_message(to: str, user=None) -> EmailMessage:
    """The notice that an account's password was changed, and nothing else about it."""
    site = current_app.config["SITE_NAME"]
    with _language_for(user):
        return _message(
            to, _("Your password on %(site)s was changed", site=site),
            _paragraphs(_("The password of your account on %(site)s was just changed, and every "
                          "other device where the account was logged in was signed out.",
                          site=site),
                        _("If you changed it, there is nothing to do. If you did not, someone "
                          "else has been able to use your account."),
                        url_for("profiles.settings", _external=True)))


def email_changed_message(to: str, user=None) -> EmailMessage:
    """The notice, to the address being replaced, that the account's email was changed."""
    site = current_app.config["SITE_NAME"]
    with _language_for(user):
        return _message(
            to, _("Your email address on %(site)s was changed", site=site),
            _paragraphs(_("The email address of your account on %(site)s was just changed or "
                          "removed, so this address will get no more email about that account.",
                          site=site),
                        _("If you did not do this, someone else has been able to use your "
                          "account."),
                        url_for("profiles.settings", _external=True)))


def confirm_email_message(to: str, link: str, user=None) -> EmailMessage:
    """The confirmation asked for by whoever typed this address: the site's name and the link."""
    site = current_app.config["SITE_NAME"]
    with _language_for(user):
        return _message(
            to, _("Confirm your email address on %(site)s", site=site),
            _paragraphs(_("Open this link to confirm this email address on %(site)s:", site=site),
                        link,
                        _("It works for 48 hours. Until it is opened, nothing else is sent to "
                          "this address. If you did not ask for this, ignore this mail.")))


def password_reset_message(to: str, link: str, user=None) -> EmailMessage:
    """A link that sets a new password, and nothing about the account it belongs to."""
    site = current_app.config["SITE_NAME"]
    with _language_for(user):
        return _message(
            to, _("Choose a new password on %(site)s", site=site),
            _paragraphs(_("Someone asked for a new password for an account on %(site)s that "
                          "uses this email address. Open this link to choose one:", site=site),
                        link,
                        _("It works once, for one hour. If you did not ask for this, ignore "
                          "this mail: the password stays as it is.")))


def _server_settings() -> dict:
    cfg = current_app.config
    return {key: cfg[key] for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS",
                                      "MAIL_USERNAME", "MAIL_PASSWORD")}


def send(messages: list[EmailMessage], timeout: float = 30) -> None:
    """Send through the configured SMTP server, in one connection."""
    _deliver(_server_settings(), messages, timeout)


def _deliver(cfg: dict, messages: list[EmailMessage], timeout: float) -> None:
    with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=timeout) as smtp:
        if cfg["MAIL_USE_TLS"]:
            smtp.starttls()
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        for message in messages:
            smtp.send_message(message)


def send_notice(message: EmailMessage) -> bool:
    """Send one notice now; a mail server that fails is noted in the log, without the address."""
    try:
        send([message], timeout=NOTICE_TIMEOUT)
    except (OSError, smtplib.SMTPException) as error:
        # The change itself is saved; only the notice is lost, and the log says so.
        log.warning("notice_not_sent reason=%r", type(error).__name__)
        return False
    return True
