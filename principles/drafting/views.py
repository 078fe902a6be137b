"""The drafting workspace at /drafting/: editors revise drafts, reviewers approve or send them
back, publishers publish them. The rules live in the models and services; these views check
who may do what, validate input and show the outcome."""

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..comparison import compare
from ..models import (
    SOURCE_LANGUAGE,
    ActionLine,
    Contribution,
    Declaration,
    Principle,
    ReviewComment,
    Revision,
    Version,
    VersionStateError,
)
from ..templatetags.declaration_text import numbered
from . import comments, review, services
from .forms import (
    ActionLineForm,
    CompareVersionsForm,
    EditActionLineForm,
    EditPrincipleForm,
    PrincipleForm,
    RemoveForm,
    ReorderForm,
    ScheduleForm,
    SendBackForm,
    VersionTextForm,
    version_label,
)
from .kinds import DRAFT
from .my_tasks import waiting_for as my_tasks_of
from .pages import change_state, edit_item_page, form_page
from .roles import EDIT, drafting_role_required, role_required


def editable_drafts(request):
    """The drafts that an editing page is shown for: those in progress. A save is let through
    for any draft, so that one into a draft published meanwhile is refused by the service and
    keeps the typed text (`form_page`) instead of losing it to a 404."""
    return Version.objects.all() if request.method == "POST" else Version.objects.in_progress()


def principle_in_draft(request, pk: int, principle_pk: int) -> Principle:
    return get_object_or_404(
        Principle.objects.select_related("version").prefetch_related("texts"),
        pk=principle_pk,
        version__in=editable_drafts(request).filter(pk=pk),
    )


def action_line_in_draft(request, pk: int, action_line_pk: int) -> ActionLine:
    return get_object_or_404(
        ActionLine.objects.select_related("principle__version").prefetch_related("texts"),
        pk=action_line_pk,
        principle__version__in=editable_drafts(request).filter(pk=pk),
    )


@drafting_role_required
def index(request):
    """Drafts in progress, and the way to start a new one."""
    drafts = (
        Version.objects.in_progress()
        .served()
        .select_related("based_on")
        .prefetch_related("texts")
        .order_by("-created_at")
    )
    form = CompareVersionsForm(versions=declaration_versions())
    return render(
        request, "principles/drafting/index.html", {"drafts": drafts, "compare_form": form}
    )


@drafting_role_required
def my_tasks(request):
    """What waits for the signed-in person: where signing in leads members of drafting."""
    return render(
        request, "principles/drafting/my_tasks.html", {"tasks": my_tasks_of(request.user)}
    )


def declaration_versions():
    return Version.objects.served()


@require_POST
@role_required(EDIT)
def start(request):
    declaration = get_object_or_404(Declaration.objects.served())
    try:
        draft = services.start_draft(declaration=declaration, by=request.user)
    except VersionStateError as error:
        messages.error(request, str(error))
        return redirect("drafting:index")
    messages.success(request, _("Draft started. Every save is kept in its history."))
    return redirect("drafting:draft", draft.pk)


@drafting_role_required
def draft_detail(request, pk: int):
    """The workspace of one draft: its whole text, review comments, and what you may do next."""
    draft = get_object_or_404(
        Version.objects.with_text(SOURCE_LANGUAGE).select_related(
            "based_on", "declaration__current_version"
        ),
        pk=pk,
    )
    if draft.is_published:
        # Published meanwhile, or an old link: its permalink is where it lives now.
        return redirect("principles:version", draft.number)
    threads = comments.threads_by_item(draft)
    contributions = consultation_contributions(draft)
    for principle in draft.principles.all():
        principle.threads = threads.get(str(principle.key), [])
        principle.contribution_count = contributions.get(str(principle.key), 0)
        for line in principle.action_lines.all():
            line.threads = threads.get(str(line.key), [])
            line.contribution_count = contributions.get(str(line.key), 0)
    user = request.user
    return render(
        request,
        "principles/drafting/draft.html",
        {
            "draft": draft,
            "reviewed": draft,
            "kind": DRAFT,
            "version_threads": threads.get(Revision.VERSION_TEXT_KEY, []),
            "contribution_count": sum(contributions.values()),
            "version_contribution_count": contributions.get(Revision.VERSION_TEXT_KEY, 0),
            "can_comment": comments.may_comment(user, draft),
            "can_edit": draft.is_editable and user.has_perm(EDIT),
            "can_review": draft.status == Version.Status.SUBMITTED
            and user.has_perm("principles.review_draft"),
            "can_publish": draft.status == Version.Status.APPROVED
            and user.has_perm("principles.publish_draft"),
            "can_discard": draft.status != Version.Status.DISCARDED and user.has_perm(EDIT),
            "schedule_form": ScheduleForm(initial={"publish_at": draft.publish_at}),
        },
    )


