from django.contrib import admin

from declaration_site.admin import ReadOnlyAdmin

from .models import Endorsement


@admin.register(Endorsement)
class EndorsementAdmin(ReadOnlyAdmin):
    """For looking things up. Decisions are made in the moderation queue (/moderation/), where
    the rules about states are enforced, so the admin changes nothing."""

    list_display = ["organisation_name", "country", "organisation_type", "status", "submitted_at"]
    list_filter = ["status", "organisation_type", "region"]
    search_fields = ["organisation_name", "contact_email"]
    date_hierarchy = "submitted_at"
