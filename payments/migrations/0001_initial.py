"""Payments move out of the SOW app (state only: the tables stay where they are).

The models are declared here with their old table names; sow.0005 forgot them first, and 0002
renames the tables. An existing database keeps every row.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('engagement', '0007_approval_url'),
        ('sow', '0005_payments_moved_out'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='PaymentMilestone',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('position', models.PositiveIntegerField(default=0)),
                        ('label', models.CharField(max_length=200)),
                        ('amount', models.DecimalField(decimal_places=2, max_digits=14)),
                        ('due_date', models.DateField()),
                        ('commercial_model', models.CharField(choices=[('fixed_fee', 'Fixed fee with gates'), ('time_and_materials', 'Time and materials with capability OKRs')], default='fixed_fee', max_length=20)),
                        ('status', models.CharField(choices=[('scheduled', 'Scheduled'), ('eligible', 'Eligible'), ('approved', 'Approved'), ('invoiced', 'Invoiced'), ('paid', 'Paid'), ('overdue', 'Overdue')], default='scheduled', max_length=10)),
                        ('invoice_reference', models.CharField(blank=True, max_length=100)),
                        ('paid_on', models.DateField(blank=True, null=True)),
                        ('gate_met_at', models.DateTimeField(blank=True, null=True)),
                        ('version', models.PositiveIntegerField(default=1)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('engagement', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='payments', to='engagement.engagement')),
                        ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'ordering': ['engagement_id', 'due_date', 'position', 'id'],
                        'db_table': 'sow_paymentmilestone',
                    },
                ),
                migrations.CreateModel(
                    name='GateCondition',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('criterion', 'Acceptance criterion met'), ('milestone', 'Milestone accepted')], max_length=12)),
                        ('criterion', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='engagement.acceptancecriterion')),
                        ('milestone', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='engagement.milestone')),
                        ('payment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='conditions', to='payments.paymentmilestone')),
                    ],
                    options={
                        'ordering': ['payment_id', 'id'],
                        'db_table': 'sow_gatecondition',
                    },
                ),
                migrations.AddIndex(
                    model_name='paymentmilestone',
                    index=models.Index(fields=['status'], name='sow_payment_status_2315a5_idx'),
                ),
                migrations.AddConstraint(
                    model_name='paymentmilestone',
                    constraint=models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='payment_amount_positive'),
                ),
                migrations.AddConstraint(
                    model_name='gatecondition',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('criterion__isnull', False), ('kind', 'criterion'), ('milestone__isnull', True)), models.Q(('criterion__isnull', True), ('kind', 'milestone'), ('milestone__isnull', False)), _connector='OR'), name='gate_condition_points_at_its_kind'),
                ),
            ],
        ),
    ]