def consultation_contributions(draft: Version) -> dict[str, int]:
    """How many approved consultation contributions each item of `draft` has (by key)."""
    approved = Contribution.objects.public().filter(consultation__draft=draft, parent=None)
    return dict(approved.order_by().values_list("item_key").annotate(Count("pk")))


def edit_item(request, *, item, form_class, heading: str, remove_url: str = ""):
    """The edit page of one item of a draft: the draft itself (its title and preamble), a
    principle or an action line."""
    text = item.source_text
    _model, _owner_field, fields = services.ITEM_TEXTS[type(item)]
    return edit_item_page(
        request,
        kind=DRAFT,
        reviewed=services.draft_of(item),
        item_key=services.item_key_of(item),
        current={name: getattr(text, name) for name in fields},
        form_class=form_class,
        save=lambda data: services.save_item_text(
            item=item,
            by=request.user,
            values=data,
            base_revision=data["base_revision"],
            note=data["note"],
        ),
        context={"heading": heading, "remove_url": remove_url},
    )


@role_required(EDIT)
def edit_text(request, pk: int):
    draft = get_object_or_404(editable_drafts(request).prefetch_related("texts"), pk=pk)
    return edit_item(
        request, item=draft, form_class=VersionTextForm, heading=_("Title and preamble")
    )


@role_required(EDIT)
def edit_principle(request, pk: int, principle_pk: int):
    principle = principle_in_draft(request, pk, principle_pk)
    return edit_item(
        request,
        item=principle,
        form_class=EditPrincipleForm,
        heading=_("Principle %(number)s") % {"number": principle.position},
        remove_url=reverse("drafting:remove-principle", args=[pk, principle.pk]),
    )


@role_required(EDIT)
def edit_action_line(request, pk: int, action_line_pk: int):
    action_line = action_line_in_draft(request, pk, action_line_pk)
    number = f"{action_line.principle.position}.{action_line.position}"
    return edit_item(
        request,
        item=action_line,
        form_class=EditActionLineForm,
        heading=_("Action line %(number)s") % {"number": number},
        remove_url=reverse("drafting:remove-action-line", args=[pk, action_line.pk]),
    )


def add_item(request, *, to, form_class, heading: str, success: str):
    """The page that adds a principle to a draft (`to` the draft) or an action line to a
    principle (`to` the principle)."""
    draft = services.draft_of(to)
    form = form_class(request.POST if request.method == "POST" else None)
    refusal = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = services.add_item(to=to, by=request.user, text=data, note=data["note"])
        except VersionStateError as error:
            refusal = error
        else:
            messages.success(request, success)
            return redirect(reverse("drafting:draft", args=[draft.pk]) + f"#item-{item.key}")
    context = {"draft": draft, "form": form, "heading": heading}
    return form_page(
        request, "principles/drafting/add_item.html", context, refusal=refusal, of=draft
    )


@role_required(EDIT)
def add_principle(request, pk: int):
    draft = get_object_or_404(editable_drafts(request), pk=pk)
    return add_item(
        request,
        to=draft,
        form_class=PrincipleForm,
        heading=_("Add a principle"),
        success=_("Principle added."),
    )


