"""Moderators' tools against fraud (where submissions come from, bulk decisions and their
undoing), and the confirmation email's "this wasn't us" link."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core import signing
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from ..models import Endorsement, ModerationBatch
from . import activity as counts
from .forms import BulkDecisionForm, BulkPatternForm, UndoForm, WindowForm, preview_token
from .services import PreviewAlreadyApplied, cancel_submission, sweep_endorsements, undo_sweep

moderator_required = permission_required("endorsements.moderate_endorsement", raise_exception=True)

# The most one bulk action sweeps: past it, the Moderator narrows the pattern or the window.
MAX_SWEEP = 5000
# How many of the matches the preview lists by name (the count covers them all).
PREVIEW_ROWS = 200
TIME_FORMAT = "%Y-%m-%dT%H:%M"
# The busiest domains and networks the activity page lists (spikes are found among them all).
TABLE_ROWS = 50


@require_http_methods(["GET", "POST"])
def cancel(request, token: str):
    """A button that cancels a submission its contact did not make; GET changes nothing. A
    forged link is 400, an expired one (or one whose submission was purged) 410, as for the
    other emailed links."""
    try:
        payload = Endorsement.read_link_token(token, "cancel")
    except signing.BadSignature as problem:
        expired = isinstance(problem, signing.SignatureExpired)
        return link_problem(request, expired=expired)
    endorsement = Endorsement.objects.filter(pk=payload["e"]).first()
    if endorsement is None:
        return link_problem(request, expired=True)
    if request.method == "POST" and cancel_submission(endorsement=endorsement):
        return render(request, "endorsements/cancelled.html")
    endorsement.refresh_from_db()
    if endorsement.status != Endorsement.Status.UNCONFIRMED:
        return render(request, "endorsements/cancel.html", {"endorsement": endorsement}, status=409)
    return render(request, "endorsements/cancel.html", {"endorsement": endorsement})


def link_problem(request, *, expired: bool):
    context = {"purpose": "cancel", "expired": expired}
    return render(
        request, "endorsements/link_problem.html", context, status=410 if expired else 400
    )


def bulk_query(*, kind: str, value: str, window: tuple) -> str:
    """The bulk page's address for a pattern and a window, as the activity page links it."""
    start, end = (moment.strftime(TIME_FORMAT) for moment in window)
    return urlencode({"kind": kind, "value": value, "start": start, "end": end})


@login_required
@moderator_required
@require_GET
def activity(request):
    """Submissions in a window (the last 48 hours unless chosen) by hour, by email domain
    and by network, with counts by status and the spikes highlighted."""
    form = WindowForm(request.GET or None, initial=WindowForm.default_window())
    start, end = form.window
    submitted = Endorsement.objects.submitted_between(start, end)
    hours = counts.by_hour(submitted, start=start, end=end)
    domains = counts.by_domain(submitted)
    return render(
        request,
        "endorsements/moderation_activity.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "totals": counts.totals(hours=hours, domains=domains),
            "hours": hours,
            "busy_hours": [row for row in hours if row.total],
            "chart": counts.hour_columns(hours),
            "domains": linked(domains[:TABLE_ROWS], "domain", (start, end)),
            "networks": linked(counts.by_network(submitted)[:TABLE_ROWS], "network", (start, end)),
            "spike_minimum": counts.SPIKE_MINIMUM,
            "spike_factor": counts.SPIKE_FACTOR,
        },
        status=400 if form.errors else 200,
    )


def linked(rows: list, kind: str, window: tuple) -> list[tuple]:
    return [(row, bulk_query(kind=kind, value=row.key, window=window)) for row in rows]


@login_required
@moderator_required
@require_http_methods(["GET", "POST"])
def bulk(request):
    """Choose a pattern and a window, preview the pending endorsements that match, then
    reject them or mark them as spam: exactly those previewed, in a batch that can be
    undone."""
    if request.method == "POST":
        return bulk_decision(request)
    form = BulkPatternForm(
        request.GET if "kind" in request.GET else None, initial=WindowForm.default_window()
    )
    context = {"form": form, "batches": recent_batches()}
    if form.is_bound and form.is_valid():
        context.update(preview(form))
    return render(
        request, "endorsements/moderation_bulk.html", context, status=400 if form.errors else 200
    )


