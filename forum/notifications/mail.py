"""The daily digest email: a count and a link, nothing that could out anyone."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app


def digest_message(to: str, count: int) -> EmailMessage:
    """The whole digest. No names, no text, no titles: a shared inbox must learn nothing."""
    cfg = current_app.config
    message = EmailMessage()
    message["From"] = cfg["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = f"{count} new repl{'y' if count == 1 else 'ies'} on {cfg['SITE_NAME']}"
    message.set_content(
        f"You have {count} new repl{'y' if count == 1 else 'ies'} on {cfg['SITE_NAME']}.\n\n"
        f"{cfg['SITE_URL'].rstrip('/')}/notifications\n"
    )
    return message


def send(messages: list[EmailMessage]) -> None:
    """Send through the configured SMTP server, in one connection."""
    cfg = current_app.config
    with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=30) as smtp:
        if cfg["MAIL_USE_TLS"]:
            smtp.starttls()
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        for message in messages:
            smtp.send_message(message)
