"""Stale-version checks and the conditional update every status move is built on."""

from django.core.exceptions import ValidationError
from django.db.models import F

from .errors import ConflictError, DomainError


def check_version(locked, expected_version, fields, *, noun):
    """A stale `expected_version` is a conflict that carries the current values."""
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            f"This {noun} was changed by someone else after you opened it.",
            current={f: str(getattr(locked, f)) for f in sorted(fields)},
            changed_by=str(locked.updated_by or "someone"),
            changed_at=locked.updated_at,
        )


def versioned_update(queryset, *, field="status", old, new, bump_version=True, **extra):
    """Claim rows by a conditional UPDATE: only rows still in `old` move to `new`.

    Returns how many rows moved; a caller moving one row checks it got exactly one (a
    concurrent writer got there first otherwise). `version` is bumped with the move so an
    ETag read before it is stale after it.
    """
    olds = list(old) if isinstance(old, list | tuple | set | frozenset) else [old]
    values = {field: new, **extra}
    if bump_version:
        values["version"] = F("version") + 1
    return queryset.filter(**{f"{field}__in": olds}).update(**values)


def validation_to_domain(exc):
    if hasattr(exc, "error_dict"):
        field, messages = next(iter(exc.message_dict.items()))
        return DomainError(" ".join(messages), rule="invalid_field", field=field,
                           fields=exc.message_dict)
    return DomainError(" ".join(exc.messages), rule="invalid")


def full_clean(instance):
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise validation_to_domain(exc) from exc


def create_clean(model, **fields):
    """Create a row only after its own validation (field rules, text hygiene) passed."""
    instance = model(**fields)
    full_clean(instance)
    instance.save(force_insert=True)
    return instance
