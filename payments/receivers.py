"""Listeners for the core's domain signals. Module-level functions: a signal holds its
receivers weakly, and a function defined inside `ready()` would be garbage-collected."""

from django.db import transaction
from django.dispatch import receiver

from engagement.signals import gate_inputs_changed


@receiver(gate_inputs_changed, dispatch_uid="payments.reevaluate")
def reevaluate_gates(sender, engagement_id, **kwargs):
    from .services import enqueue_evaluation

    transaction.on_commit(lambda: enqueue_evaluation(engagement_id))
