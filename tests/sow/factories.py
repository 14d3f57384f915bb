from sow import services
from sow.selectors import fix_clauses

FULL = [
    "deliverables-by-milestone", "evaluation-harness", "data-contracts", "model-registry",
    "model-card", "monitoring-runbooks", "acceptance-rehearsal-retrain",
    "acceptance-incident-drill", "client-ownership", "export-path", "knowledge-transfer-plan",
    "fixed-fee-with-gates", "transition-plan", "off-ramp", "two-key-rule",
]


def build_sow(engagement, actor, keys=FULL, schedules=()):
    services.library_load()
    sow = services.sow_create(actor=actor, engagement=engagement, title="SOW")
    versions = fix_clauses(keys)
    for key in keys:
        services.sow_section_add(actor=actor, sow=sow, clause_version=versions[key])
    for schedule in schedules:
        services.sow_section_add(actor=actor, sow=sow, schedule=schedule)
    sow.refresh_from_db()
    return sow
