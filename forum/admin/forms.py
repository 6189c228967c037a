"""The one admin form: which anonymous name to look behind, and why."""
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from .service import REASON_MIN


class UnmaskForm(FlaskForm):
    address = StringField(
        "Anonymous post, thread or story",
        description="Its address (for example /posts/k3j9x0a2mqzt, or a link ending in "
                    "#pk3j9x0a2mqzt), or a post's id.",
        validators=[DataRequired(message="Please say which anonymous post to look behind."),
                    Length(max=500)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    reason = TextAreaField(
        "Why you need to know",
        description="Required, and kept in the private admin audit log with your name.",
        validators=[DataRequired(message="Please give a reason."),
                    Length(REASON_MIN, 2000,
                           message=f"Please give a reason of at least {REASON_MIN} characters.")],
        render_kw={"rows": 4},
    )
