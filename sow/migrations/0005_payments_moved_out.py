"""Payments now live in the payments app (payments.0001 declares them again): forget them here, keep the tables."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('sow', '0004_payments'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name='GateCondition'),
                migrations.DeleteModel(name='PaymentMilestone'),
            ],
        ),
    ]
