"""Who may draft, sign, render and curate (see engagement.rules for the predicates)."""

import rules

from engagement.models import Role
from engagement.rules import (
    define,
    has_role,
    in_client_organisation,
    is_client_side,
    is_party,
    is_superuser,
)

DRAFTERS = has_role(Role.PROCUREMENT, Role.PROGRAM_MANAGER, Role.ADMIN)
SIGNERS = has_role(Role.LEADERSHIP, Role.PROCUREMENT, Role.ADMIN)
LIBRARIANS = has_role(Role.PROCUREMENT, Role.ADMIN)


@rules.predicate
def owns_clause(user, clause):
    """A clause of the user's own organisation or of the shared starter library (or none given:
    creating one). Another organisation's clause is never the user's to change."""
    if clause is None:
        return True
    clause = getattr(clause, "clause", clause)  # a clause version answers for its clause
    return clause.organisation_id in (None, user.organisation_id)


define("sow.draft_sow", is_superuser | (is_client_side & DRAFTERS), action="draft SOWs",
       who="client-side procurement, program managers and admins")
define("sow.sign_version", is_superuser | (is_client_side & SIGNERS),
       action="record signatures", who="client-side leadership, procurement and admins")
define("sow.render_contract", is_superuser | is_party, action="render contracts",
       who="parties to the engagement", open_only=False)
# Client-side librarians curate the shared starter library (local edits are kept when the
# library file is loaded again) and their own organisation's clauses.
define("sow.curate_library",
       is_superuser | (in_client_organisation & LIBRARIANS & owns_clause),
       action="curate the clause library", who="client-side procurement and admins",
       open_only=False, party_only=False)
