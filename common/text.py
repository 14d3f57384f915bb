"""Text hygiene for everything people type: names, titles, labels, notes.

Control characters (other than line breaks and tabs in multi-line text) and bidirectional
overrides are refused with a message naming the character: they hide or reorder what others
read. Zero-width characters are removed: they make two names that look the same differ.
"""

import unicodedata

from django.core.exceptions import ValidationError

BIDI_CONTROLS = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}
ZERO_WIDTH = {0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF}
ALLOWED_CONTROLS = {"\n", "\r", "\t"}


def _describe(char):
    return f"U+{ord(char):04X} {unicodedata.name(char, 'control character')}"


def clean_text(value):
    """`value` without zero-width characters; ValidationError for control or bidi ones."""
    if not isinstance(value, str) or not value:
        return value
    cleaned = "".join(c for c in value if ord(c) not in ZERO_WIDTH)
    for char in cleaned:
        if ord(char) in BIDI_CONTROLS or (unicodedata.category(char) == "Cc"
                                          and char not in ALLOWED_CONTROLS):
            raise ValidationError(f"This text contains an invisible character that is not "
                                  f"allowed: {_describe(char)}. Remove it and try again.")
    return cleaned


class CleanTextMixin:
    """For models: `full_clean()` strips zero-width characters from every text field and
    refuses control and bidirectional characters, naming the field."""

    def clean_fields(self, exclude=None):
        errors = {}
        for field in self._meta.concrete_fields:
            if exclude and field.name in exclude:
                continue
            if field.get_internal_type() in ("CharField", "TextField", "SlugField"):
                try:
                    setattr(self, field.attname, clean_text(getattr(self, field.attname)))
                except ValidationError as exc:
                    errors[field.name] = exc.messages
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault(name, []).extend(messages)
        if errors:
            raise ValidationError(errors)
