"""How a person wants to hear about replies."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField
from wtforms.validators import Length, Optional, Regexp


class NotificationSettingsForm(FlaskForm):
    follow_on_write = BooleanField(
        "Follow threads I write in",
        description="You are told about new posts in any thread or story you write in.",
    )
    email = EmailField(
        "Email (optional, never shown)",
        # A shape check only: email_validator would look the domain up in DNS.
        validators=[Optional(), Length(max=254),
                    Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                           message="That does not look like an email address.")],
    )
    email_digest = BooleanField(
        "Send me a daily email when I have new replies",
        description="It only says how many: no names, no text, no titles. Off unless you turn it on.",
    )
