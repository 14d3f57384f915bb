from django import template

register = template.Library()


@register.simple_tag
def engagement_tab_list():
    """The engagement tabs: the core's and those other apps registered."""
    from ..extensions import tabs

    return tabs()


@register.simple_tag(takes_context=True)
def engagement_panels(context, engagement):
    """The summary panels other apps registered for the overview, rendered in order (without
    the request, so context processors do not run again for each panel)."""
    from django.template.loader import render_to_string
    from django.utils.html import format_html_join

    from ..extensions import panels

    user = context.get("user")
    return format_html_join("\n", "{}", (
        (render_to_string(p.template, {**p.context(engagement, user), "engagement": engagement,
                                       "user": user, "panel": p}),)
        for p in panels()))


@register.filter
def card_widget(field, card_pk):
    """Render a field with an id unique to one milestone card (the same form repeats per card)."""
    return field.as_widget(attrs={"id": f"f-{card_pk}-{field.name}"})


@register.filter
def side_for(engagement, user):
    """The user's side in the engagement ("internal", "vendor" or None), for display."""
    return user.side_in(engagement) if user.is_authenticated else None


@register.simple_tag
def can(permission, user, obj=None):
    """`{% can "payments.request_release" user payment as can_release %}`: the permission
    source itself (django-rules' own tag asks `user.has_perm`, which lets every superuser
    through, so it would show a control on a closed engagement that the service refuses)."""
    from ..rules import can as allowed

    return allowed(user, permission, obj)


# Audit values are stored as recorded (field names, ids); people read them in words.
_AUDIT_LABELS = {"client_id": "client", "vendor_id": "vendor", "off_ramp_date": "off-ramp date",
                 "sha256": "SHA-256", "kpi": "KPI", "url": "URL", "raci": "RACI"}


@register.filter
def audit_label(key):
    """"off_ramp_date" → "Off-ramp date", "client_id" → "Client"."""
    text = _AUDIT_LABELS.get(key) or key.removesuffix("_id").replace("_", " ")
    return text[:1].upper() + text[1:]


@register.filter
def audit_value(value):
    """None → "none", True → "yes", lists joined, long values shortened."""
    if value is None or value == "":
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return "; ".join(audit_value(v) for v in value[:12]) + ("; …" if len(value) > 12 else "")
    text = str(value)
    return text if len(text) <= 160 else text[:157] + "…"
