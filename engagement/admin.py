"""Admin, scoped by the same tenancy rule as pages and API; the audit log is read-only."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import (
    AuditEvent,
    Engagement,
    Organisation,
    ReadinessBaseline,
    StaffingAssignment,
    User,
)


def scoped_choices(model, user):
    """What a user may pick in an admin dropdown of `model`: the tenancy rule again."""
    if user.is_superuser:
        return None
    if model is Engagement:
        return Engagement.objects.visible_to(user)
    if model is Organisation:
        return Organisation.objects.visible_to(user)
    if model is User:
        return User.objects.filter(organisation__in=Organisation.objects.visible_to(user))
    if hasattr(model.objects, "visible_to"):
        return model.objects.visible_to(user)
    return None


class TenantScopedAdmin(admin.ModelAdmin):
    """Rows whose engagement (reached through `tenant_path`) the user may see, and dropdowns
    that offer only what the user may see."""

    tenant_path = "engagement"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        visible = Engagement.objects.visible_to(request.user).values("pk")
        path = self.tenant_path or "pk"
        return qs.filter(**{f"{path}__in": visible})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        choices = scoped_choices(db_field.related_model, request.user)
        if choices is not None:
            kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        choices = scoped_choices(db_field.related_model, request.user)
        if choices is not None:
            kwargs["queryset"] = choices
        return super().formfield_for_manytomany(db_field, request, **kwargs)


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


@admin.register(Engagement)
class EngagementAdmin(TenantScopedAdmin):
    list_display = ["title", "client", "vendor", "format", "status", "start_date"]
    list_filter = ["status", "format"]
    search_fields = ["title"]
    tenant_path = ""
    # Status moves go through engagement_transition so they are audited.
    readonly_fields = ["status", "version"]


@admin.register(StaffingAssignment)
class StaffingAssignmentAdmin(TenantScopedAdmin):
    list_display = ["display_name", "engagement", "side", "staffing_role"]


@admin.register(ReadinessBaseline)
class ReadinessBaselineAdmin(TenantScopedAdmin):
    list_display = ["engagement", "stage", "skills", "process", "tooling"]


@admin.register(AuditEvent)
class AuditEventAdmin(TenantScopedAdmin):
    list_display = ["engagement", "seq", "at", "actor_label", "verb", "object_type"]
    list_filter = ["verb"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
