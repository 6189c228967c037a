"""How a person wants to hear about replies."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField

from ..forms import FlaskForm


class NotificationSettingsForm(FlaskForm):
    follow_on_write = BooleanField(
        _l("Follow threads I write in"),
        description=_l("You are told about new posts in any thread or story you write in."),
    )
    email_digest = BooleanField(
        _l("Send me a daily email when I have new replies"),
        description=_l("It only says how many: no names, no text, no titles. It goes to your "
                       "confirmed email address only. Off unless you turn it on."),
    )
