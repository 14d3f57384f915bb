"""The RACI matrix: workstreams × staffing roles × phases."""

import json
from collections import Counter
from pathlib import Path

from django.db import transaction

from common.errors import DomainError

from ..audit import audit_record
from ..models import (
    VENDOR_STAFFING_ROLES,
    Phase,
    RaciAssignment,
    StaffingRole,
    Workstream,
)
from ._common import lock, require

TEMPLATE = Path(__file__).resolve().parent.parent / "data" / "raci_default.json"


def raci_template():
    data = json.loads(TEMPLATE.read_text())
    return [
        {"workstream": ws, "phase": phase, "staffing_role": role, "letter": letter}
        for ws, phases in data.items() for phase, cells in phases.items()
        for role, letter in cells.items()
    ]


def raci_problems(cells):
    """Must-rule: exactly one A per workstream and phase. Returns messages keyed by (ws, phase)."""
    counts = Counter((c["workstream"], c["phase"]) for c in cells if c["letter"] == "A")
    problems = {}
    for ws in Workstream:
        for phase in Phase:
            n = counts[(ws.value, phase.value)]
            if n != 1:
                problems[(ws.value, phase.value)] = (
                    f"{ws.label} in the {phase.label.lower()} phase has "
                    f"{'no' if n == 0 else n} A{'s' if n > 1 else ''}; it needs exactly one.")
    return problems


def raci_warnings(cells):
    """Warn-rule: the vendor still holds A or R in the late phase."""
    out = []
    for c in cells:
        if (c["phase"] == Phase.LATE and c["letter"] in ("A", "R")
                and c["staffing_role"] in VENDOR_STAFFING_ROLES):
            out.append(f"{Workstream(c['workstream']).label}: the vendor's "
                       f"{StaffingRole(c['staffing_role']).label.lower()} still holds "
                       f"{c['letter']} in the late phase.")
    return out


def _normalise(cells):
    seen, clean = set(), []
    for c in cells:
        ws, phase, role, letter = (c.get("workstream"), c.get("phase"), c.get("staffing_role"),
                                   (c.get("letter") or "").upper())
        if ws not in Workstream.values or phase not in Phase.values:
            raise DomainError(f"Unknown workstream or phase: {ws}/{phase}.",
                              rule="invalid_field", field="cells")
        if role not in StaffingRole.values:
            raise DomainError(f"Unknown staffing role: {role}.", rule="invalid_field",
                              field="cells")
        if letter not in ("", "R", "A", "C", "I"):
            raise DomainError(f"A RACI cell holds R, A, C, I or nothing, not “{letter}”.",
                              rule="invalid_field", field="cells")
        key = (ws, phase, role)
        if key in seen:
            raise DomainError(f"The cell {ws}/{phase}/{role} appears twice.",
                              rule="invalid_field", field="cells")
        seen.add(key)
        if letter:
            clean.append({"workstream": ws, "phase": phase, "staffing_role": role,
                          "letter": letter})
    return clean


@transaction.atomic
def raci_save(*, actor, engagement, cells):
    """Replace the whole matrix. Refused unless every workstream has exactly one A per phase."""
    require(actor, "engagement.change_raci", engagement)
    engagement = lock(engagement)
    clean = _normalise(cells)
    problems = raci_problems(clean)
    if problems:
        err = DomainError(" ".join(problems.values()), rule="raci_one_accountable",
                          field="cells")
        err.fields = {f"{ws}-{phase}": [msg] for (ws, phase), msg in problems.items()}
        raise err
    current = {(c.workstream, c.phase, c.staffing_role): c.letter
               for c in RaciAssignment.objects.filter(engagement=engagement)}
    wanted = {(c["workstream"], c["phase"], c["staffing_role"]): c["letter"] for c in clean}
    if current == wanted:
        return clean
    RaciAssignment.objects.filter(engagement=engagement).delete()
    RaciAssignment.objects.bulk_create(
        [RaciAssignment(engagement=engagement, **c) for c in clean])
    changed = sorted(set(current) ^ set(wanted) | {k for k in current if
                                                   k in wanted and current[k] != wanted[k]})
    audit_record(
        engagement=engagement, actor=actor, verb="raci.saved", obj=engagement,
        before={"/".join(k): current.get(k, "") for k in changed},
        after={"/".join(k): wanted.get(k, "") for k in changed},
    )
    return clean


def raci_seed(*, actor, engagement):
    return raci_save(actor=actor, engagement=engagement, cells=raci_template())
