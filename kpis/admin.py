from django.contrib import admin

from engagement.admin import TenantScopedAdmin

from .models import KPI


@admin.register(KPI)
class KPIAdmin(TenantScopedAdmin):
    list_display = ["name", "engagement", "layer", "target", "target_date"]
    list_filter = ["layer"]
    tenant_path = "engagement"
