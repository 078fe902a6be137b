"""What never changes once written, and what holds it.

- A **published version** is frozen: its own row, its structure (principles, action lines) and
  its text in the source language. Its text rows in other languages stay writable, because
  publishing a translation replaces them and publishing the version writes the translations it
  keeps from earlier versions (both through `drafting.translation_updates.write_language`).
- **Revisions, translation revisions and audit entries** are only ever added: never changed,
  never deleted. No code deletes a draft or a translation, so their revisions need no exception.

Three layers hold it:

1. The models' `save()` and `delete()` (`FrozenOncePublished` on Version, `VersionContent`,
   `AppendOnly`), on every database.
2. Their querysets, on every database: `update()`, `delete()` and `bulk_create()` refuse the
   same rows (`bulk_update()` goes through `update()`). A revision keeps its draft or translation
   from being deleted (`on_delete=PROTECT`), so no cascade removes one either.
3. On PostgreSQL, triggers (migration `principles.*_immutability_triggers`) refuse the same
   UPDATE, DELETE and INSERT statements whoever sends them: raw SQL, `_base_manager`, a psql
   session. They raise IntegrityError naming the rule (`published_version_is_immutable`,
   `revision_is_append_only`, …). SQLite gets no triggers: Django empties tables between
   transactional tests with DELETE, which they would refuse, whereas PostgreSQL empties them
   with TRUNCATE, which fires no row triggers. A data migration that must rewrite such rows on
   PostgreSQL disables the trigger around its statements (`ALTER TABLE … DISABLE TRIGGER`).

Historical models in migrations use plain managers, so layer 2 does not apply to them.
"""

from django.conf import settings
from django.db import models

# Version.Status.PUBLISHED, which this module cannot import: text.py imports it.
PUBLISHED = "published"


class PublishedVersionIsImmutable(Exception):
    """Raised on any attempt to change the text or structure of a published version."""


class RevisionIsImmutable(Exception):
    """Raised on any attempt to change or delete a row that is only ever added: a revision, a
    translation revision or an audit entry."""


def _refuse_published(what: str):
    raise PublishedVersionIsImmutable(
        f"{what}: a published version's row, structure and source text never change; "
        "start a new draft to change them."
    )


class GuardedQuerySet(models.QuerySet):
    """update(), delete() and bulk_create() that ask `_check(method)` first (and, for
    bulk_create(), `_check_new_rows(objs)`), which raise to refuse."""

    def update(self, **kwargs):
        self._check("update")
        return super().update(**kwargs)

    def delete(self):
        self._check("delete")
        return super().delete()

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        if kwargs.get("update_conflicts"):
            self._check("bulk_create")
        self._check_new_rows(objs)
        return super().bulk_create(objs, *args, **kwargs)

    # As on Django's own: templates never call them, and delete() stays off the manager.
    update.alters_data = delete.alters_data = bulk_create.alters_data = True
    delete.queryset_only = True

    def _check(self, method: str):
        pass

    def _check_new_rows(self, objs):
        pass

    def _statement(self, method: str) -> str:
        return f"{self.model._meta.object_name}.objects.{method}()"


class FrozenOncePublishedQuerySet(GuardedQuerySet):
    """Versions: update() and delete() refuse published ones."""

    def _check(self, method: str):
        if self.filter(status=PUBLISHED).exists():
            _refuse_published(self._statement(method))


class FrozenOncePublished(models.Model):
    """A version: once its stored row is published, save() and delete() refuse."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding and self._is_published_in_database():
            _refuse_published(str(self))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._is_published_in_database():
            _refuse_published(str(self))
        return super().delete(*args, **kwargs)

    def _is_published_in_database(self) -> bool:
        return type(self)._base_manager.filter(pk=self.pk, status=PUBLISHED).exists()


class VersionContentQuerySet(GuardedQuerySet):
    """The rows of a version's structure and text: update() and delete() refuse the frozen ones,
    bulk_create() refuses rows that a published version would freeze."""

    def frozen(self):
        """Rows of published versions: all structure rows, and text rows in the source
        language."""
        rows = self.filter(**{f"{self.model.version_path}__status": PUBLISHED})
        if self.model.is_text:
            rows = rows.filter(language=settings.LANGUAGE_CODE)
        return rows

    def _check(self, method: str):
        if self.frozen().exists():
            _refuse_published(self._statement(method))

    def _check_new_rows(self, objs):
        if self.model.is_text:
            objs = [obj for obj in objs if obj.language == settings.LANGUAGE_CODE]
        owner_name, _, rest = self.model.version_path.partition("__")
        owner = self.model._meta.get_field(owner_name)
        owner_ids = {getattr(obj, owner.attname) for obj in objs} - {None}
        status = f"{rest}__status" if rest else "status"
        published = owner.related_model._base_manager.filter(
            pk__in=owner_ids, **{status: PUBLISHED}
        )
        if owner_ids and published.exists():
            _refuse_published(self._statement("bulk_create"))


class VersionContent(models.Model):
    """Anything that belongs to a version's text, and so is frozen once it is published.

    Subclasses name the lookup from themselves to their version (`version_path`); text rows,
    which carry a language, set `is_text`."""

    version_path = "version"
    is_text = False

    objects = VersionContentQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self._refuse_if_published()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_if_published()
        return super().delete(*args, **kwargs)

    def owning_version(self):
        """The version this row belongs to, followed along `version_path`."""
        owner = self
        for name in self.version_path.split("__"):
            owner = getattr(owner, name)
        return owner

    def _refuse_if_published(self):
        if self.owning_version().is_published:
            raise PublishedVersionIsImmutable(
                f"{self.owning_version()} is published; start a new draft to change it."
            )


class AppendOnlyQuerySet(GuardedQuerySet):
    """update() and delete() are refused outright; bulk_create() may add rows, not overwrite
    them (`update_conflicts`)."""

    def _check(self, method: str):
        raise RevisionIsImmutable(f"{self._statement(method)}: these rows are only ever added.")


class AppendOnly(models.Model):
    """A row that is only ever added: never changed, never deleted."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RevisionIsImmutable(
                f"A {self._meta.object_name} is never changed; record a new one."
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RevisionIsImmutable(f"A {self._meta.object_name} is never deleted.")