@role_required(EDIT)
def add_action_line(request, pk: int, principle_pk: int):
    principle = principle_in_draft(request, pk, principle_pk)
    return add_item(
        request,
        to=principle,
        form_class=ActionLineForm,
        heading=_("Add an action line to principle %(number)s") % {"number": principle.position},
        success=_("Action line added."),
    )


def remove_item(request, *, draft, item, heading):
    key = services.item_key_of(item)
    form = RemoveForm(request.POST if request.method == "POST" else None)
    refusal = None
    if request.method == "POST" and form.is_valid():
        try:
            services.remove_item(item=item, by=request.user, **form.cleaned_data)
        except review.StaleEdit:
            messages.error(
                request, _("Someone changed this item in the meantime; look at it again first.")
            )
            return redirect(reverse("drafting:draft", args=[draft.pk]) + f"#item-{key}")
        except VersionStateError as error:
            refusal = error
        else:
            messages.success(request, _("Removed. The history keeps its text."))
            return redirect("drafting:draft", draft.pk)
    if request.method == "GET":
        form = RemoveForm(
            initial={"base_revision": review.latest_revision_id(of=draft, item_key=key)}
        )
    return form_page(
        request,
        "principles/drafting/remove_item.html",
        {"draft": draft, "item": item, "form": form, "heading": heading},
        refusal=refusal,
        of=draft,
    )


@role_required(EDIT)
def remove_principle(request, pk: int, principle_pk: int):
    principle = principle_in_draft(request, pk, principle_pk)
    heading = _("Remove principle %(number)s?") % {"number": principle.position}
    return remove_item(request, draft=principle.version, item=principle, heading=heading)


@role_required(EDIT)
def remove_action_line(request, pk: int, action_line_pk: int):
    action_line = action_line_in_draft(request, pk, action_line_pk)
    number = f"{action_line.principle.position}.{action_line.position}"
    heading = _("Remove action line %(number)s?") % {"number": number}
    return remove_item(
        request, draft=action_line.principle.version, item=action_line, heading=heading
    )


def reorder(request, *, draft, siblings, heading):
    items = list(siblings.prefetch_related("texts"))
    form = ReorderForm(request.POST if request.method == "POST" else None, items=items)
    refusal = None
    if request.method == "POST" and form.is_valid():
        try:
            services.reorder_items(
                draft=draft,
                siblings=siblings,
                ordered_pks=form.ordered_pks(),
                by=request.user,
                base_revision=form.cleaned_data["base_revision"],
                note=form.cleaned_data["note"],
            )
        except review.StaleEdit as stale:
            form = ReorderForm(initial={"base_revision": stale.latest.pk}, items=items)
            messages.error(
                request,
                _("%(person)s changed the draft while you were ordering; check the order again.")
                % {"person": stale.latest.author},
            )
        except VersionStateError as error:
            refusal = error
        else:
            messages.success(request, _("New order saved."))
            return redirect("drafting:draft", draft.pk)
    if request.method == "GET":
        form = ReorderForm(
            initial={"base_revision": review.latest_revision_id(of=draft)}, items=items
        )
    return form_page(
        request,
        "principles/drafting/reorder.html",
        {"draft": draft, "form": form, "heading": heading},
        refusal=refusal,
        of=draft,
    )


@role_required(EDIT)
def reorder_principles(request, pk: int):
    draft = get_object_or_404(editable_drafts(request), pk=pk)
    return reorder(
        request, draft=draft, siblings=draft.principles.all(), heading=_("Order the principles")
    )


@role_required(EDIT)
def reorder_action_lines(request, pk: int, principle_pk: int):
    principle = principle_in_draft(request, pk, principle_pk)
    heading = _("Order the action lines of principle %(number)s") % {"number": principle.position}
    return reorder(
        request, draft=principle.version, siblings=principle.action_lines.all(), heading=heading
    )


