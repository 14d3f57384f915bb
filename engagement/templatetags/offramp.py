from django import template

register = template.Library()


@register.filter
def card_widget(field, card_pk):
    """Render a field with an id unique to one milestone card (the same form repeats per card)."""
    return field.as_widget(attrs={"id": f"f-{card_pk}-{field.name}"})
