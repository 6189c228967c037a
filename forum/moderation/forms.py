"""Forms for moderators: one form per reported item or discussion, and the role form."""
from flask_babel import LazyString, lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..forms import FlaskForm
from .actions import REASON_MAX
from .pace import INTERVALS, interval_label
from .roles import ROLE_LABELS, SITE_ROLES
from .suspensions import MAX_SUSPENSION_DAYS


class ActionForm(FlaskForm):
    """What every action button on an item sends; each action reads the fields it needs."""

    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=REASON_MAX)])
    days = IntegerField(_l("Days"), validators=[Optional(), NumberRange(1, MAX_SUSPENSION_DAYS)])
    permanent = BooleanField(_l("Permanently"))
    next = HiddenField()

    def suspension_days(self) -> int | None:
        """The suspension length: None for permanent, 0 when none was given (refused later)."""
        return None if self.permanent.data else (self.days.data or 0)


class PaceForm(FlaskForm):
    """Slow mode and members-only replies for one discussion."""

    # The choices' words are looked up when the form is shown, in the reader's language.
    interval = SelectField(_l("Slow mode"), coerce=int,
                           choices=[SelectChoice(s, LazyString(interval_label, s))
                                    for s in INTERVALS],
                           description=_l("How often each person may post here."))
    members_only = BooleanField(
        _l("Established members only"),
        description=_l("Only accounts older than the site's threshold, with writing of their "
                       "own still shown, may reply. Moderators always may."))
    reason = TextAreaField(_l("Reason (shown in the public log)"),
                           validators=[Optional(), Length(max=REASON_MAX)])


class RoleForm(FlaskForm):
    handle = StringField(_l("Public handle"), validators=[DataRequired(), Length(max=64)])
    role = SelectField(_l("Role"), choices=[SelectChoice(r, ROLE_LABELS[r]) for r in SITE_ROLES])
    reason = StringField(_l("Reason (optional, shown in the public log)"),
                         validators=[Optional(), Length(max=REASON_MAX)])


class CircleForm(FlaskForm):
    """Let one member into a circle board, by the public name on their profile."""

    name = StringField(_l("Public name"), validators=[DataRequired(), Length(max=64)],
                       description=_l("The name on their profile; an anonymous name will "
                                      "not work."))
