import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from declaration_site.templatetags.staff import moment_text, person

from ..models import SOURCE_LANGUAGE, Standing, normalise, translation_languages
from ..templatetags.declaration_text import lang_attr

# The declaration is plain text; it is escaped wherever it is shown, and markup in it is a
# mistake (pasted from a word processor) or an attack, so it is refused with a clear message.
MARKUP = re.compile(r"<\s*[a-zA-Z!/?]")


def refuse_markup(value: str) -> None:
    if MARKUP.search(value):
        raise ValidationError(
            _("Write plain text: HTML tags and scripts are not allowed."), code="markup"
        )


# Characters that have no place in a plain text: C0 and C1 controls other than the line break
# and the tab (NUL is refused before, by Django's own validator), and the bidirectional
# embeddings and overrides (U+202A to U+202E), which make a text display in another order than
# it reads, as in "Trojan Source" attacks. The marks and isolates that mixed Arabic and Latin
# text needs (U+200E, U+200F, U+061C, U+2066 to U+2069) are welcome.
HIDDEN_CONTROLS = re.compile(r"[\x01-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u202a-\u202e]")


def refuse_hidden_controls(value: str) -> None:
    if HIDDEN_CONTROLS.search(value):
        raise ValidationError(
            _(
                "The text holds invisible control characters (perhaps pasted along with it); "
                "type it again, or paste it as plain text."
            ),
            code="control",
        )


class PlainTextField(forms.CharField):
    """A CharField whose value is normalised as the declaration stores it (`normalise`), so
    that its length is counted and its changes compared as stored."""

    def to_python(self, value):
        return normalise(super().to_python(value))


def text_field(label, *, max_length: int, required: bool = True, rows: int = 0, language: str = ""):
    """A box for plain text; for the declaration's own text, `language` is the language it is
    written in, so that English typed on an Arabic page reads left to right."""
    attrs = {"rows": rows} if rows else {}
    if language:
        attrs |= {"lang": language, "dir": "rtl" if get_language_info(language)["bidi"] else "ltr"}
    widget = forms.Textarea(attrs=attrs) if rows else forms.TextInput(attrs=attrs)
    return PlainTextField(
        label=label,
        max_length=max_length,
        required=required,
        widget=widget,
        validators=[refuse_markup, refuse_hidden_controls],
    )


class ChangeNoteForm(forms.Form):
    note = text_field(_("Change note (optional)"), max_length=300, required=False)


class StaleCheckedForm(ChangeNoteForm):
    """Carries the revision the editor started from, so that a stale save can be refused."""

    base_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class VersionTextForm(StaleCheckedForm):
    title = text_field(_("Title"), max_length=300, language=SOURCE_LANGUAGE)
    preamble = text_field(_("Preamble"), max_length=10_000, rows=8, language=SOURCE_LANGUAGE)

    field_order = ["title", "preamble", "note"]


class PrincipleForm(ChangeNoteForm):
    title = text_field(_("Title"), max_length=300, language=SOURCE_LANGUAGE)
    explanation = text_field(
        _("Explanation"), max_length=5_000, required=False, rows=4, language=SOURCE_LANGUAGE
    )

    field_order = ["title", "explanation", "note"]


class EditPrincipleForm(StaleCheckedForm, PrincipleForm):
    field_order = ["title", "explanation", "note"]


class ActionLineForm(ChangeNoteForm):
    text = text_field(_("Text"), max_length=2_000, rows=4, language=SOURCE_LANGUAGE)

    field_order = ["text", "note"]


class EditActionLineForm(StaleCheckedForm, ActionLineForm):
    field_order = ["text", "note"]


class RemoveForm(StaleCheckedForm):
    pass


