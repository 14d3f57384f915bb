from .approvals import Approval, ApprovalRequest
from .changes import ChangeRequest
from .core import (
    VENDOR_STAFFING_ROLES,
    AuditEvent,
    ChainCheckpoint,
    Engagement,
    Organisation,
    OrganisationAuditEvent,
    ReadinessBaseline,
    Role,
    Side,
    StaffingAssignment,
    StaffingRole,
    User,
    side_of_staffing_role,
)
from .ladder import (
    INTERNALLY_RUN,
    OWNERSHIP_ORDER,
    AcceptanceCriterion,
    Evidence,
    KnowledgeTransferDeliverable,
    KnowledgeTransferSession,
    Milestone,
    OwnershipMode,
)
from .notifications import Notification
from .outbox import Heartbeat, OutboxTask
from .raci import Phase, RaciAssignment, Workstream

__all__ = [
    "Approval", "ApprovalRequest", "ChangeRequest", "VENDOR_STAFFING_ROLES", "AuditEvent",
    "ChainCheckpoint", "Engagement",
    "Organisation", "OrganisationAuditEvent",
    "ReadinessBaseline", "Role", "Side", "StaffingAssignment", "StaffingRole",
    "User", "side_of_staffing_role", "INTERNALLY_RUN", "OWNERSHIP_ORDER", "AcceptanceCriterion",
    "Evidence", "KnowledgeTransferDeliverable", "KnowledgeTransferSession", "Milestone",
    "OwnershipMode", "Phase",
    "RaciAssignment", "Workstream", "Notification", "Heartbeat", "OutboxTask",
]
