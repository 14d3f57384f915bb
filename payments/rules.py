"""Who may schedule, release and settle payments (see engagement.rules for the predicates)."""

from engagement.models import Role
from engagement.rules import define, has_role, is_client_side, is_party, is_superuser, is_vendor_side

SCHEDULERS = has_role(Role.PROCUREMENT, Role.PROGRAM_MANAGER, Role.ADMIN)
SETTLERS = has_role(Role.PROCUREMENT, Role.LEADERSHIP, Role.ADMIN)

define("payments.schedule_payment", is_superuser | (is_client_side & SCHEDULERS),
       action="schedule payments", who="client-side procurement, program managers and admins")
define("payments.request_release", is_superuser | (is_client_side & (SCHEDULERS | SETTLERS)),
       action="request a release",
       who="client-side procurement, program managers, leadership and admins")
# Money already approved is still invoiced and paid after the engagement closes.
define("payments.mark_invoiced", is_superuser | is_vendor_side | (is_client_side & SETTLERS),
       action="record invoices", open_only=False,
       who="vendor users or client-side procurement, leadership and admins")
define("payments.mark_paid", is_superuser | (is_client_side & SETTLERS),
       action="record payments", open_only=False,
       who="client-side procurement, leadership and admins")
define("payments.write_off", is_superuser | (is_client_side & SETTLERS),
       action="write off payments", who="client-side procurement, leadership and admins")
define("payments.check_gates", is_superuser | is_party, action="check payment gates",
       who="parties to the engagement", open_only=False)
define("payments.request_waiver", is_superuser | (is_client_side & (SCHEDULERS | SETTLERS)),
       action="ask to waive a month's OKRs",
       who="client-side procurement, program managers, leadership and admins")
