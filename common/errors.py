"""Domain errors. Each names the rule it enforces so pages and the API can say which one."""


class DomainError(Exception):
    """A request that breaks a business rule. Maps to HTTP 400 (or 409, see subclasses)."""

    status_code = 400

    def __init__(self, message, *, rule="", field=None, fields=None):
        super().__init__(message)
        self.message = message
        self.rule = rule
        self.field = field
        # Messages per field, for forms and API bodies; {} when the error is not about a field.
        self.fields = fields or ({field: [message]} if field else {})

    def as_dict(self):
        data = {"detail": self.message, "rule": self.rule}
        if self.fields:
            data["errors"] = self.fields
        if getattr(self, "row", None) is not None:
            data["row"] = self.row  # which item of a bulk request (0-based)
        return data


class RuleViolation(DomainError):
    """The move is not allowed in the current state (status flow, precondition)."""

    status_code = 409


class ConflictError(DomainError):
    """Somebody else changed the object since the caller read it."""

    status_code = 409

    def __init__(self, message, *, current=None, changed_by="", changed_at=None):
        super().__init__(message, rule="concurrent_edit")
        self.current = current or {}
        self.changed_by = changed_by
        self.changed_at = changed_at

    def as_dict(self):
        data = super().as_dict()
        data["current"] = self.current
        data["changed_by"] = self.changed_by
        data["changed_at"] = self.changed_at.isoformat() if self.changed_at else None
        return data


class PreconditionRequired(DomainError):
    """A change to a versioned resource that does not say which version it read."""

    status_code = 428

    def __init__(self, noun):
        super().__init__(f"Say which version of this {noun} you read: send the ETag you got in "
                         "an If-Match header, or its number as `version`. Without it a "
                         "concurrent change could be overwritten.", rule="if_match_required")


class NotAllowed(DomainError):
    """The actor's role or side may not do this."""

    status_code = 403
