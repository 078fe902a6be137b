from django.contrib import admin

from .models import Endorsement


@admin.register(Endorsement)
class EndorsementAdmin(admin.ModelAdmin):
    """For looking things up. Decisions are made in the moderation queue (/moderation/), where
    the rules about states are enforced, so the admin changes nothing."""

    list_display = ["organisation_name", "country", "organisation_type", "status", "submitted_at"]
    list_filter = ["status", "organisation_type", "region"]
    search_fields = ["organisation_name", "contact_email"]
    date_hierarchy = "submitted_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
