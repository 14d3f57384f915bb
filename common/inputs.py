"""Parsing of raw user input that must never raise."""

import re

_DIGITS = re.compile(r"[0-9]{1,18}")


def parse_id(value):
    """A positive integer written in ASCII digits, or None (never an exception)."""
    value = (value or "").strip()
    return int(value) if _DIGITS.fullmatch(value) else None
