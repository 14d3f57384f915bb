"""Listeners for the core's domain signals. Module-level functions: a signal holds its
receivers weakly, and a function defined inside `ready()` would be garbage-collected."""

from django.dispatch import receiver

from engagement.signals import gate_inputs_changed


@receiver(gate_inputs_changed, dispatch_uid="payments.reevaluate", weak=False)
def reevaluate_gates(sender, engagement_id, **kwargs):
    """Runs inside the change's transaction: the evaluation is an outbox row of that same
    transaction, published on commit."""
    from .services import enqueue_evaluation

    enqueue_evaluation(engagement_id)
