"""Translating published versions, in the drafting workspace at /drafting/translations/.

The same roles as drafting: editors translate, reviewers approve or send back, publishers
publish. The pages shared with drafts (history, comparison, restore, the steps of review) are
`review_views`; the rules live in `translation_services`, `review` and the models."""

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..models import (
    Translation,
    Version,
    VersionStateError,
    VersionText,
    translation_languages,
)
from . import comments, review
from . import translation_services as services
from .forms import (
    SendBackTranslationForm,
    StandingForm,
    StartTranslationForm,
    TranslatedItemForm,
)
from .kinds import TRANSLATION
from .pages import change_state, edit_item_page, refused
from .roles import EDIT, drafting_role_required, role_required
from .translation_updates import latest_translations


@drafting_role_required
def index(request):
    """Each published version, newest first, with its translation in each language."""
    texts = Prefetch("texts", queryset=VersionText.objects.select_related("translation_of"))
    versions = list(
        Version.objects.served()
        .published()
        .prefetch_related(texts, "translations")
        .order_by("-number")
    )
    rows = []
    for version in versions:
        # A language can have text before its translation of this version is published: the
        # translation of an earlier version, kept and being updated (`translation_updates`).
        by_language = {text.language: {"kept": text} for text in version.texts.all()}
        for translation in sorted(version.translations.all(), key=lambda t: t.created_at):
            entry = by_language.setdefault(translation.language, {})
            key = "published" if translation.status == Translation.Status.PUBLISHED else "open"
            entry[key] = translation
        languages = [
            (code, name, by_language.get(code, {})) for code, name in translation_languages()
        ]
        rows.append((version, languages))
    return render(
        request,
        "principles/drafting/translations.html",
        {"rows": rows, "can_edit": request.user.has_perm(EDIT)},
    )


@require_POST
@role_required(EDIT)
def start(request, number: int):
    version = get_object_or_404(Version.objects.served().published(), number=number)
    form = StartTranslationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the languages the site translates into."))
        return redirect("drafting:translations")
    try:
        translation = services.start_translation(
            version=version, language=form.cleaned_data["language"], by=request.user
        )
    except VersionStateError as error:
        messages.error(request, str(error))
        return redirect("drafting:translations")
    messages.success(request, _("Translation started. Every save is kept in its history."))
    return redirect("drafting:translation", translation.pk)


def translation_or_404(pk: int) -> Translation:
    return get_object_or_404(Translation.objects.select_related("version"), pk=pk)


@drafting_role_required
def detail(request, pk: int):
    return render_detail(request, translation_or_404(pk))


def render_detail(request, translation: Translation, *, send_back_form=None, status: int = 200):
    """The source text and its translation side by side, item by item."""
    source = translation.source()
    missing = set(translation.missing_items(source))
    threads = comments.threads_by_item(translation)
    items = [
        {
            "key": key,
            "source": services.source_item(source, key),
            "translated": translation.text.get(key, {}),
            "missing": key in missing,
            "depth": depth,
            "threads": threads.get(key, []),
        }
        for key, depth in item_keys(source)
    ]
    user = request.user
    state = translation.status
    return render(
        request,
        "principles/drafting/translation.html",
        {
            "translation": translation,
            "reviewed": translation,
            "kind": TRANSLATION,
            "can_comment": comments.may_comment(user, translation),
            "items": items,
            "missing_count": len(missing),
            "can_edit": translation.is_editable and user.has_perm(EDIT),
            "can_review": state == Translation.Status.SUBMITTED
            and user.has_perm("principles.review_draft"),
            "can_publish": state == Translation.Status.APPROVED
            and user.has_perm("principles.publish_draft"),
            "standing_form": StandingForm(initial={"standing": translation.standing}),
            "send_back_form": send_back_form or SendBackTranslationForm(),
        },
        status=status,
    )


def item_keys(source: dict):
    """(key, depth) of every item in reading order: the title and preamble, then each principle
    followed by its action lines."""
    yield "version", 0
    for principle in source["principles"]:
        yield principle["key"], 1
        for line in principle["action_lines"]:
            yield line["key"], 2


@role_required(EDIT)
def edit_item(request, pk: int, item_key: str):
    return edit_translated_item(request, translation_or_404(pk), item_key)


@role_required(EDIT)
def next_to_update(request, pk: int):
    """The first item still to translate: after a new version of the source text, those whose
    English changed and the new ones (the others were carried over from earlier translations)."""
    translation = translation_or_404(pk)
    to_update = translation.missing_items()
    if not to_update or not translation.is_editable:
        messages.info(request, _("No item is left to translate."))
        return redirect("drafting:translation", pk)
    return redirect("drafting:translation-update-item", pk, to_update[0])


@role_required(EDIT)
def update_item(request, pk: int, item_key: str):
    """One of the items to update, with the list of them all: "Save and next" saves it and
    shows the next one, until none is left."""
    translation = translation_or_404(pk)
    source = translation.source()
    to_update = translation.missing_items(source)
    if item_key not in to_update:
        return redirect("drafting:translation-next-to-update", pk)
    earlier = latest_translations(translation.version).get(translation.language)
    return edit_translated_item(
        request,
        translation,
        item_key,
        done_url=reverse("drafting:translation-next-to-update", args=[pk]),
        context={
            "to_update": [
                (key, services.describe_item(source, key).capitalize()) for key in to_update
            ],
            "earlier_translation": earlier.earlier.get(item_key) if earlier else None,
        },
    )


def edit_translated_item(request, translation, item_key: str, *, done_url=None, context=None):
    source = translation.source()
    if services.item_fields(source, item_key) is None:
        raise Http404("This version has no such item.")
    source_item = services.source_item(source, item_key)
    source_fields = {name: value for name, value in source_item.items() if name != "number"}
    return edit_item_page(
        request,
        kind=TRANSLATION,
        reviewed=translation,
        item_key=item_key,
        current=translation.text.get(item_key, {}),
        form_class=TranslatedItemForm,
        form_kwargs={"source": source_fields, "language": translation.language},
        save=lambda data: services.save_translated_item(
            translation=translation,
            item_key=item_key,
            by=request.user,
            values=data,
            base_revision=data["base_revision"],
            note=data["note"],
        ),
        context={
            "heading": services.describe_item(source, item_key).capitalize(),
            "source_fields": source_fields,
            **(context or {}),
        },
        done_url=done_url,
    )


@require_POST
@role_required(EDIT)
def set_standing(request, pk: int):
    translation = translation_or_404(pk)
    form = StandingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose official or provisional."))
        return redirect("drafting:translation", pk)
    try:
        revision = services.set_standing(
            translation=translation, standing=form.cleaned_data["standing"], by=request.user
        )
    except VersionStateError as error:
        return refused(request, TRANSLATION, translation, error)
    if revision is not None:
        messages.success(request, _("Saved: %(summary)s.") % {"summary": revision.summary})
    return redirect("drafting:translation", pk)


@require_POST
@role_required("principles.review_draft")
def send_back(request, pk: int):
    form = SendBackTranslationForm(request.POST)
    if not form.is_valid():
        return render_detail(request, translation_or_404(pk), send_back_form=form, status=400)
    return change_state(
        request,
        kind=TRANSLATION,
        reviewed=translation_or_404(pk),
        service=review.send_back,
        success=_("Sent back to the translators with your note."),
        note=form.cleaned_data["note"],
    )
