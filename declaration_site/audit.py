"""The site's audit log as those responsible read it: drafting, translation and moderation in
one list, newest first, filtered by what and by who. It reads both apps, so it sits above them."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from endorsements.models import Endorsement
from principles.drafting.forms import version_label
from principles.drafting.roles import DRAFTING_PERMISSIONS, role_required
from principles.models import AuditEntry, Translation, Version

from .templatetags.staff import person

ENTRIES_PER_PAGE = 100
SUBSYSTEMS = [
    ("", _("Everything")),
    ("drafting", _("Drafting")),
    ("translation", _("Translations")),
    ("moderation", _("Moderation")),
    ("consultation", _("Consultations")),
]


class AuditFilterForm(forms.Form):
    what = forms.ChoiceField(label=_("What"), choices=SUBSYSTEMS, required=False)
    draft = forms.ModelChoiceField(
        Version.objects.none(), label=_("Draft"), required=False, empty_label=_("All drafts")
    )
    translation = forms.ModelChoiceField(
        Translation.objects.none(),
        label=_("Translation"),
        required=False,
        empty_label=_("All translations"),
    )
    # Not offered as a list (there are thousands); links name one endorsement.
    endorsement = forms.ModelChoiceField(
        Endorsement.objects.all(), required=False, widget=forms.HiddenInput
    )
    person = forms.ModelChoiceField(
        get_user_model().objects.none(),
        label=_("Person"),
        required=False,
        empty_label=_("Everyone"),
    )

    def __init__(self, data=None, **kwargs):
        # A bound form writes what it was given back into the page (the hidden endorsement
        # field): a NUL byte there would make the page invalid HTML.
        if data is not None:
            data = {name: value.replace("\x00", "") for name, value in data.items()}
        super().__init__(data, **kwargs)
        entries = AuditEntry.objects.all()
        self.fields["draft"].queryset = Version.objects.filter(
            pk__in=entries.target_ids(Version)
        ).select_related("declaration")
        self.fields["draft"].label_from_instance = version_label
        self.fields["translation"].queryset = Translation.objects.filter(
            pk__in=entries.target_ids(Translation)
        ).select_related("version__declaration")
        self.fields["person"].queryset = get_user_model().objects.filter(
            pk__in=entries.values("actor")
        )
        self.fields["person"].label_from_instance = person

    def filter(self, entries):
        if not self.is_valid():
            return entries
        if self.cleaned_data["what"]:
            entries = entries.of_subsystem(self.cleaned_data["what"])
        for name in ["draft", "translation", "endorsement"]:
            if self.cleaned_data[name]:
                entries = entries.about(self.cleaned_data[name])
        if self.cleaned_data["person"]:
            entries = entries.filter(actor=self.cleaned_data["person"])
        return entries


def target_links(user) -> dict[int, str]:
    """The page of each kind of target that `user` may open, by content type id."""
    links = {}
    if any(user.has_perm(permission) for permission in DRAFTING_PERMISSIONS):
        links[ContentType.objects.get_for_model(Version).pk] = "drafting:history"
        links[ContentType.objects.get_for_model(Translation).pk] = "drafting:translation-history"
    if user.has_perm("endorsements.moderate_endorsement"):
        links[ContentType.objects.get_for_model(Endorsement).pk] = "endorsements:moderation-detail"
    return links


@role_required("principles.view_audit_log")
def audit_log(request):
    """Every audited action, newest first, filtered by subsystem, by what it was about and by
    person: for Publishers and Moderators."""
    form = AuditFilterForm(request.GET or None)
    entries = form.filter(AuditEntry.objects.for_reading())
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    links = target_links(request.user)
    for entry in page:
        name = links.get(entry.target_type_id)
        entry.target_url = reverse(name, args=[entry.target_id]) if name else ""
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "audit_log.html", {"form": form, "page": page, "query": query.urlencode()}
    )
