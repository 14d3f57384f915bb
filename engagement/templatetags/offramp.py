from django import template

register = template.Library()


@register.filter
def card_widget(field, card_pk):
    """Render a field with an id unique to one milestone card (the same form repeats per card)."""
    return field.as_widget(attrs={"id": f"f-{card_pk}-{field.name}"})


@register.filter
def side_for(engagement, user):
    """The user's side in the engagement ("internal", "vendor" or None), for display."""
    return user.side_in(engagement) if user.is_authenticated else None
