"""On PostgreSQL, triggers that refuse any statement changing what never changes once written
(see principles/models/immutability.py for the rules and the other layers that hold them):

- published_version_is_immutable: UPDATE or DELETE of a published version; INSERT, UPDATE or
  DELETE of a principle or action line of one, or of its text rows in the source language.
  Rows in other languages are written when a translation is published, and stay writable.
- revision_is_append_only, translation_revision_is_append_only, audit_entry_is_append_only:
  UPDATE or DELETE of any revision, translation revision or audit entry.

Row triggers do not fire on TRUNCATE, with which Django's flush empties tables between
transactional tests. Other databases get nothing here: the models and querysets guard them.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class RunSQLOnPostgreSQL(migrations.RunSQL):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


PUBLISHED_VERSION = """
CREATE FUNCTION principles_refuse_change_of_published_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION
        'published_version_is_immutable: version % is published; % refused, start a new draft',
        OLD.id, TG_OP
        USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = TG_NAME,
              TABLE = TG_TABLE_NAME;
END
$$;

CREATE TRIGGER published_version_is_immutable
BEFORE UPDATE OR DELETE ON principles_version
FOR EACH ROW WHEN (OLD.status = 'published')
EXECUTE FUNCTION principles_refuse_change_of_published_version();
"""

# `item` is a row of a version's structure or text as JSON; `owner` names the column that leads
# to its version; `source_language` is NULL for structure rows, which are frozen in every
# language.
FROZEN_BY_PUBLICATION = """
CREATE FUNCTION principles_frozen_by_publication(item jsonb, owner text, source_language text)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT (source_language IS NULL OR item ->> 'language' = source_language)
        AND EXISTS (
            SELECT 1 FROM principles_version AS version
            WHERE version.status = 'published' AND version.id = CASE owner
                WHEN 'version' THEN (item ->> 'version_id')::bigint
                WHEN 'principle' THEN (
                    SELECT principle.version_id FROM principles_principle AS principle
                    WHERE principle.id = (item ->> 'principle_id')::bigint
                )
                WHEN 'action_line' THEN (
                    SELECT principle.version_id
                    FROM principles_actionline AS line
                    JOIN principles_principle AS principle ON principle.id = line.principle_id
                    WHERE line.id = (item ->> 'action_line_id')::bigint
                )
            END
        )
$$;

CREATE FUNCTION principles_refuse_change_of_published_content() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_OP <> 'INSERT'
            AND principles_frozen_by_publication(to_jsonb(OLD), TG_ARGV[0], TG_ARGV[1]))
        OR (TG_OP <> 'DELETE'
            AND principles_frozen_by_publication(to_jsonb(NEW), TG_ARGV[0], TG_ARGV[1])) THEN
        RAISE EXCEPTION
            'published_version_is_immutable: % of a row of % refused: the structure and '
            'source-language text of a published version never change; start a new draft',
            TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation',
                  CONSTRAINT = 'published_version_is_immutable', TABLE = TG_TABLE_NAME;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;
"""

# (table, column leading to the version, whether its rows carry a language)
VERSION_CONTENT = [
    ("principles_principle", "version", False),
    ("principles_actionline", "principle", False),
    ("principles_versiontext", "version", True),
    ("principles_principletext", "principle", True),
    ("principles_actionlinetext", "action_line", True),
]


def content_trigger(table: str, owner: str, has_language: bool) -> str:
    arguments = f"'{owner}', '{settings.LANGUAGE_CODE}'" if has_language else f"'{owner}'"
    return f"""
CREATE TRIGGER published_version_is_immutable
BEFORE INSERT OR UPDATE OR DELETE ON {table}
FOR EACH ROW EXECUTE FUNCTION principles_refuse_change_of_published_content({arguments});
"""


APPEND_ONLY = """
CREATE FUNCTION principles_refuse_change_of_append_only_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%: rows of % are only ever added; % refused', TG_NAME, TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = TG_NAME,
              TABLE = TG_TABLE_NAME;
END
$$;
"""

# (table, rule): the trigger is named by its rule.
APPEND_ONLY_TABLES = [
    ("principles_revision", "revision_is_append_only"),
    ("principles_translationrevision", "translation_revision_is_append_only"),
    ("principles_auditentry", "audit_entry_is_append_only"),
]


def append_only_trigger(table: str, rule: str) -> str:
    return f"""
CREATE TRIGGER {rule} BEFORE UPDATE OR DELETE ON {table}
FOR EACH ROW EXECUTE FUNCTION principles_refuse_change_of_append_only_row();
"""


CREATE = "\n".join(
    [
        PUBLISHED_VERSION,
        FROZEN_BY_PUBLICATION,
        *(content_trigger(*table) for table in VERSION_CONTENT),
        APPEND_ONLY,
        *(append_only_trigger(*table) for table in APPEND_ONLY_TABLES),
    ]
)
DROP = "\n".join(
    [
        *(f"DROP TRIGGER {rule} ON {table};" for table, rule in APPEND_ONLY_TABLES),
        "DROP FUNCTION principles_refuse_change_of_append_only_row();",
        *(
            f"DROP TRIGGER published_version_is_immutable ON {table};"
            for table, _owner, _language in VERSION_CONTENT
        ),
        "DROP FUNCTION principles_refuse_change_of_published_content();",
        "DROP FUNCTION principles_frozen_by_publication(jsonb, text, text);",
        "DROP TRIGGER published_version_is_immutable ON principles_version;",
        "DROP FUNCTION principles_refuse_change_of_published_version();",
    ]
)


class Migration(migrations.Migration):
    dependencies = [
        ("principles", "0012_one_review_workflow_constraints"),
    ]

    operations = [
        migrations.AlterField(
            model_name="revision",
            name="version",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="revisions",
                to="principles.version",
                verbose_name="version",
            ),
        ),
        migrations.AlterField(
            model_name="translationrevision",
            name="translation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="revisions",
                to="principles.translation",
                verbose_name="translation",
            ),
        ),
        RunSQLOnPostgreSQL(CREATE, DROP),
    ]
