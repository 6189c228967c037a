"""The setting that turns "new since my last visit" on or off."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField

from ..forms import FlaskForm


class ReadMarksForm(FlaskForm):
    keep_read_marks = BooleanField(
        _l("Show what is new since my last visit"),
        description=_l("To do this the site keeps, for each thread or story you open, the "
                       "newest post you were shown there and when. Only you can see it. A "
                       "mark is deleted 90 days after it last changed. Turning this off "
                       "deletes all of them at once."),
    )