def recent_batches():
    return ModerationBatch.objects.select_related("created_by")[:10]


def preview(form: BulkPatternForm) -> dict:
    data = form.cleaned_data
    window = (data["start"], data["end"])
    matches = (
        Endorsement.objects.pending()
        .submitted_between(*window)
        .matching(kind=data["kind"], value=data["pattern"])
        .order_by("submitted_at", "pk")
    )
    ids = list(matches.values_list("pk", flat=True)[: MAX_SWEEP + 1])
    if len(ids) > MAX_SWEEP:
        return {"too_many": MAX_SWEEP}
    token = preview_token(ids=ids, kind=data["kind"], pattern=data["pattern"], window=window)
    return {
        "matches": matches.select_related(None)[:PREVIEW_ROWS],
        "match_count": len(ids),
        "decision_form": BulkDecisionForm(initial={"preview": token}),
    }


def bulk_decision(request):
    form = BulkDecisionForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "endorsements/moderation_bulk.html",
            {
                "form": BulkPatternForm(),
                "decision_form": form,
                "match_count": None,
                "batches": recent_batches(),
            },
            status=400,
        )
    previewed = form.cleaned_data["preview"]
    try:
        batch = sweep_endorsements(
            endorsement_ids=previewed["ids"],
            decision=form.cleaned_data["decision"],
            code=form.cleaned_data["code"],
            moderator=request.user,
            pattern_kind=previewed["kind"],
            pattern=previewed["pattern"],
            window=tuple(parse_datetime(moment) for moment in previewed["window"]),
            preview_key=previewed["key"],
            previewed_at=parse_datetime(previewed["at"]),
        )
    except PreviewAlreadyApplied as used:
        # A second post of one confirmation (a double click, the back button) changes nothing.
        messages.warning(
            request, _("This bulk action was applied already; nothing more was changed.")
        )
        return redirect("endorsements:moderation-bulk-undo", used.batch.pk)
    done, left = batch.items.count(), len(previewed["ids"]) - batch.items.count()
    messages.success(
        request,
        ngettext("%(count)d endorsement decided.", "%(count)d endorsements decided.", done)
        % {"count": done},
    )
    if left:
        messages.warning(
            request,
            ngettext(
                "%(count)d changed after the preview and was left as it is.",
                "%(count)d changed after the preview and were left as they are.",
                left,
            )
            % {"count": left},
        )
    return redirect("endorsements:moderation-bulk-undo", batch.pk)


@login_required
@moderator_required
@require_http_methods(["GET", "POST"])
def undo(request, pk: int):
    """A batch's page: what it decided, and a button that puts the chosen endorsements back
    as they were (all of them are chosen to begin with)."""
    batch = get_object_or_404(ModerationBatch.objects.select_related("created_by"), pk=pk)
    form = UndoForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        result = undo_sweep(
            batch=batch, item_ids=form.cleaned_data["items"], moderator=request.user
        )
        tell_undo(request, result)
        return redirect("endorsements:moderation-bulk-undo", batch.pk)
    items = batch.items.select_related("endorsement", "batch").order_by(
        "endorsement__organisation_name", "pk"
    )
    return render(
        request,
        "endorsements/moderation_batch.html",
        {"batch": batch, "items": items, "form": form},
        status=400 if form.errors else 200,
    )


def tell_undo(request, result) -> None:
    if result.restored:
        messages.success(
            request,
            ngettext(
                "%(count)d endorsement is back as it was.",
                "%(count)d endorsements are back as they were.",
                len(result.restored),
            )
            % {"count": len(result.restored)},
        )
    reasons = {
        "changed": _("%(name)s was left as it is: someone decided it after the bulk action."),
        "duplicate": _("%(name)s was left as it is: its organisation has endorsed again since."),
    }
    for endorsement, why in result.left:
        messages.warning(request, reasons[why] % {"name": endorsement.organisation_name})
