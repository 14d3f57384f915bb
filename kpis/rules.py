"""Who may define KPIs (see engagement.rules for the predicates)."""

import rules

from engagement.models import Role
from engagement.rules import STEWARDS, define, has_role, is_client_side, is_superuser

KPI_KEEPERS = has_role(Role.PROGRAM_MANAGER, Role.PROCUREMENT, Role.LEADERSHIP, Role.ADMIN)

define("kpis.define_kpi", is_superuser | (is_client_side & KPI_KEEPERS), action="define KPIs",
       who="client-side program managers, procurement, leadership and admins")

# Values are the client's own evidence of capability (they can release money through a KPI
# gate), so the vendor does not enter them; a pipeline posts with a client-side token.
define("kpis.record_measurement", is_superuser | (is_client_side & KPI_KEEPERS),
       action="record KPI measurements",
       who="client-side program managers, procurement, leadership and admins")

# People: competency assessments and incident drills are the client's evidence of its own
# team's capability. The vendor sees them (it shadows drills) but writes none of them.
define("kpis.assess_competency", is_superuser | (is_client_side & KPI_KEEPERS),
       action="record competency assessments",
       who="client-side program managers, procurement, leadership and admins")
define("kpis.run_drill", is_superuser | (is_client_side & KPI_KEEPERS),
       action="plan and record incident drills",
       who="client-side program managers, procurement, leadership and admins")
define("kpis.review_drill", is_superuser | (is_client_side & STEWARDS),
       action="review drill postmortems",
       who="client-side program managers, leadership and admins")


@rules.predicate
def rubric_keeper(user, organisation):
    return (organisation is not None and user.is_authenticated
            and user.organisation_id == getattr(organisation, "pk", None)
            and user.role in (Role.ADMIN, Role.LEADERSHIP, Role.PROGRAM_MANAGER))


define("kpis.edit_rubric", is_superuser | rubric_keeper, action="edit the competency rubric",
       who="your organisation's admins, leadership and program managers", open_only=False,
       party_only=False)
