"""Who may define KPIs (see engagement.rules for the predicates)."""

from engagement.models import Role
from engagement.rules import define, has_role, is_client_side, is_superuser

KPI_KEEPERS = has_role(Role.PROGRAM_MANAGER, Role.PROCUREMENT, Role.LEADERSHIP, Role.ADMIN)

define("kpis.define_kpi", is_superuser | (is_client_side & KPI_KEEPERS), action="define KPIs",
       who="client-side program managers, procurement, leadership and admins")

# Values are the client's own evidence of capability (they can release money through a KPI
# gate), so the vendor does not enter them; a pipeline posts with a client-side token.
define("kpis.record_measurement", is_superuser | (is_client_side & KPI_KEEPERS),
       action="record KPI measurements",
       who="client-side program managers, procurement, leadership and admins")
