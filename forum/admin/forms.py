"""The admin form: which anonymous name to look behind, of what kind of reason, and why."""
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..models.moderation import UNMASK_KINDS
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
    kind = RadioField(
        "Kind of reason",
        choices=[SelectChoice(key, label) for key, label in UNMASK_KINDS.items()],
        description="Only these two. The public transparency page counts each approved "
                    "look-up by its day and this kind, never whom.",
        validators=[DataRequired(message="Please choose the kind of reason.")],
    )
    reason = TextAreaField(
        "Why you need to know",
        description="Required. The administrator who decides reads it, and it stays in the "
                    "private admin audit log with your name.",
        validators=[DataRequired(message="Please give a reason."),
                    Length(REASON_MIN, 2000,
                           message=f"Please give a reason of at least {REASON_MIN} characters.")],
        render_kw={"rows": 4},
    )

