"""The site's base form: Flask-WTF's FlaskForm, with WTForms' own messages ("This field is
required.", "Field must be between ...") in the request's language from a catalogue loaded
once per language.

Flask-WTF loads WTForms' catalogue from disk again for every request that makes a form with a
field it has to name itself (a hidden field has no label: WTForms asks for a translated one),
a third of a millisecond on the busiest write of the site (the reply form). Every form of the
site derives from this class instead (tests/test_languages.py checks no module imports
Flask-WTF's directly)."""
from __future__ import annotations

from functools import lru_cache

from babel import support
from flask import current_app
from flask_wtf import FlaskForm as _FlaskForm
from wtforms.i18n import messages_path

from .i18n import LANGUAGES, language


@lru_cache(maxsize=len(LANGUAGES))
def wtforms_catalogue(code: str) -> support.NullTranslations:
    """WTForms' messages in the language `code`, as Flask-WTF loads them (English: none)."""
    return support.Translations.load(messages_path(), [code], domain="wtforms")


class FlaskForm(_FlaskForm):
    class Meta(_FlaskForm.Meta):
        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return wtforms_catalogue(language())
