"""The email the site sends: the daily digest, and notices about changes to an account.

Each says as little as it can: no names, no titles, no text, nothing that could out anyone
to a person who shares the inbox. Links come from SITE_URL (forum/siteurl.py).
"""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app, url_for

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


def digest_message(to: str, count: int) -> EmailMessage:
    """The whole digest. No names, no text, no titles: a shared inbox must learn nothing."""
    site = current_app.config["SITE_NAME"]
    replies = f"{count} new repl{'y' if count == 1 else 'ies'}"
    return _message(to, f"{replies} on {site}",
                    f"You have {replies} on {site}.\n\n"
                    f"{url_for('notifications.index', _external=True)}\n")


def password_changed_message(to: str) -> EmailMessage:
    """The notice that an account's password was changed, and nothing else about it."""
    site = current_app.config["SITE_NAME"]
    return _message(to, f"Your password on {site} was changed",
                    f"The password of your account on {site} was just changed, and every "
                    f"other device where the account was logged in was signed out.\n\n"
                    f"If you changed it, there is nothing to do. If you did not, someone "
                    f"else has been able to use your account.\n\n"
                    f"{url_for('profiles.settings', _external=True)}\n")


def email_changed_message(to: str) -> EmailMessage:
    """The notice, to the address being replaced, that the account's email was changed."""
    site = current_app.config["SITE_NAME"]
    return _message(to, f"Your email address on {site} was changed",
                    f"The email address of your account on {site} was just changed or "
                    f"removed, so this address will get no more email about that account.\n\n"
                    f"If you did not do this, someone else has been able to use your "
                    f"account.\n\n"
                    f"{url_for('profiles.settings', _external=True)}\n")


def confirm_email_message(to: str, link: str) -> EmailMessage:
    """The confirmation asked for by whoever typed this address: the site's name and the link."""
    site = current_app.config["SITE_NAME"]
    return _message(to, f"Confirm your email address on {site}",
                    f"Open this link to confirm this email address on {site}:\n\n"
                    f"{link}\n\n"
                    f"It works for 48 hours. Until it is opened, nothing else is sent to this "
                    f"address. If you did not ask for this, ignore this mail.\n")


def password_reset_message(to: str, link: str) -> EmailMessage:
    """A link that sets a new password, and nothing about the account it belongs to."""
    site = current_app.config["SITE_NAME"]
    return _message(to, f"Choose a new password on {site}",
                    f"Someone asked for a new password for an account on {site} that uses "
                    f"this email address. Open this link to choose one:\n\n"
                    f"{link}\n\n"
                    f"It works once, for one hour. If you did not ask for this, ignore this "
                    f"mail: the password stays as it is.\n")


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
