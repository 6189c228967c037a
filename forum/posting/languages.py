"""The language a writer writes a story or a discussion in: the forms' field for it.

What it is for (issue 23): pages mark the text with it (lang=), so that a screen reader reads
a German story in German on an English page; search stems the text in it; the story index
lists the stories of one language. The choice starts at the writer's own interface language
(the route gives it), and a story's can be changed when it is edited.
"""
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, Optional

from ..i18n import LANGUAGES


class LanguageChoice:
    """A form's `language` field (the story forms' and the new-thread form's): one of the
    site's languages, each named in itself (and marked so, for a screen reader). Left out of
    a sent form (an older page, a test, a script), it keeps the form's default: None for an
    edit, which leaves the language as it was, and the writer's interface language for a new
    text (the routes give it)."""

    language = SelectField(
        _l("Language"),
        description=_l("The language you write in. Readers can choose stories by their "
                       "language, and screen readers read your words in it."),
        choices=[SelectChoice(code, name, render_kw={"lang": code})
                 for code, name in LANGUAGES.items()],
        validate_choice=False,
        validators=[Optional(), AnyOf(list(LANGUAGES),
                                      message=_l("Please choose one of the languages listed."))],
    )
