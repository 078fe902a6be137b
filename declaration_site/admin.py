from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """For looking things up: rows change only through the site's own pages, where the rules
    about states are enforced, never by hand in the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
