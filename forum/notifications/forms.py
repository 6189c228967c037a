"""How a person wants to hear about replies."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import Length

from ..auth.forms import PASSWORD_MAX, email_rules


class NotificationSettingsForm(FlaskForm):
    follow_on_write = BooleanField(
        "Follow threads I write in",
        description="You are told about new posts in any thread or story you write in.",
    )
    email = EmailField(
        "Email (optional, never shown)",
        # A shape check only, shared with registration: no lookup of the domain.
        validators=[email_rules],
    )
    current_password = PasswordField(
        "Your password",
        description="Needed only to add, change or remove the email address. The address "
                    "being replaced gets a short notice that it changed, saying nothing else.",
        validators=[Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    email_digest = BooleanField(
        "Send me a daily email when I have new replies",
        description="It only says how many: no names, no text, no titles. Off unless you turn it on.",
    )
