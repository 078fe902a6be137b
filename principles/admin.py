from django.contrib import admin

from declaration_site.admin import ReadOnlyAdmin

from .models import Declaration, StaffLanguage, Version


@admin.register(Declaration)
class DeclarationAdmin(admin.ModelAdmin):
    list_display = ["slug", "current_version", "created_at"]
    readonly_fields = ["current_version", "created_at"]


@admin.register(Version)
class VersionAdmin(ReadOnlyAdmin):
    """Read-only: versions change only through drafting, never by hand in the admin."""

    list_display = ["__str__", "status", "number", "published_at", "content_hash"]
    list_filter = ["declaration", "status"]


@admin.register(StaffLanguage)
class StaffLanguageAdmin(admin.ModelAdmin):
    """The language each member of staff is emailed in: set when they sign in, or here."""

    list_display = ["user", "language"]
    list_filter = ["language"]
