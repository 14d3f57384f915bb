from . import approvals, ladder, raci
from .engagements import (
    apply_domain_error,
    baseline_record,
    engagement_audit,
    engagement_create,
    engagement_detail,
    engagement_edit,
    engagement_list,
    engagement_move,
    engagement_transition,
    search,
    staffing_add,
    staffing_remove,
)

__all__ = [
    "approvals", "ladder", "raci", "apply_domain_error", "baseline_record", "engagement_audit",
    "engagement_create", "engagement_detail", "engagement_edit", "engagement_list",
    "engagement_move", "engagement_transition", "search", "staffing_add", "staffing_remove",
]
