"""Editors' pages: every contribution beside its clause, decisions on amendments, replies."""

from django.contrib import messages
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ..comparison import kept_diff_words
from ..drafting.pages import form_with_new_base
from ..drafting.review import StaleEdit
from ..drafting.roles import EDIT, drafting_role_required, role_required
from ..drafting.services import describe
from ..models import (
    SOURCE_LANGUAGE,
    ConsultationStateError,
    Contribution,
    Revision,
    Version,
    VersionStateError,
)
from . import amendments
from .amendment_forms import DecisionForm, ReplyForm


def contributions_on(draft: Version):
    """The contributions on `draft` that editors decide on: approved, not replies, from every
    consultation of the draft, each with the editors' and participants' replies."""
    replies = Contribution.objects.public().select_related("author").order_by("created_at", "pk")
    return (
        Contribution.objects.public()
        .filter(consultation__draft=draft, parent=None)
        .select_related("consultation", "decided_by")
        .prefetch_related(Prefetch("replies", queryset=replies))
    )


def waiting_by_item(draft: Version) -> dict[str, int]:
    """How many contributions on each item of `draft` wait for a moderator."""
    waiting = Contribution.objects.awaiting_moderation().filter(
        consultation__draft=draft, parent=None
    )
    return dict(waiting.order_by().values_list("item_key").annotate(Count("pk")))


def _items(draft: Version) -> list:
    """Every item of the draft, in reading order, with its key and the text an amendment to
    it replaces."""
    items = [(Revision.VERSION_TEXT_KEY, draft, draft.text.preamble)]
    for principle in draft.principles.all():
        items.append((str(principle.key), principle, principle.text.explanation))
        items += [(str(line.key), line, line.text.text) for line in principle.action_lines.all()]
    return items


@drafting_role_required
def contributions(request, version_id: int):
    """The draft's text item by item with, beside each item, what the consultations brought:
    comments and amendments (each amendment as a redline against the item's text now), the
    outcome of those decided, and how many still wait for moderation."""
    draft = get_object_or_404(Version.objects.with_text(SOURCE_LANGUAGE), pk=version_id)
    by_key: dict[str, list] = {}
    for contribution in contributions_on(draft):
        by_key.setdefault(contribution.item_key, []).append(contribution)
    waiting = waiting_by_item(draft)
    for key, item, text in _items(draft):
        item.contributions = by_key.pop(key, [])
        item.waiting = waiting.pop(key, 0)
        for contribution in item.contributions:
            if contribution.kind == Contribution.Kind.AMENDMENT:
                contribution.redline = kept_diff_words(text, contribution.proposed_text)
            elif contribution.kind == Contribution.Kind.NEW_ACTION_LINE:
                contribution.redline = kept_diff_words("", contribution.proposed_text)
    whole_text = by_key.pop("", [])
    # Items removed from the draft since: their contributions stay readable.
    elsewhere = [contribution for key in by_key for contribution in by_key[key]]
    for contribution in whole_text + elsewhere:
        if contribution.is_amendment:
            contribution.redline = kept_diff_words("", contribution.proposed_text)
    whole_text_waiting = waiting.pop("", 0)
    consultations = list(draft.consultations.all())
    return render(
        request,
        "principles/consultation/contributions.html",
        {
            "draft": draft,
            "consultations": consultations,
            "several_consultations": len(consultations) > 1,
            "whole_text": whole_text,
            "whole_text_waiting": whole_text_waiting,
            "elsewhere": elsewhere,
            "elsewhere_waiting": sum(waiting.values()),
            "can_decide": request.user.has_perm(EDIT),
        },
    )


