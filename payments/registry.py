"""The door other apps use to plug a gate condition kind into payments (from their own
`AppConfig.ready()`): a KPI threshold, a drill passed. Payments imports none of them."""

from .gates import PluggedKind, register_condition_kind  # noqa: F401
