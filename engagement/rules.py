"""Preconditions other apps contribute to engagement transitions, without the core importing them.

The core knows the flow; an app that owns a rule's data (kpis owns capability outcomes)
registers a check at start-up. A check takes the engagement and returns a list of problems
in plain words; an empty list means it passes. The rule itself stays in the owning app.
"""

from collections import defaultdict

_checks = defaultdict(list)


def register_transition_check(to_status, check):
    if check not in _checks[to_status]:
        _checks[to_status].append(check)


def transition_problems(engagement, to_status):
    problems = []
    for check in _checks[to_status]:
        problems.extend(check(engagement))
    return problems
