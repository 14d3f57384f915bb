"""Generated schedules: tables built from the engagement's data, never hand-typed."""

from django.template.loader import render_to_string


def _raci_rows(raci):
    rows = {}
    for cell in raci:
        key = (cell["workstream"], cell["phase"])
        row = rows.setdefault(key, {"workstream": cell["workstream"], "phase": cell["phase"],
                                    "A": [], "R": [], "C": [], "I": []})
        row[cell["letter"]].append(cell["role"])
    order = {"Early": 0, "Mid": 1, "Late": 2}
    return sorted(rows.values(), key=lambda r: (r["workstream"], order.get(r["phase"], 9)))


def render_schedule(kind, context):
    return render_to_string("sow/_schedule.html", {
        "kind": kind, "ctx": context,
        "raci_rows": _raci_rows(context["raci"]) if kind == "raci" else [],
    }).strip()
