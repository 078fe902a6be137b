from django.contrib import admin

from .models import Declaration, Version


@admin.register(Declaration)
class DeclarationAdmin(admin.ModelAdmin):
    list_display = ["slug", "current_version", "created_at"]
    readonly_fields = ["current_version", "created_at"]


@admin.register(Version)
class VersionAdmin(admin.ModelAdmin):
    """Read-only: versions change only through drafting, never by hand in the admin."""

    list_display = ["__str__", "status", "number", "published_at", "content_hash"]
    list_filter = ["declaration", "status"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
