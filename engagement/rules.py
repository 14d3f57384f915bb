"""The one permission source, with django-rules.

Predicates say who someone is in relation to an object (a party, on the client side, in a
role); each app's `rules.py` combines them into named permissions with `define()`. Services
call `require(actor, "payments.request_release", payment)`, templates ask the same names with
`{% has_perm %}`, and the API's permission class asks them too, so a page shows a control
exactly when the service would take the action.

This module also holds the preconditions other apps contribute to engagement transitions
(`register_transition_check`): the core knows the flow, the owning app keeps its rule.
"""

from collections import defaultdict
from dataclasses import dataclass, field

import rules

from common.errors import NotAllowed, RuleViolation

from .models import Engagement, Role, Side

# --- Who someone is, for the engagement an object belongs to ---------------------------------

_ENGAGEMENT_PATHS = ("engagement", "milestone", "criterion", "sow", "sow_version", "payment")


def engagement_of(obj):
    """The engagement an object belongs to (itself, or through its parent), or None."""
    for _ in range(4):
        if obj is None or isinstance(obj, Engagement):
            return obj
        # The first relation that is set (a gate condition has an empty `milestone`).
        obj = next((v for v in (getattr(obj, p, None) for p in _ENGAGEMENT_PATHS)
                    if v is not None), None)
    return None


def side_of(user, obj):
    engagement = engagement_of(obj)
    if engagement is None or not user.is_authenticated:
        return None
    return user.side_in(engagement)


@rules.predicate
def is_superuser(user):
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


@rules.predicate
def is_party(user, obj):
    return side_of(user, obj) is not None


@rules.predicate
def is_client_side(user, obj):
    return side_of(user, obj) == Side.INTERNAL


@rules.predicate
def is_vendor_side(user, obj):
    return side_of(user, obj) == Side.VENDOR


@rules.predicate
def in_client_organisation(user):
    org = getattr(user, "organisation", None) if user.is_authenticated else None
    return org is not None and org.kind == "client"


def has_role(*roles):
    """True when the user holds one of `roles` (the Role values)."""
    names = "_or_".join(sorted(str(r) for r in roles))

    @rules.predicate(name=f"has_role_{names}")
    def predicate(user):
        return user.is_authenticated and user.role in roles

    return predicate


@rules.predicate
def engagement_is_under_way(user, obj):
    engagement = engagement_of(obj)
    return engagement is None or engagement.status != Engagement.Status.DRAFT


@rules.predicate
def engagement_is_open(user, obj):
    engagement = engagement_of(obj)
    return engagement is None or engagement.status != Engagement.Status.CLOSED


# --- Named permissions ------------------------------------------------------------------

@dataclass
class Permission:
    name: str
    predicate: object
    action: str  # "edit engagements": completes "Only … may <action>."
    who: str  # "client-side procurement, program managers and admins"
    open_only: bool = True  # refused (409 "closed") once the engagement is closed
    party_only: bool = True  # a non-party is refused as "tenancy"
    # Proving work (verifying, submitting, accepting): refused (409) while still a draft.
    under_way_only: bool = False
    # (predicate, rule, message): the first that holds explains a refusal better than "role".
    reasons: list = field(default_factory=list)


_permissions = {}


def define(name, predicate, *, action, who, open_only=True, party_only=True, reasons=(),
           under_way_only=False):
    """Register a permission. `predicate` is who may; the engagement being open (and, for
    proving work, under way) is added here."""
    full = (engagement_is_open & predicate) if open_only else predicate
    if under_way_only:
        full = engagement_is_under_way & full
    rules.set_perm(name, full)
    _permissions[name] = Permission(name, full, action, who, open_only=open_only,
                                    party_only=party_only, reasons=list(reasons),
                                    under_way_only=under_way_only)


def describe_permission(name):
    """"Only … may …." for a permission, as a refusal says it."""
    permission = _permissions[name]
    return f"Only {permission.who} may {permission.action}."


def can(user, name, obj=None):
    """Whether `user` may do `name` to `obj` (what templates and the API ask)."""
    return rules.has_perm(name, user, obj)


def require(actor, name, obj=None):
    """Refuse with a domain error naming the rule unless `actor` may do `name` to `obj`.

    Every write goes through here, so it is also where a closed engagement stops changing.
    """
    permission = _permissions[name]
    engagement = engagement_of(obj)
    if permission.open_only and engagement is not None and (
            engagement.status == Engagement.Status.CLOSED):
        raise RuleViolation(f"The engagement is closed, so you can no longer {permission.action}.",
                            rule="closed")
    if permission.under_way_only and engagement is not None and (
            engagement.status == Engagement.Status.DRAFT):
        raise RuleViolation(f"The engagement is a draft: activate it before you "
                            f"{permission.action} (a draft is for planning; work is proven "
                            "once the contract is in force).", rule="engagement_not_active")
    if rules.has_perm(name, actor, obj):
        return
    if (permission.party_only and engagement is not None and not is_superuser(actor)
            and side_of(actor, engagement) is None):
        raise NotAllowed(f"You are not a party to this engagement, so you cannot "
                         f"{permission.action}.", rule="tenancy")
    for predicate, rule, message in permission.reasons:
        if predicate.test(actor, obj):
            raise NotAllowed(message, rule=rule)
    raise NotAllowed(f"Only {permission.who} may {permission.action}.", rule="role")


