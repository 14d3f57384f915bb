"""ISO 4217 currency codes, from pycountry's copy of the standard (no hand-kept list)."""

from functools import cache

import pycountry


@cache
def currency_choices():
    return sorted((c.alpha_3, f"{c.alpha_3} · {c.name}") for c in pycountry.currencies)


@cache
def _codes():
    return frozenset(code for code, _ in currency_choices())


def is_iso_4217(code):
    return code in _codes()
