"""Every audit entry gets a generic target and a namespaced action code.

Drafting entries named their draft in `version` and wrote bare codes ("submit"); they become
`draft.<verb>` about that version. Translation entries were written on the version they
translate with a prefix in the detail, "Translation (French): …" in the writer's language;
they become `translation.<verb>` about the translation of that version whose language the
prefix names, the prefix dropped. A prefixed entry whose translation cannot be found stays
about the version, prefix and all, with a `translation.` code. Moderation entries already
have both and are left alone.

Backwards, entries about a version or a translation are written on the version again with
bare codes, translations with an English prefix (the writer's language is not known).
"""

from django.conf import settings
from django.db import migrations
from django.utils import translation as i18n

# "Translation (%(language)s)" in each language the site was written in, as the old code
# wrote it (copied here: the string is no longer used by the code, so its catalogue entry may go).
PREFIXES = {
    "en": "Translation (%(language)s)",
    "ar": "ترجمة (%(language)s)",
    "es": "Traducción (%(language)s)",
    "fr": "Traduction (%(language)s)",
    "ru": "Перевод (%(language)s)",
    "zh-hans": "译本（%(language)s）",
}
FIELDS = ["action", "target_type", "target_id", "target_label", "detail", "version"]
DRAFT_VERBS = ["start", "edit", "restore", "submit", "send_back", "approve", "schedule", "publish"]


def version_label(version) -> str:
    if version.number:
        return f"{version.declaration.slug} v{version.number}"
    return f"{version.declaration.slug} draft {version.pk}"


def translation_label(translation) -> str:
    return (
        f"{version_label(translation.version)}, {translation.get_language_display()} "
        f"({translation.get_status_display()})"
    )


def prefixes_of(language: str) -> list[str]:
    """Every prefix the old code could have written for a translation into `language`."""
    names = dict(settings.LANGUAGES)
    prefixes = []
    for writer_language, template in PREFIXES.items():
        with i18n.override(writer_language):
            prefixes.append(template % {"language": str(names[language])})
    return prefixes


def split_prefix(detail: str, language: str) -> str | None:
    """The detail without its prefix when it begins with one naming `language`, else None."""
    for prefix in prefixes_of(language):
        if detail == prefix:
            return ""
        if detail.startswith(f"{prefix}: "):
            return detail[len(prefix) + 2 :]
    return None


def translation_of(entry, translations):
    """The translation the entry was about and its detail without the prefix, or (None, None).
    Of several in the same language, the latest started by the time of the entry."""
    for language in {t.language for t in translations}:
        detail = split_prefix(entry.detail, language)
        if detail is None:
            continue
        candidates = [t for t in translations if t.language == language]
        started = [t for t in candidates if t.created_at <= entry.created_at]
        return (started or candidates)[-1], detail
    return None, None


def is_prefixed(detail: str) -> bool:
    return any(split_prefix(detail, code) is not None for code, _ in settings.LANGUAGES)


def namespace(apps, schema_editor):
    AuditEntry = apps.get_model("principles", "AuditEntry")
    Translation = apps.get_model("principles", "Translation")
    ContentType = apps.get_model("contenttypes", "ContentType")
    version_type, _ = ContentType.objects.get_or_create(app_label="principles", model="version")
    translation_type, _ = ContentType.objects.get_or_create(
        app_label="principles", model="translation"
    )
    entries = AuditEntry.objects.filter(version__isnull=False).select_related(
        "version__declaration"
    )
    translations = {}
    for entry in entries.iterator():
        if entry.version_id not in translations:
            translations[entry.version_id] = list(
                Translation.objects.filter(version=entry.version_id)
                .select_related("version__declaration")
                .order_by("created_at", "pk")
            )
        about, detail = translation_of(entry, translations[entry.version_id])
        if about is not None:
            entry.action = f"translation.{entry.action}"
            entry.target_type, entry.target_id = translation_type, about.pk
            entry.target_label, entry.detail = translation_label(about)[:200], detail
        else:
            subject = "translation" if is_prefixed(entry.detail) else "draft"
            entry.action = f"{subject}.{entry.action}"
            entry.target_type, entry.target_id = version_type, entry.version_id
            entry.target_label = version_label(entry.version)[:200]
        entry.version = None
        entry.save(update_fields=FIELDS)


def bare(action: str) -> str:
    verb = action.partition(".")[2]
    return verb if verb in DRAFT_VERBS else "edit"


def put_back_on_versions(apps, schema_editor):
    AuditEntry = apps.get_model("principles", "AuditEntry")
    Translation = apps.get_model("principles", "Translation")
    about_versions = AuditEntry.objects.filter(
        target_type__app_label="principles", target_type__model="version"
    )
    for entry in about_versions.iterator():
        entry.version_id, entry.action = entry.target_id, bare(entry.action)
        entry.target_type, entry.target_id, entry.target_label = None, None, ""
        entry.save(update_fields=FIELDS)
    about_translations = AuditEntry.objects.filter(
        target_type__app_label="principles", target_type__model="translation"
    )
    names = dict(settings.LANGUAGES)
    for entry in about_translations.iterator():
        about = Translation.objects.get(pk=entry.target_id)
        with i18n.override("en"):
            prefix = PREFIXES["en"] % {"language": str(names[about.language])}
        entry.version_id, entry.action = about.version_id, bare(entry.action)
        entry.detail = (f"{prefix}: {entry.detail}" if entry.detail else prefix)[:300]
        entry.target_type, entry.target_id, entry.target_label = None, None, ""
        entry.save(update_fields=FIELDS)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("principles", "0008_audit_entries_with_generic_targets"),
    ]

    operations = [migrations.RunPython(namespace, put_back_on_versions)]
