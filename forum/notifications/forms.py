"""How a person wants to hear about replies."""
from flask_wtf import FlaskForm
from wtforms import BooleanField


class NotificationSettingsForm(FlaskForm):
    follow_on_write = BooleanField(
        "Follow threads I write in",
        description="You are told about new posts in any thread or story you write in.",
    )
    email_digest = BooleanField(
        "Send me a daily email when I have new replies",
        description="It only says how many: no names, no text, no titles. It goes to your "
                    "confirmed email address only. Off unless you turn it on.",
    )