@drafting_role_required
def compare_versions(request):
    """Any two versions, drafts included, item by item."""
    form = CompareVersionsForm(request.GET, versions=declaration_versions())
    if not form.is_valid():
        messages.error(request, _("Choose two versions to compare."))
        return redirect("drafting:index")
    pks = [form.cleaned_data["old"].pk, form.cleaned_data["new"].pk]
    versions = {v.pk: v for v in Version.objects.with_text(SOURCE_LANGUAGE).filter(pk__in=pks)}
    old, new = versions[pks[0]], versions[pks[1]]
    return render(
        request,
        "principles/drafting/compare.html",
        {
            "comparison": compare(old.snapshot_of_loaded_text(), new.snapshot_of_loaded_text()),
            "old_label": version_label(old),
            "new_label": version_label(new),
        },
    )


@drafting_role_required
def changes(request, pk: int):
    """What the draft changes in the version it was started from."""
    draft = get_object_or_404(Version.objects.with_text(SOURCE_LANGUAGE), pk=pk)
    based_on = (
        Version.objects.with_text(SOURCE_LANGUAGE).get(pk=draft.based_on_id)
        if draft.based_on_id
        else None
    )
    empty = {"title": "", "preamble": "", "principles": []}
    return render(
        request,
        "principles/drafting/compare.html",
        {
            "draft": draft,
            "comparison": compare(
                based_on.snapshot_of_loaded_text() if based_on else empty,
                draft.snapshot_of_loaded_text(),
            ),
            "old_label": _("version %(number)s") % {"number": based_on.number}
            if based_on
            else _("nothing"),
            "new_label": _("this draft"),
        },
    )


@role_required("principles.review_draft")
def send_back(request, pk: int):
    draft = get_object_or_404(Version.objects.in_progress().with_text(SOURCE_LANGUAGE), pk=pk)
    items = [(Revision.VERSION_TEXT_KEY, _("Title and preamble"))]
    for principle in draft.principles.all():
        number = principle.position
        items.append(
            (str(principle.key), numbered(f"{number}.", principle.text.title, principle.text))
        )
        items.extend(
            (
                str(line.key),
                numbered(
                    f"{number}.{line.position}", Truncator(line.text.text).chars(140), line.text
                ),
            )
            for line in principle.action_lines.all()
        )
    open_threads = ReviewComment.objects.on(draft).unresolved().exists()
    form = SendBackForm(
        request.POST if request.method == "POST" else None, items=items, open_threads=open_threads
    )
    if request.method == "POST" and form.is_valid():
        return change_state(
            request,
            kind=DRAFT,
            reviewed=draft,
            service=review.send_back,
            success=_("Sent back to the editors with your comments."),
            comments=form.comments(),
        )
    return render(
        request,
        "principles/drafting/send_back.html",
        {"draft": draft, "form": form, "open_threads": open_threads},
    )


@require_POST
@role_required("principles.publish_draft")
def schedule(request, pk: int):
    draft = get_object_or_404(Version.objects.in_progress(), pk=pk)
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["publish_at"]))
        return redirect("drafting:draft", pk)
    return change_state(
        request,
        kind=DRAFT,
        reviewed=draft,
        service=review.schedule,
        success=_("Publication scheduled."),
        at=form.cleaned_data["publish_at"],
    )


@require_POST
@role_required("principles.publish_draft")
def unschedule(request, pk: int):
    draft = get_object_or_404(Version.objects.in_progress(), pk=pk)
    return change_state(
        request,
        kind=DRAFT,
        reviewed=draft,
        service=review.unschedule,
        success=_("Scheduled publication cancelled. The draft stays approved."),
    )


@role_required("principles.view_audit_log")
def audit(request):
    """The drafting part of the site's audit log, at the address it had before there was one."""
    query = request.GET.copy()
    query["what"] = "drafting"
    return redirect(f"{reverse('audit')}?{query.urlencode()}")
