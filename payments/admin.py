from django.contrib import admin

from common.admin import ReadOnlyAdminMixin, ScopedAdmin, ScopedInline

from .models import GateCondition, PaymentMilestone


class GateConditionInline(ReadOnlyAdminMixin, ScopedInline):
    model = GateCondition
    extra = 0


@admin.register(PaymentMilestone)
class PaymentMilestoneAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    """Payments are scheduled, changed and moved on the Payments page and the API, through the
    services (rules, audit, release keys); here they are only shown."""

    list_display = ["label", "engagement", "amount", "due_date", "status"]
    list_filter = ["status", "commercial_model"]
    inlines = [GateConditionInline]
