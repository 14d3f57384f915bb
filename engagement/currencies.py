"""ISO 4217 currency codes, from pycountry's copy of the standard (no hand-kept list)."""

from functools import cache

import pycountry

# ISO 4217 also lists codes no contract is priced in: precious metals, testing and "no
# currency" codes, accounting units and funds.
NOT_MONEY = frozenset({
    "XAU", "XAG", "XPD", "XPT",  # gold, silver, palladium, platinum
    "XTS", "XXX",  # reserved for testing; no currency
    "XDR", "XBA", "XBB", "XBC", "XBD", "XSU", "XUA",  # drawing rights and accounting units
    "BOV", "CHE", "CHW", "CLF", "COU", "MXV", "USN", "UYI", "UYW",  # funds and indexed units
})


@cache
def currency_choices():
    return sorted((c.alpha_3, f"{c.alpha_3} · {c.name}") for c in pycountry.currencies
                  if c.alpha_3 not in NOT_MONEY)


@cache
def _codes():
    return frozenset(code for code, _ in currency_choices())


def is_iso_4217(code):
    return code in _codes()