class RulesPermission:
    """DRF's check of the same permissions: a viewset names them per action in
    `action_permissions` ({"create": "engagement.add_engagement", "transition": ...}).
    Object actions are asked about the object, `create` about nothing; a refusal is the same
    domain error (and JSON body with its rule) the service would raise. Safe methods pass."""

    SAFE = ("GET", "HEAD", "OPTIONS")

    def _name(self, request, view):
        if request.method in self.SAFE:
            return None
        return getattr(view, "action_permissions", {}).get(getattr(view, "action", None))

    def has_permission(self, request, view):
        name = self._name(request, view)
        if name and view.action == "create":
            require(request.user, name)
        return True

    def has_object_permission(self, request, view, obj):
        name = self._name(request, view)
        if name:
            require(request.user, name, obj)
        return True


# --- Who may do what in the core ---------------------------------------------------------

EDITORS = has_role(Role.PROCUREMENT, Role.PROGRAM_MANAGER, Role.ADMIN)
STAFFERS = has_role(Role.PROCUREMENT, Role.PROGRAM_MANAGER, Role.ADMIN, Role.LEADERSHIP)
STEWARDS = has_role(Role.PROGRAM_MANAGER, Role.LEADERSHIP, Role.ADMIN)
LADDER_KEEPERS = has_role(Role.PROGRAM_MANAGER, Role.ADMIN)
INTERNAL_APPROVERS = has_role(Role.LEADERSHIP, Role.PROCUREMENT, Role.PROGRAM_MANAGER,
                              Role.ADMIN)
VENDOR_APPROVERS = has_role(Role.VENDOR, Role.ADMIN, Role.LEADERSHIP, Role.PROGRAM_MANAGER,
                            Role.PROCUREMENT)


@rules.predicate
def performed_by_vendor(user, criterion):
    return getattr(criterion, "performer", None) == Side.VENDOR


@rules.predicate
def is_requester(user, request):
    return request is not None and user.pk == request.requested_by_id


@rules.predicate
def keys_are_client_only(user, request):
    from .services.approvals import handler_for

    handler = handler_for(request.kind) if request is not None else None
    return bool(handler and handler.internal_only)


define("engagement.add_engagement", is_superuser | EDITORS, action="create engagements",
       who="procurement, program managers and admins", open_only=False, party_only=False)
define("engagement.change_engagement", is_superuser | (is_client_side & EDITORS),
       action="edit engagements", who="client-side procurement, program managers and admins")
define("engagement.transition_engagement", is_superuser | (is_client_side & STEWARDS),
       action="change an engagement's status",
       who="client-side program managers, leadership and admins")
define("engagement.change_staffing", is_superuser | (is_party & STAFFERS),
       action="change staffing", who="procurement, program managers, leadership and admins")
# The closing baseline may well be recorded after the engagement closed.
define("engagement.record_baseline", is_superuser | (is_client_side & STAFFERS),
       action="record the readiness baseline", open_only=False,
       who="client-side procurement, program managers, leadership and admins")
define("engagement.manage_ladder", is_superuser | (is_client_side & LADDER_KEEPERS),
       action="change the ladder", who="client-side program managers and admins")
define("engagement.review_milestone", is_superuser | (is_client_side & STEWARDS),
       action="request changes", who="client-side program managers, leadership and admins")
define("engagement.submit_milestone", is_superuser | (is_client_side & LADDER_KEEPERS),
       action="submit milestones for acceptance", under_way_only=True,
       who="client-side program managers and admins")
define("engagement.change_raci", is_superuser | (is_client_side & STEWARDS),
       action="edit the RACI", who="client-side program managers, leadership and admins")
# Client-side verifiers always; vendor users only for work the vendor performs.
define("engagement.verify_criterion",
       is_superuser | (is_client_side & STEWARDS) | (is_vendor_side & performed_by_vendor),
       action="verify criteria", who="program managers, leadership and admins",
       under_way_only=True,
       reasons=[(is_vendor_side & ~performed_by_vendor,
                 "internal_verification",
                 "Work the internal team performs is verified by a client-side user, never by "
                 "the vendor.")])
# Either side asks for a production change (the vendor ships releases); two keys decide.
define("engagement.request_change", is_superuser | (is_party & STAFFERS) | (
    is_vendor_side & has_role(Role.VENDOR)),
       action="request production changes",
       who="parties to the engagement (procurement, program managers, leadership, admins and "
           "vendor staff)")
define("engagement.accept_deliverable", is_superuser | (is_client_side & STEWARDS),
       action="accept or waive knowledge transfer",
       who="client-side program managers, leadership and admins")
define("engagement.add_evidence", is_superuser | is_party, action="attach evidence",
       who="parties to the engagement")
# A key: never the requester; client-only kinds (money leaving the client) never a vendor.
define("engagement.decide_approval",
       ~is_requester & ~(is_vendor_side & keys_are_client_only) & (
           is_superuser | (is_client_side & INTERNAL_APPROVERS)
           | (is_vendor_side & VENDOR_APPROVERS)),
       action="decide on approvals", who="approvers", open_only=False,
       reasons=[(is_requester, "two_key_requester",
                 "You requested this decision, so you cannot hold one of its keys."),
                (is_vendor_side & keys_are_client_only, "two_key_internal_only",
                 "Only client-side users hold the keys for this decision.")])


# --- Preconditions other apps contribute to engagement transitions ----------------------------

_checks = defaultdict(list)
_fixes = defaultdict(list)


def register_transition_check(to_status, check, *, fix=None):
    """`check(engagement)` returns problems in plain words; `fix` is (label, url name) of the
    page where they are fixed, shown beside them."""
    if check not in _checks[to_status]:
        _checks[to_status].append(check)
        if fix:
            _fixes[to_status].append({"label": fix[0], "url_name": fix[1]})


def transition_fixes(to_status):
    return list(_fixes[to_status])


def transition_problems(engagement, to_status):
    problems = []
    for check in _checks[to_status]:
        problems.extend(check(engagement))
    return problems
