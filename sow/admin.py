from django.contrib import admin

from common.admin import ReadOnlyAdminMixin, ScopedAdmin, ScopedInline

from .models import Clause, ClauseVersion, SowDocument, SowSection, SowVersion


class ClauseVersionInline(ReadOnlyAdminMixin, ScopedInline):
    """Versions are written and published through the library pages (rules and audit)."""

    model = ClauseVersion
    extra = 0
    fields = ["number", "status", "library_hash"]
    readonly_fields = fields


@admin.register(Clause)
class ClauseAdmin(ScopedAdmin):
    list_display = ["key", "title", "category"]
    list_filter = ["category"]
    search_fields = ["key", "title"]
    inlines = [ClauseVersionInline]

    def get_readonly_fields(self, request, obj=None):
        # Only platform superusers give a clause to an organisation or take it back.
        return () if request.user.is_superuser else ("organisation", "from_library")


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
