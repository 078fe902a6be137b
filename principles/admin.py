"""The admin, for looking things up: what was written, by whom and when. Everything about the
text changes only through drafting, where the rules about states are enforced, so everything
but the declaration itself is read-only here; revisions, published versions and the audit log
refuse changes in the database too (models/immutability.py)."""

import json

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from declaration_site.admin import ReadOnlyAdmin
from declaration_site.templatetags.staff import person

from .models import (
    AuditEntry,
    Declaration,
    DeclarationPdf,
    ReviewComment,
    Revision,
    StaffLanguage,
    Translation,
    TranslationRevision,
    Version,
)


def admin_link(obj, text=None) -> str:
    """A link to `obj`'s page in the admin, or its name when it has none."""
    if obj is None:
        return "—"
    name = f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change"
    return format_html('<a href="{}">{}</a>', reverse(name, args=[obj.pk]), text or obj)


def listed_link(model, field: str, obj, text: str) -> str:
    """A link to the admin's list of `model` rows whose `field` is `obj`."""
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return format_html('<a href="{}?{}={}">{}</a>', url, field, obj.pk, text)


def readable_json(value) -> str:
    """A stored text (a snapshot, a translation) as indented JSON that people can read,
    rather than one long line; non-Latin scripts as themselves, not as escapes."""
    return format_html(
        '<pre class="readable-text" dir="auto">{}</pre>',
        json.dumps(value, ensure_ascii=False, indent=2),
    )


@admin.register(Declaration)
class DeclarationAdmin(admin.ModelAdmin):
    list_display = ["slug", "current_version", "created_at"]
    readonly_fields = ["current_version", "created_at"]


@admin.register(Version)
class VersionAdmin(ReadOnlyAdmin):
    """Read-only: versions change only through drafting, never by hand in the admin."""

    list_display = ["__str__", "status", "number", "published_at", "content_hash"]
    list_filter = ["declaration", "status"]
    search_fields = ["texts__title", "content_hash"]
    readonly_fields = ["related"]

    @admin.display(description=_("related records"))
    def related(self, version):
        links = [
            listed_link(Revision, "version__id__exact", version, _("revisions")),
            listed_link(ReviewComment, "version__id__exact", version, _("review comments")),
            listed_link(Translation, "version__id__exact", version, _("translations")),
            listed_link(DeclarationPdf, "version__id__exact", version, _("PDFs")),
        ]
        return format_html(" · ".join(["{}"] * len(links)), *links)


class ReadableText:
    """Loads the style that `readable_json` needs (an inline style would be refused by the
    Content Security Policy)."""

    class Media:
        css = {"all": ["css/admin.css"]}


class PersonColumn:
    """A column naming the person who did something, as the history pages do."""

    @admin.display(description=_("person"))
    def who(self, obj):
        return person(getattr(obj, "author", None) or getattr(obj, "actor", None))


