"""The admin forms: which anonymous name to look behind and why; a board's name and audience;
the site settings."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..forms import FlaskForm
from ..models import AUDIENCE_PUBLIC, AUDIENCES
from ..models.moderation import UNMASK_KINDS
from ..site_settings import REGISTRATION_MODES
from .boards import DESCRIPTION_MAX as BOARD_DESCRIPTION_MAX, NAME_MAX as BOARD_NAME_MAX
from .service import REASON_MIN


class UnmaskForm(FlaskForm):
    address = StringField(
        _l("Anonymous post, thread or story"),
        description=_l("Its address (for example /posts/k3j9x0a2mqzt, or a link ending in "
                       "#pk3j9x0a2mqzt), or a post's id."),
        validators=[DataRequired(message=_l("Please say which anonymous post to look behind.")),
                    Length(max=500)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    kind = RadioField(
        _l("Kind of reason"),
        choices=[SelectChoice(key, label) for key, label in UNMASK_KINDS.items()],
        description=_l("Only these two. The public transparency page counts each approved "
                       "look-up by its day and this kind, never whom."),
        validators=[DataRequired(message=_l("Please choose the kind of reason."))],
    )
    reason = TextAreaField(
        _l("Why you need to know"),
        description=_l("Required. The administrator who decides reads it, and it stays in the "
                       "private admin audit log with your name."),
        validators=[DataRequired(message=_l("Please give a reason.")),
                    Length(REASON_MIN, 2000,
                           message=_l("Please give a reason of at least %(num)d characters.",
                                      num=REASON_MIN))],
        render_kw={"rows": 4},
    )



class BoardForm(FlaskForm):
    """A board's name, description and audience: to make one, or to change one (each board's
    form on the page has its own prefix, so every field's id is unique)."""

    name = StringField(_l("Name"), validators=[
        DataRequired(message=_l("Please give the board a name.")), Length(max=BOARD_NAME_MAX)])
    description = TextAreaField(_l("Description"),
                                validators=[Length(max=BOARD_DESCRIPTION_MAX)],
                                render_kw={"rows": 2})
    audience = RadioField(
        _l("Who may read it"),
        choices=[SelectChoice(key, label) for key, label in AUDIENCES.items()],
        default=AUDIENCE_PUBLIC,
        validators=[DataRequired(message=_l("Please choose who may read the board."))],
    )


class SiteSettingsForm(FlaskForm):
    """The settings an admin changes while the site runs (forum/site_settings.py)."""

    registration_mode = RadioField(
        _l("How people join"),
        choices=[SelectChoice(key, label) for key, label in REGISTRATION_MODES.items()],
        validators=[DataRequired(message=_l("Please choose how people join."))],
    )
    approve_first_posts = IntegerField(
        _l("New accounts' first posts that wait for a moderator"),
        description=_l("0 lets every new account post at once."),
        validators=[InputRequired(message=_l("Please give a number (0 for none).")),
                    NumberRange(0, 50, message=_l("Between 0 and 50."))],
    )
    members_may_invite = BooleanField(
        _l("Established members may make invitation codes"),
        description=_l("Moderators always can. Codes only matter while registration is by "
                       "invitation."),
    )
    young_account_link_limit = IntegerField(
        _l("Links allowed in one post or story from an account not yet established"),
        validators=[InputRequired(message=_l("Please give a number.")),
                    NumberRange(0, 100, message=_l("Between 0 and 100."))],
    )
    reason = StringField(
        _l("Why (optional)"),
        description=_l("Shown in the public moderation log with the change."),
        validators=[Optional(), Length(max=500)],
    )
