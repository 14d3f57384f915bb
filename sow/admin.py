from django.contrib import admin

from common.admin import ReadOnlyAdminMixin, ScopedAdmin, ScopedInline

from .models import Clause, ClauseVersion, SowDocument, SowSection, SowVersion


class ClauseVersionInline(ScopedInline):
    model = ClauseVersion
    extra = 0
    fields = ["number", "status", "library_hash"]
    readonly_fields = ["number", "library_hash"]


@admin.register(Clause)
class ClauseAdmin(ScopedAdmin):
    list_display = ["key", "title", "category"]
    list_filter = ["category"]
    search_fields = ["key", "title"]
    inlines = [ClauseVersionInline]


@admin.register(SowDocument)
class SowDocumentAdmin(ScopedAdmin):
    list_display = ["title", "engagement", "version", "updated_at"]


@admin.register(SowSection)
class SowSectionAdmin(ScopedAdmin):
    list_display = ["sow", "position", "clause_version", "schedule"]


@admin.register(SowVersion)
class SowVersionAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    """Frozen versions are shown, never changed or deleted here."""

    list_display = ["sow", "number", "status", "sha256", "created_at"]