class ReorderForm(StaleCheckedForm):
    """One position box per item. Items are named by id, and every id posted must be one of
    the items being reordered: a request naming anything else is refused as a whole."""

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.items = list(items)
        for item in self.items:
            # A principle by its title, an action line by its text, cut at a word.
            words = Truncator(getattr(item.text, "title", None) or item.text.text).words(30)
            self.fields[f"position_{item.pk}"] = forms.IntegerField(
                label=format_html("<span{}>{}</span>", lang_attr(item.text), words),
                min_value=1,
                max_value=999,
                initial=item.position,
            )
        self.order_fields([f"position_{item.pk}" for item in self.items])

    def clean(self):
        cleaned = super().clean()
        posted = {name for name in self.data if name.startswith("position_")}
        if posted - {f"position_{item.pk}" for item in self.items}:
            raise ValidationError(
                _("The new order names items that are not part of this list."), code="foreign"
            )
        positions = [cleaned.get(f"position_{item.pk}") for item in self.items]
        if None not in positions and len(set(positions)) != len(positions):
            raise ValidationError(_("Give each item a different position."), code="duplicate")
        return cleaned

    def ordered_pks(self) -> list[int]:
        return sorted(
            (item.pk for item in self.items),
            key=lambda pk: self.cleaned_data[f"position_{pk}"],
        )


