"""Small domain signals the core sends so other apps can react. They carry IDs and decide
nothing: the listener's own service holds the rule."""

from django.dispatch import Signal

# Sent when something a payment gate can depend on changed (a criterion verified, a
# milestone accepted). Argument: engagement_id.
gate_inputs_changed = Signal()
