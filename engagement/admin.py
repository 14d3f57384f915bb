"""Admin, scoped by the same tenancy rule as pages and API; the audit log is read-only."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from common.admin import ReadOnlyAdminMixin, ScopedAdmin

from .models import (
    AuditEvent,
    Engagement,
    Organisation,
    ReadinessBaseline,
    StaffingAssignment,
    User,
)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return Organisation.objects.visible_to(request.user)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "organisation", "role", "is_staff"]
    list_filter = ["role", "organisation"]
    fieldsets = BaseUserAdmin.fieldsets + (("Offramp", {"fields": ("organisation", "role")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        ("Offramp", {"fields": ("organisation", "role")}),
    )

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(organisation_id=request.user.organisation_id)

    def get_readonly_fields(self, request, obj=None):
        # Only platform superusers move people between organisations or grant powers.
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ("organisation", "is_superuser", "is_staff", "groups", "user_permissions",
                "last_login", "date_joined")

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser and not change:
            obj.organisation_id = request.user.organisation_id
        super().save_model(request, obj, form, change)
        if change and {"is_active", "organisation", "role"} & set(form.changed_data):
            # Keys this person turned stop counting the moment they lose the right.
            from .services import approval_keys_revalidate

            approval_keys_revalidate(actor=request.user, user=obj)


@admin.register(Engagement)
class EngagementAdmin(ScopedAdmin):
    list_display = ["title", "client", "vendor", "format", "status", "start_date"]
    list_filter = ["status", "format"]
    search_fields = ["title"]
    # Status moves go through engagement_transition so they are audited.
    readonly_fields = ["status", "version"]


@admin.register(StaffingAssignment)
class StaffingAssignmentAdmin(ScopedAdmin):
    list_display = ["display_name", "engagement", "side", "staffing_role"]


@admin.register(ReadinessBaseline)
class ReadinessBaselineAdmin(ScopedAdmin):
    list_display = ["engagement", "stage", "skills", "process", "tooling"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    list_display = ["engagement", "seq", "at", "actor_label", "verb", "object_type"]
    list_filter = ["verb"]