@admin.register(Revision)
class RevisionAdmin(PersonColumn, ReadableText, ReadOnlyAdmin):
    list_display = ["pk", "version_link", "created_at", "who", "action", "summary", "note"]
    list_filter = ["action", ("version", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["summary", "note", "item_key", "author__username", "author__last_name"]
    list_select_related = ["version__declaration", "author"]
    date_hierarchy = "created_at"
    fields = ["version_link", "who", "created_at", "action", "item_key", "summary", "note", "text"]
    readonly_fields = fields

    @admin.display(description=_("version"), ordering="version")
    def version_link(self, revision):
        return admin_link(revision.version)

    @admin.display(description=_("text after this revision"))
    def text(self, revision):
        return readable_json(revision.snapshot)


@admin.register(Translation)
class TranslationAdmin(ReadableText, ReadOnlyAdmin):
    list_display = ["pk", "version_link", "language", "status", "standing", "created_at"]
    list_filter = ["language", "status", "standing", ("version", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["review_note"]
    list_select_related = ["version__declaration"]
    fields = [
        "version_link",
        "language",
        "status",
        "standing",
        "created_at",
        "published_at",
        "review_note",
        "revisions",
        "translated_text",
    ]
    readonly_fields = fields

    @admin.display(description=_("version"), ordering="version")
    def version_link(self, translation):
        return admin_link(translation.version)

    @admin.display(description=_("revisions"))
    def revisions(self, translation):
        return listed_link(
            TranslationRevision, "translation__id__exact", translation, _("revisions")
        )

    @admin.display(description=_("translated text"))
    def translated_text(self, translation):
        return readable_json(translation.text)


@admin.register(TranslationRevision)
class TranslationRevisionAdmin(PersonColumn, ReadableText, ReadOnlyAdmin):
    list_display = ["pk", "translation_link", "created_at", "who", "action", "summary", "note"]
    list_filter = ["action", "standing", "translation__language"]
    search_fields = ["summary", "note", "item_key", "author__username", "author__last_name"]
    list_select_related = ["translation__version__declaration", "author"]
    date_hierarchy = "created_at"
    fields = [
        "translation_link",
        "who",
        "created_at",
        "action",
        "item_key",
        "standing",
        "summary",
        "note",
        "translated_text",
    ]
    readonly_fields = fields

    @admin.display(description=_("translation"), ordering="translation")
    def translation_link(self, revision):
        return admin_link(revision.translation)

    @admin.display(description=_("translated text after this revision"))
    def translated_text(self, revision):
        return readable_json(revision.text)


@admin.register(ReviewComment)
class ReviewCommentAdmin(PersonColumn, ReadOnlyAdmin):
    list_display = ["pk", "version_link", "created_at", "who", "item_key", "__str__"]
    list_filter = [("version", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["text", "author__username", "author__last_name"]
    list_select_related = ["version__declaration", "author"]
    date_hierarchy = "created_at"
    fields = ["version_link", "who", "created_at", "item_key", "text"]
    readonly_fields = fields

    @admin.display(description=_("version"), ordering="version")
    def version_link(self, comment):
        return admin_link(comment.version)


@admin.register(DeclarationPdf)
class DeclarationPdfAdmin(ReadOnlyAdmin):
    """The PDFs' records, never their bytes: download a PDF from the public site."""

    list_display = [
        "pk",
        "version_link",
        "language",
        "signatory_count",
        "size",
        "rendered_at",
        "last_matched_at",
    ]
    list_filter = ["language", ("version", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["snapshot_hash", "file"]
    list_select_related = ["version__declaration"]
    date_hierarchy = "rendered_at"
    fields = [
        "version_link",
        "language",
        "signatory_count",
        "snapshot_hash",
        "snapshot_taken_at",
        "stored_as",
        "size",
        "rendered_at",
        "last_matched_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("version"), ordering="version")
    def version_link(self, pdf):
        return admin_link(pdf.version)

    @admin.display(description=_("stored as"))
    def stored_as(self, pdf):
        return pdf.file.name


@admin.register(AuditEntry)
class AuditEntryAdmin(PersonColumn, ReadOnlyAdmin):
    list_display = ["created_at", "who", "action", "target_link", "detail"]
    list_filter = ["action", ("target_type", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["target_label", "detail", "actor__username", "actor__last_name"]
    list_select_related = ["actor", "target_type"]
    date_hierarchy = "created_at"
    fields = ["created_at", "who", "action", "target_type", "target_link", "detail"]
    readonly_fields = fields

    @admin.display(description=_("target"), ordering="target_label")
    def target_link(self, entry):
        """What the entry is about, by the name it had then, linked to its page here."""
        model = entry.target_type.model_class()
        if model is None or not admin.site.is_registered(model):
            return entry.target_label
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}_change"
        url = reverse(name, args=[entry.target_id])
        return format_html('<a href="{}">{}</a>', url, entry.target_label)


@admin.register(StaffLanguage)
class StaffLanguageAdmin(admin.ModelAdmin):
    """The language each member of staff is emailed in: set when they sign in, or here."""

    list_display = ["user", "language"]
    list_filter = ["language"]
