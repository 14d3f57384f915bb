"""Every write in the engagement core. Pages, the API and tasks call these functions."""

from .engagements import (
    ENGAGEMENT_TRANSITIONS,
    baseline_record,
    engagement_create,
    engagement_transition,
    engagement_transition_problems,
    engagement_update,
    staffing_assign,
    staffing_remove,
)

__all__ = [
    "ENGAGEMENT_TRANSITIONS", "baseline_record", "engagement_create", "engagement_transition",
    "engagement_transition_problems", "engagement_update", "staffing_assign", "staffing_remove",
]