@role_required(EDIT)
def decide(request, pk: int):
    """Accept an amendment as proposed, accept it with the editor's changes, or decline it
    with a public reason."""
    amendment = get_object_or_404(
        Contribution.objects.counted()
        .amendments()
        .filter(parent=None)
        .select_related("consultation__draft__declaration__current_version", "decided_by"),
        pk=pk,
    )
    draft = amendment.consultation.draft
    item = amendments.target_of(amendment, draft)
    is_new_line = amendment.kind == Contribution.Kind.NEW_ACTION_LINE
    current = "" if item is None or is_new_line else amendments.current_text(item)
    base = amendments.base_revision_of(item) if item is not None else 0
    form_kwargs = {"proposed_text": amendment.proposed_text}
    form = DecisionForm(
        initial={"text": amendment.proposed_text, "base_revision": base}, **form_kwargs
    )
    conflict = refusal = None
    if request.method == "POST":
        form = DecisionForm(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                _decide(request, amendment, form.cleaned_data)
            except StaleEdit as stale:
                conflict = stale.latest
                form = form_with_new_base(DecisionForm, request.POST, conflict, **form_kwargs)
            except (VersionStateError, ConsultationStateError) as error:
                refusal = error
            else:
                url = reverse("consultation:contributions", args=[draft.pk])
                return redirect(f"{url}#contribution-{amendment.pk}")
    if refusal is not None:
        # Say why from the draft's state now, which the refusal may have come from.
        draft.refresh_from_db()
    context = {
        "amendment": amendment,
        "draft": draft,
        "item_name": _describe(item, is_new_line),
        "current": current,
        "redline": kept_diff_words(current, amendment.proposed_text),
        "form": form,
        "conflict": conflict,
        "refusal": refusal,
        "not_editable": _why_not_editable(draft),
    }
    return render(
        request,
        "principles/consultation/decide.html",
        context,
        status=_status(form, refused=refusal is not None or conflict is not None),
    )


def _status(form, *, refused: bool) -> int:
    """409 for a decision refused (the draft's state, a stale page, decided meanwhile), 400 for
    a form to correct; either way the page holds what was typed."""
    if refused:
        return 409
    return 400 if form.is_bound and not form.is_valid() else 200


def _decide(request, amendment: Contribution, data: dict) -> None:
    decision, reason = data["decision"], data["reason"]
    if decision == DecisionForm.DECLINE:
        amendments.decline_amendment(amendment=amendment, by=request.user, reason=reason)
        messages.success(request, _("Amendment declined. Its proposer is told why."))
        return
    revision = amendments.accept_amendment(
        amendment=amendment,
        by=request.user,
        base_revision=data["base_revision"],
        text=data["text"] if decision == DecisionForm.MERGE else "",
        reason=reason,
    )
    if revision is None:
        messages.success(request, _("Amendment accepted; the draft already said this."))
    else:
        messages.success(
            request,
            _("Amendment accepted as revision %(number)s of the draft. Its proposer is told.")
            % {"number": revision.pk},
        )


def _describe(item, is_new_line: bool) -> str:
    if item is None:
        return _("an item no longer in the draft")
    if is_new_line:
        return _("a new action line under %(item)s") % {"item": describe(item)}
    return describe(item)


def _why_not_editable(draft: Version) -> str:
    """Why an amendment cannot be accepted into `draft` now; empty when it can."""
    try:
        draft.ensure_editable()
        draft.refuse_if_superseded()
    except VersionStateError as error:
        return str(error)
    return ""


@role_required(EDIT)
def reply(request, pk: int):
    """An editor's reply to an approved contribution, public at once."""
    contribution = get_object_or_404(
        Contribution.objects.public().filter(parent=None).select_related("consultation"), pk=pk
    )
    form = ReplyForm(request.POST if request.method == "POST" else None)
    refusal = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                amendments.reply(
                    to=contribution,
                    by=request.user,
                    text=form.cleaned_data["text"],
                    language=get_language(),
                )
            except ConsultationStateError as error:
                refusal, status = str(error), 409
            else:
                messages.success(request, _("Reply published, marked as the editors'."))
                url = reverse(
                    "consultation:contributions", args=[contribution.consultation.draft_id]
                )
                return redirect(f"{url}#contribution-{contribution.pk}")
        else:
            status = 400
    return render(
        request,
        "principles/consultation/reply.html",
        {"contribution": contribution, "form": form, "refusal": refusal},
        status=status,
    )