class SendBackForm(forms.Form):
    """A comment box per item; at least one comment is needed to send a draft back, unless
    comments already left on its items are still open (`open_threads`)."""

    def __init__(self, *args, items: list[tuple[str, str]], open_threads: bool = False, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.open_threads = open_threads
        for key, label in items:
            self.fields[f"comment_{key}"] = forms.CharField(
                label=label, max_length=2_000, required=False, widget=forms.Textarea({"rows": 2})
            )

    def clean(self):
        cleaned = super().clean()
        if not self.open_threads and not any(cleaned.get(name) for name in self.fields):
            raise ValidationError(
                _("Write a comment on at least one item, so the editors know what to change.")
            )
        return cleaned

    def comments(self) -> dict[str, str]:
        return {
            name.removeprefix("comment_"): text for name, text in self.cleaned_data.items() if text
        }


class ScheduleForm(forms.Form):
    publish_at = forms.DateTimeField(
        label=_("Publish at (UTC)"),
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "step": "1"}, format="%Y-%m-%dT%H:%M:%S"
        ),
        input_formats=["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def clean_publish_at(self):
        publish_at = self.cleaned_data["publish_at"]
        if publish_at <= timezone.now():
            raise ValidationError(_("Choose a time in the future."))
        return publish_at


class PublishForm(forms.Form):
    """The publisher's confirmation: a new version (endorsers are asked to reconfirm) or an
    editorial correction of the current one (nobody is), and the change note readers see."""

    NEW_VERSION, CORRECTION = "version", "correction"

    kind = forms.ChoiceField(
        label=_("Publish as"),
        choices=[(NEW_VERSION, _("A new version")), (CORRECTION, _("An editorial correction"))],
        widget=forms.RadioSelect,
    )
    change_note = text_field(_("Change note for readers"), max_length=2_000, required=False, rows=3)

    def __init__(self, *args, can_correct: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_correct:
            self.fields["kind"].choices = self.fields["kind"].choices[:1]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == self.CORRECTION and not cleaned.get("change_note", "").strip():
            self.add_error(
                "change_note", _("Say what the correction corrects: readers see this note.")
            )
        return cleaned

    @property
    def is_correction(self) -> bool:
        return self.cleaned_data["kind"] == self.CORRECTION


class RebaseForm(forms.Form):
    """A choice per conflicting item: the current version's text, the draft's, or a text of
    the editor's own (for an item both sides still have), with the draft's revision and the
    version the editor saw, so that a change meanwhile is refused."""

    EDIT = "edit"
    # The fields of each kind of item, with their label, size and whether they may be empty.
    ITEM_FIELDS = {
        "title": (_("Title"), 300, 0, True),
        "preamble": (_("Preamble"), 10_000, 6, True),
        "explanation": (_("Explanation"), 5_000, 3, False),
        "text": (_("Text"), 2_000, 3, True),
    }

    base_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    onto = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, conflicts, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflicts = conflicts
        for item in conflicts:
            choices = [
                ("current", _("Take the current version's text")),
                ("draft", _("Keep the draft's text")),
            ]
            if item.current and item.draft:
                choices.append((self.EDIT, _("Write my own text")))
            self.fields[f"choice_{item.key}"] = forms.ChoiceField(
                label=item.label, choices=choices, widget=forms.RadioSelect
            )
            if item.current and item.draft:
                for name in item.draft:
                    label, max_length, rows, _required = self.ITEM_FIELDS[name]
                    self.fields[f"edit_{item.key}_{name}"] = text_field(
                        label,
                        max_length=max_length,
                        required=False,
                        rows=rows,
                        language=SOURCE_LANGUAGE,
                    )
                    self.initial.setdefault(f"edit_{item.key}_{name}", item.draft[name])

    def clean(self):
        cleaned = super().clean()
        for item in self.conflicts:
            if cleaned.get(f"choice_{item.key}") != self.EDIT:
                continue
            for name in item.draft:
                if self.ITEM_FIELDS[name][3] and not cleaned.get(f"edit_{item.key}_{name}"):
                    self.add_error(f"edit_{item.key}_{name}", _("Write your text here."))
        return cleaned

    def edited_fields(self, item) -> list:
        """The bound fields of the editor's own text for a conflict, if it may have one."""
        return [self[name] for name in self.fields if name.startswith(f"edit_{item.key}_")]

    def choices(self) -> dict[str, str | dict]:
        """By the key of each conflict: "current", "draft", or the editor's own text."""
        chosen = {}
        for item in self.conflicts:
            choice = self.cleaned_data[f"choice_{item.key}"]
            if choice == self.EDIT:
                choice = {name: self.cleaned_data[f"edit_{item.key}_{name}"] for name in item.draft}
            chosen[item.key] = choice
        return chosen


class CompareRevisionsForm(forms.Form):
    def __init__(self, *args, revisions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old"] = forms.ModelChoiceField(revisions, label=_("From revision"))
        self.fields["new"] = forms.ModelChoiceField(revisions, label=_("To revision"))
        for name in ("old", "new"):
            self.fields[name].label_from_instance = revision_label


def revision_label(revision) -> str:
    saved = f"{person(revision.author)}, {moment_text(revision.created_at)}"
    return f"{revision.pk}: {revision.summary} ({saved})"


class CompareVersionsForm(forms.Form):
    """Any two versions of the declaration, published or not."""

    def __init__(self, *args, versions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old"] = forms.ModelChoiceField(versions, label=_("From"))
        self.fields["new"] = forms.ModelChoiceField(versions, label=_("To"))
        for name in ("old", "new"):
            self.fields[name].label_from_instance = version_label


def version_label(version) -> str:
    if version.number:
        return _("Version %(number)s") % {"number": version.number}
    return _("Draft %(pk)s (%(status)s)") % {
        "pk": version.pk,
        "status": version.get_status_display().lower(),
    }


# Translating a published version.

TRANSLATED_FIELDS = {
    "title": (_("Title"), 300, 0),
    "preamble": (_("Preamble"), 10_000, 8),
    "explanation": (_("Explanation"), 5_000, 4),
    "text": (_("Text"), 2_000, 4),
}


class TranslatedItemForm(StaleCheckedForm):
    """The translation of one item, with a field per field of its source text. A field is
    required when its source text is not empty; it is typed in the translation's language."""

    def __init__(self, *args, source: dict, language: str, **kwargs):
        super().__init__(*args, **kwargs)
        direction = "rtl" if get_language_info(language)["bidi"] else "ltr"
        names = [name for name in TRANSLATED_FIELDS if name in source]
        for name in names:
            label, max_length, rows = TRANSLATED_FIELDS[name]
            field = text_field(label, max_length=max_length, required=bool(source[name]), rows=rows)
            field.widget.attrs.update({"lang": language, "dir": direction})
            self.fields[name] = field
        self.order_fields([*names, "note"])


class StartTranslationForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=translation_languages)


class StandingForm(forms.Form):
    standing = forms.ChoiceField(
        label=_("Standing of this translation"),
        choices=Standing.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Official: approved by the declaration's authors as equal to the English text. "
            "Provisional: a faithful translation for reading; the English text is the reference."
        ),
    )


class SendBackTranslationForm(forms.Form):
    note = text_field(_("What should the translators change?"), max_length=2_000, rows=4)


class CommentForm(forms.Form):
    """A comment on an item, or an answer in a thread. Comments are shown escaped, so any
    text is accepted."""

    comment = forms.CharField(label=_("Comment"), max_length=2_000, widget=forms.Textarea)
