from django.contrib import admin

from common.admin import ScopedAdmin

from .models import KPI


@admin.register(KPI)
class KPIAdmin(ScopedAdmin):
    list_display = ["name", "engagement", "layer", "target", "target_date"]
    list_filter = ["layer"]
