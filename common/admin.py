"""Admin bases: rows and dropdown choices through the model's own `visible_to(user)`, the one
tenancy gate, and a read-only base for append-only records."""

from django.contrib import admin


def visible(queryset, user):
    return queryset.visible_to(user) if hasattr(queryset, "visible_to") else queryset


class ScopedAdmin(admin.ModelAdmin):
    """Lists only what the user may see; dropdowns offer only what the user may see."""

    def get_queryset(self, request):
        return visible(super().get_queryset(request), request.user)

    def scoped_choices(self, model, user):
        """The queryset a dropdown of `model` offers, or None to leave Django's default."""
        if user.is_superuser:
            return None
        manager = model._default_manager
        return manager.visible_to(user) if hasattr(manager, "visible_to") else None

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
