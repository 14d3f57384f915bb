"""Open and past two-key requests about payments name their subject by model label; point
them at the model's new home. Content types move too, so permissions and admin history keep
their rows. Audit events are left alone: the chain is append-only (readers accept both)."""

from django.db import migrations

OLD, NEW = "sow.paymentmilestone", "payments.paymentmilestone"


def forwards(apps, schema_editor):
    ApprovalRequest = apps.get_model("engagement", "ApprovalRequest")
    ApprovalRequest.objects.filter(subject_type=OLD).update(subject_type=NEW)
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in ("paymentmilestone", "gatecondition"):
        if not ContentType.objects.filter(app_label="payments", model=model).exists():
            ContentType.objects.filter(app_label="sow", model=model).update(app_label="payments")


def backwards(apps, schema_editor):
    ApprovalRequest = apps.get_model("engagement", "ApprovalRequest")
    ApprovalRequest.objects.filter(subject_type=NEW).update(subject_type=OLD)


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("engagement", "0007_approval_url"),
        ("payments", "0002_own_tables"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
