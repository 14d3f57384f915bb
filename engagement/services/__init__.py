"""Every write in the engagement core. Pages, the API and tasks call these functions."""

from . import checklists  # noqa: F401 - the move checklists (registered in apps.py)
from ._common import lock, require, require_party
from .approvals import (
    approval_cancel,
    approval_decide,
    approval_keys_revalidate,
    approval_request_open,
    approval_reset,
    keys_needed,
    register_approval_handler,
)
from .changes import change_request_open
from .criteria import (
    check_upload,
    criterion_add,
    criterion_record,
    criterion_remove,
    criterion_update,
    criterion_verify,
    deliverable_accept,
    deliverable_add,
    deliverable_remove,
    deliverable_session_log,
    deliverable_update,
    deliverable_waive,
    evidence_add,
    evidence_kind,
    evidence_remove,
    evidence_update,
)
from .engagements import (
    ENGAGEMENT_TRANSITIONS,
    baseline_record,
    engagement_create,
    engagement_transition,
    engagement_transition_problems,
    engagement_transition_warnings,
    engagement_update,
    staffing_assign,
    staffing_remove,
)
from .ladder import (
    MILESTONE_TRANSITIONS,
    accepted_rehearsals,
    ladder_generate,
    ladder_warnings,
    milestone_create,
    milestone_delete,
    milestone_move,
    milestone_transition,
    milestone_update,
    scale_weeks,
    submit_problems,
)
from .raci import raci_problems, raci_save, raci_seed, raci_template, raci_warnings

__all__ = [
    "accepted_rehearsals",
    "approval_cancel", "approval_keys_revalidate", "approval_decide", "approval_request_open",
    "approval_reset", "change_request_open",
    "keys_needed", "register_approval_handler", "criterion_add", "criterion_update",
    "check_upload", "criterion_record", "criterion_verify", "evidence_kind", "deliverable_add",
    "evidence_add", "criterion_remove",
    "deliverable_remove", "evidence_remove", "deliverable_accept",
    "deliverable_waive", "deliverable_session_log", "deliverable_update", "evidence_update",
    "ENGAGEMENT_TRANSITIONS",
    "baseline_record", "engagement_create", "engagement_transition",
    "engagement_transition_problems", "engagement_transition_warnings", "engagement_update",
    "staffing_assign", "staffing_remove",
    "MILESTONE_TRANSITIONS", "ladder_generate", "ladder_warnings", "milestone_create",
    "milestone_delete", "milestone_move", "milestone_transition", "milestone_update",
    "scale_weeks", "submit_problems", "raci_problems", "raci_save", "raci_seed",
    "raci_template", "raci_warnings", "lock", "require", "require_party",
]
