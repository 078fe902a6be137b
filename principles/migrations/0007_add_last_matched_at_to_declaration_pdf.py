from django.db import migrations, models
from django.db.models import F


def matched_when_taken(apps, schema_editor):
    """A stored PDF's signatories were last found when its snapshot was taken."""
    DeclarationPdf = apps.get_model("principles", "DeclarationPdf")
    DeclarationPdf.objects.update(last_matched_at=F("snapshot_taken_at"))


class Migration(migrations.Migration):

    dependencies = [
        ("principles", "0006_translations"),
    ]

    operations = [
        migrations.AddField(
            model_name="declarationpdf",
            name="last_matched_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(matched_when_taken, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="declarationpdf",
            name="last_matched_at",
            field=models.DateTimeField(
                help_text="When a snapshot of the version's signatories last found exactly those of this PDF.",
                verbose_name="signatories last matched at",
            ),
        ),
        migrations.AlterModelOptions(
            name="declarationpdf",
            options={
                "get_latest_by": "last_matched_at",
                "verbose_name": "declaration PDF",
                "verbose_name_plural": "declaration PDFs",
            },
        ),
        migrations.AddIndex(
            model_name="declarationpdf",
            index=models.Index(
                fields=["version", "-last_matched_at"], name="declaration_pdf_newest_idx"
            ),
        ),
    ]
