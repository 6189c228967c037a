"""Forms for writing: stories, threads, replies, edits, and bringing one's blog in."""
from flask import current_app, request
from flask_babel import LazyString, format_number, gettext as _, lazy_gettext as _l, ngettext
from flask_wtf.file import FileField, FileRequired
from flask_wtf.form import _Auto
from wtforms import (
    BooleanField, HiddenField, RadioField, SelectField, SelectMultipleField, StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired, InputRequired, Length, Optional, StopValidation, ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import FlaskForm
from ..gates import BotGates
from ..models import REPORT_REASONS
from ..models.content import WARNINGS
from ..names import ANONYMITY_PROMISE
from .languages import LanguageChoice


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _body_length(form, field):
    limit = current_app.config["MAX_BODY_CHARS"]
    if field.data and len(field.data) > limit:
        raise ValidationError(_("That is %(length)s characters; the limit is %(limit)s.",
                                length=format_number(len(field.data)),
                                limit=format_number(limit)))


def _with_promise(sentence) -> LazyString:
    """An anonymous name's description: what it shows, then the site's promise about it, each
    in the reader's language when the form is shown."""
    return LazyString(lambda: f"{sentence} {ANONYMITY_PROMISE}")


# The story form's buttons: publish (or save changes), keep as a draft, or look first.
PUBLISH, DRAFT, PREVIEW = "publish", "draft", "preview"


def action() -> str:
    """Which button sent the form."""
    return request.form.get("action", PUBLISH) if request.method == "POST" else ""


def _required_to_publish(message):
    """Required to publish; a draft or a preview may be unfinished."""
    def check(form, field):
        if not (field.data or "").strip():
            if action() in (DRAFT, PREVIEW):
                raise StopValidation()
            raise StopValidation(message)
    return check


class StoryForm(LanguageChoice, BotGates, FlaskForm):
    title = StringField(_l("Title"),
                        validators=[_required_to_publish(_l("Please give your story a title.")),
                                    Length(max=200)])
    summary = TextAreaField(
        _l("Summary (optional)"), description=_l("One or two sentences shown in lists."),
        validators=[Optional(), Length(max=500)],
    )
    body = TextAreaField(
        _l("Your story"),
        description=_l("Plain text is fine. “Formatting help”, under the box, shows how to add "
                       "emphasis, quotes, lists and links."),
        validators=[_required_to_publish(_l("Please write your story before sending.")),
                    _body_length],
    )
    # Set once the editor has saved a draft (by hand or by autosave): publishing uses it.
    draft_id = HiddenField()
    warnings = MultiCheckboxField(
        _l("Content warnings"), choices=[SelectChoice(k, v) for k, v in WARNINGS.items()],
        validate_choice=True,
        description=_l("Readers see these first and choose whether to open the story."),
    )
    other_warning = StringField(_l("Other warning (optional)"),
                                validators=[Optional(), Length(max=60)])
    groups = MultiCheckboxField(_l("Groups this story is about"), choices=[],
                                validate_choice=False)
    new_group = StringField(
        _l("Another group (optional)"), description=_l("Name a group that is not listed yet."),
        validators=[Optional(), Length(max=120)],
    )
    anonymous = BooleanField(
        _l("Post anonymously"),
        description=_with_promise(_l("Shows a generated name, used only under this story.")),
    )
    noindex = BooleanField(
        _l("Keep this story out of search engines"),
        description=_l("Search engines are asked not to list it, and it stays out of the "
                       "sitemap, the site-wide feeds and link previews. Anyone with the link "
                       "can still read it here."),
    )

    def warning_values(self) -> list[str]:
        return list(self.warnings.data or []) + [self.other_warning.data or ""]

    def group_names(self) -> list[str]:
        return list(self.groups.data or []) + [self.new_group.data or ""]


class StoryEditForm(StoryForm):
    anonymous = None  # who wrote a story does not change after it is published


class ThreadForm(LanguageChoice, BotGates, FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("First post"), validators=[
        DataRequired(message=_l("Please write something before sending.")), _body_length])
    anonymous = BooleanField(
        _l("Post anonymously"),
        description=_with_promise(_l("Shows a generated name, used only in this thread.")),
    )


class ReplyForm(BotGates, FlaskForm):
    body = TextAreaField(_l("Your reply"), validators=[
        DataRequired(message=_l("Please write something before sending.")), _body_length])
    parent_id = HiddenField()
    anonymous = BooleanField(
        _l("Post anonymously"),
        description=_with_promise(_l("Shows a generated name, the same one each time you reply "
                                     "here.")),
    )


class EditPostForm(FlaskForm):
    body = TextAreaField(_l("Your text"), validators=[
        DataRequired(message=_l("Please write something before sending.")), _body_length])


class ReportForm(FlaskForm):
    reason = RadioField(
        _l("What is wrong?"), choices=[SelectChoice(k, v) for k, v in REPORT_REASONS.items()],
        validators=[InputRequired(message=_l("Please choose what is wrong."))],
    )
    details = TextAreaField(
        _l("Anything the moderators should know (optional)"),
        description=_l("Only moderators read this. They never see or show who sent a report."),
        validators=[Optional(), Length(max=2000)],
    )


class CloseCommentsForm(FlaskForm):
    reason = StringField(
        _l("Why (optional)"),
        description=_l("Shown under your story where the comment box was."),
        validators=[Optional(), Length(max=500)],
    )


class ConfirmForm(FlaskForm):
    """A yes to a step that asks first (deleting a post, undoing it): the token alone."""


# --- bringing one's blog in (import_routes.py) ------------------------------------------

class BlogUploadForm(FlaskForm):
    export = FileField(
        _l("Your blog's export file"),
        description=_l("The file WordPress makes under Tools > Export > All content (it ends "
                       "in .xml)."),
        validators=[FileRequired(message=_l("Please choose the export file."))],
        render_kw={"accept": ".xml,.wxr,text/xml,application/xml,application/rss+xml"},
    )


class CancelImportForm(FlaskForm):
    """No fields: the button and the CSRF token are the whole form."""


NOT_MAPPED = ""


def import_choices_form(terms, groups, public_name: str, defaults: dict[str, str],
                        formdata=_Auto):
    """The preview's form: under which name, and a group (or none) for each category and
    tag offered. One select per term, named term_0, term_1, ... in the order given."""

    class ImportChoicesForm(FlaskForm):
        name_choice = RadioField(
            _("Under which name"),
            choices=[
                SelectChoice("public", _("My public handle, %(name)s: the stories appear on my "
                                         "profile.", name=public_name)),
                SelectChoice("pseudonym", _("A pseudonym of its own for each story: other "
                                            "members and the moderators cannot tell from the "
                                            "site that they are mine, or by the same person "
                                            "(what they say can).")),
            ],
            validators=[InputRequired(message=_("Please choose under which name the stories "
                                                "appear."))],
        )

    options = ([SelectChoice(NOT_MAPPED, _("Don't put in a group"))]
               + [SelectChoice(g.slug, g.name) for g in groups])
    for index, term in enumerate(terms):
        setattr(ImportChoicesForm, f"term_{index}", SelectField(
            ngettext("%(term)s (%(num)d post)", "%(term)s (%(num)d posts)", term.posts,
                     term=term.label),
            choices=options, default=defaults.get(term.key, NOT_MAPPED),
            validate_choice=True))
    return ImportChoicesForm(formdata=formdata)
