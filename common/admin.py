"""Admin bases: rows and dropdown choices through the model's own `visible_to(user)`, the one
tenancy gate, and a read-only base for append-only records."""

from django.contrib import admin
from django.contrib.auth import get_user_model


def visible(queryset, user):
    return queryset.visible_to(user) if hasattr(queryset, "visible_to") else queryset


class ScopedAdmin(admin.ModelAdmin):
    """Lists only what the user may see; dropdowns offer only what the user may see."""

    def get_queryset(self, request):
        return visible(super().get_queryset(request), request.user)

    def scoped_choices(self, model, user):
        """The queryset a dropdown of `model` offers, or None to leave Django's default. People
        are offered when their organisation is visible to the user."""
        if user.is_superuser:
            return None
        manager = model._default_manager
        if hasattr(manager, "visible_to"):
            return manager.visible_to(user)
        if model is get_user_model():
            organisations = model._meta.get_field("organisation").related_model
            return manager.filter(organisation__in=organisations.objects.visible_to(user))
        return manager.none()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        choices = self.scoped_choices(db_field.related_model, request.user)
        if choices is not None:
            kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        choices = self.scoped_choices(db_field.related_model, request.user)
        if choices is not None:
            kwargs["queryset"] = choices
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ScopedInline(admin.TabularInline):
    def get_queryset(self, request):
        return visible(super().get_queryset(request), request.user)


class ReadOnlyAdminMixin:
    """Shown, never added, changed or deleted here (frozen or append-only records)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
