from django.contrib import admin

from common.admin import ScopedAdmin, ScopedInline

from .models import GateCondition, PaymentMilestone


class GateConditionInline(ScopedInline):
    model = GateCondition
    extra = 0


@admin.register(PaymentMilestone)
class PaymentMilestoneAdmin(ScopedAdmin):
    """Payments are scheduled and moved on the Payments page (audited); shown here."""

    list_display = ["label", "engagement", "amount", "due_date", "status"]
    list_filter = ["status", "commercial_model"]
    readonly_fields = ["status", "version", "gate_met_at"]
    inlines = [GateConditionInline]
