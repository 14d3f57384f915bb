from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone

from common.errors import DomainError

from .. import selectors, services
from ..models import VENDOR_STAFFING_ROLES, Phase, StaffingRole, Workstream

LETTERS = ["", "R", "A", "C", "I"]


def _grid(cells):
    """Rows are staffing roles; for each workstream the early, mid and late cells sit side by
    side, so the move of A and R from vendor to client reads left to right."""
    lookup = {(c["workstream"], c["phase"], c["staffing_role"]): c["letter"] for c in cells}
    return [
        {"role": role, "vendor": role in VENDOR_STAFFING_ROLES,
         "cells": [{"ws": ws, "phase": phase,
                    "letter": lookup.get((ws.value, phase.value, role.value), ""),
                    "name": f"{ws.value}.{phase.value}.{role.value}"}
                   for ws in Workstream for phase in Phase]}
        for role in StaffingRole
    ]


@login_required
def raci(request, pk):
    engagement = selectors.engagement_get(user=request.user, pk=pk)
    cells = selectors.raci_for_page(engagement=engagement)
    errors = None
    if request.method == "POST":
        if "seed" in request.POST:
            posted = services.raci_template()
        else:
            posted = [{"workstream": ws, "phase": ph, "staffing_role": role,
                       "letter": request.POST.get(f"{ws}.{ph}.{role}", "")}
                      for ws in Workstream.values for ph in Phase.values
                      for role in StaffingRole.values]
        try:
            services.raci_save(actor=request.user, engagement=engagement, cells=posted)
        except DomainError as exc:
            errors = exc.fields
            cells = [c for c in posted if c["letter"]]
            messages.error(request, "The RACI was not saved: " + exc.message)
        else:
            messages.success(request, "RACI saved.")
            return redirect("engagement:raci", pk=pk)
    return render(request, "engagement/raci.html", {
        "engagement": engagement, "tab": "raci", "rows": _grid(cells),
        "errors": [m for msgs in (errors or {}).values() for m in msgs],
        "workstreams": Workstream, "phases": Phase, "letters": LETTERS, "empty": not cells,
        "warnings": services.raci_warnings(cells),
        "week": engagement.week_of(timezone.localdate()),
    })
