"""Translating published versions, in the drafting workspace at /drafting/translations/.

The same roles as drafting: editors translate, reviewers approve or send back, publishers
publish. The rules live in `translation_services` and the `Translation` model."""

from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..comparison import compare
from ..models import (
    Translation,
    TranslationRevision,
    Version,
    VersionStateError,
    translation_languages,
)
from . import translation_services as services
from .forms import (
    CompareRevisionsForm,
    SendBackTranslationForm,
    StandingForm,
    StartTranslationForm,
    TranslatedItemForm,
)
from .pages import form_page
from .roles import EDIT, drafting_role_required, role_required
from .services import StaleEdit


def refused(request, translation: Translation, error: Exception):
    messages.error(request, str(error))
    return redirect("drafting:translation", translation.pk)


@drafting_role_required
def index(request):
    """Each published version, newest first, with its translation in each language."""
    versions = list(
        Version.objects.served()
        .published()
        .prefetch_related("texts", "translations")
        .order_by("-number")
    )
    rows = []
    for version in versions:
        by_language = {}
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
    items = [
        {
            "key": key,
            "source": services.source_item(source, key),
            "translated": translation.text.get(key, {}),
            "missing": key in missing,
            "depth": depth,
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
    translation = translation_or_404(pk)
    source = translation.source()
    if services.item_fields(source, item_key) is None:
        raise Http404("This version has no such item.")
    source_item = services.source_item(source, item_key)
    source_fields = {name: value for name, value in source_item.items() if name != "number"}
    form_kwargs = {"source": source_fields, "language": translation.language}
    current = translation.text.get(item_key, {})
    conflict = refusal = None
    if request.method == "POST":
        form = TranslatedItemForm(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                revision = services.save_translated_item(
                    translation=translation,
                    item_key=item_key,
                    by=request.user,
                    values=form.translated_values(),
                    base_revision=form.cleaned_data["base_revision"],
                    note=form.cleaned_data["note"],
                )
            except StaleEdit as stale:
                conflict = stale.latest
                data = request.POST.copy()
                data["base_revision"] = conflict.pk
                form = TranslatedItemForm(data, **form_kwargs)
                form.is_valid()
            except VersionStateError as error:
                refusal = error
            else:
                if revision is None:
                    messages.info(request, _("Nothing had changed, so nothing was saved."))
                else:
                    messages.success(
                        request, _("Saved: %(summary)s.") % {"summary": revision.summary}
                    )
                url = reverse("drafting:translation", args=[pk])
                return redirect(f"{url}#item-{item_key}")
    else:
        base = services.latest_revision_id(translation=translation, item_key=item_key)
        form = TranslatedItemForm(initial={**current, "base_revision": base}, **form_kwargs)
    earlier = translation.revisions.filter(
        Q(item_key=item_key) | Q(action=TranslationRevision.Action.START)
    ).select_related("author")
    return form_page(
        request,
        "principles/drafting/translate_item.html",
        {
            "translation": translation,
            "item_key": item_key,
            "heading": services.describe_item(source, item_key).capitalize(),
            "source_fields": source_fields,
            "form": form,
            "conflict": conflict,
            "current": current,
            "earlier": [(revision, revision.text.get(item_key)) for revision in earlier],
        },
        refusal=refusal,
        of=translation,
    )


@require_POST
@role_required(EDIT)
def restore(request, pk: int, revision_pk: int):
    translation = translation_or_404(pk)
    revision = get_object_or_404(TranslationRevision, pk=revision_pk, translation=translation)
    item_key = request.POST.get("item_key", "")
    try:
        restored = services.restore_translated_item(
            translation=translation, revision=revision, item_key=item_key, by=request.user
        )
    except VersionStateError as error:
        return refused(request, translation, error)
    messages.success(request, _("%(summary)s.") % {"summary": restored.summary})
    return redirect(reverse("drafting:translation", args=[pk]) + f"#item-{restored.item_key}")


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
        return refused(request, translation, error)
    if revision is not None:
        messages.success(request, _("Saved: %(summary)s.") % {"summary": revision.summary})
    return redirect("drafting:translation", pk)


@drafting_role_required
def history(request, pk: int):
    translation = translation_or_404(pk)
    revisions = list(translation.revisions.select_related("author").defer("text"))
    form = CompareRevisionsForm(
        revisions=translation.revisions.select_related("author").defer("text"),
        initial={"old": revisions[-1].pk, "new": revisions[0].pk} if revisions else {},
    )
    with_previous = zip(revisions, [*revisions[1:], None][: len(revisions)], strict=True)
    return render(
        request,
        "principles/drafting/translation_history.html",
        {"translation": translation, "revisions": with_previous, "form": form},
    )


@drafting_role_required
def compare_revisions(request, pk: int):
    translation = translation_or_404(pk)
    form = CompareRevisionsForm(request.GET, revisions=translation.revisions.all())
    if not form.is_valid():
        messages.error(request, _("Choose two revisions of this translation to compare."))
        return redirect("drafting:translation-history", pk)
    old, new = sorted([form.cleaned_data["old"], form.cleaned_data["new"]], key=lambda r: r.pk)
    source = translation.source()
    return render(
        request,
        "principles/drafting/compare.html",
        {
            "translation": translation,
            "text_language": translation.language,
            "comparison": compare(
                translation.snapshot(source, old.text), translation.snapshot(source, new.text)
            ),
            "old_label": _("revision %(number)s") % {"number": old.pk},
            "new_label": _("revision %(number)s") % {"number": new.pk},
        },
    )


def change_state(request, pk: int, service, success: str, **kwargs):
    translation = translation_or_404(pk)
    try:
        service(translation=translation, by=request.user, **kwargs)
    except VersionStateError as error:
        return refused(request, translation, error)
    messages.success(request, success)
    return redirect("drafting:translation", pk)


@require_POST
@role_required(EDIT)
def submit(request, pk: int):
    return change_state(request, pk, services.submit_translation, _("Submitted for review."))


@require_POST
@role_required("principles.review_draft")
def approve(request, pk: int):
    return change_state(
        request, pk, services.approve_translation, _("Approved. A publisher can now publish it.")
    )


@require_POST
@role_required("principles.review_draft")
def send_back(request, pk: int):
    form = SendBackTranslationForm(request.POST)
    if not form.is_valid():
        return render_detail(request, translation_or_404(pk), send_back_form=form, status=400)
    return change_state(
        request,
        pk,
        services.send_back_translation,
        _("Sent back to the translators with your note."),
        note=form.cleaned_data["note"],
    )


@require_POST
@role_required("principles.publish_draft")
def publish(request, pk: int):
    return change_state(
        request,
        pk,
        services.publish_translation,
        _("Published: readers in this language now see this translation."),
    )
