from django.contrib import admin

from engagement.admin import TenantScopedAdmin

from .models import Clause, ClauseVersion, SowDocument, SowSection, SowVersion


class ClauseVersionInline(admin.TabularInline):
    model = ClauseVersion
    extra = 0
    fields = ["number", "status", "library_hash"]
    readonly_fields = ["number", "library_hash"]


@admin.register(Clause)
class ClauseAdmin(admin.ModelAdmin):
    list_display = ["key", "title", "category"]
    list_filter = ["category"]
    search_fields = ["key", "title"]
    inlines = [ClauseVersionInline]


@admin.register(SowDocument)
class SowDocumentAdmin(TenantScopedAdmin):
    list_display = ["title", "engagement", "version", "updated_at"]
    tenant_path = "engagement"


@admin.register(SowSection)
class SowSectionAdmin(TenantScopedAdmin):
    list_display = ["sow", "position", "clause_version", "schedule"]
    tenant_path = "sow__engagement"


@admin.register(SowVersion)
class SowVersionAdmin(TenantScopedAdmin):
    """Frozen versions are shown, never changed or deleted here."""

    list_display = ["sow", "number", "status", "sha256", "created_at"]
    tenant_path = "sow__engagement"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
