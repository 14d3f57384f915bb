from django.apps import AppConfig


class SowConfig(AppConfig):
    name = "sow"
    verbose_name = "SOW"

    def ready(self):
        from django.db import transaction

        from engagement.rules import register_transition_check
        from engagement.signals import gate_inputs_changed

        from . import services  # noqa: F401 - registers the SOW-version two-key handler
        from .services import payments

        register_transition_check("active", payments.fixed_fee_problems)

        def reevaluate(sender, engagement_id, **kwargs):
            transaction.on_commit(lambda: payments.enqueue_evaluation(engagement_id))

        gate_inputs_changed.connect(reevaluate, dispatch_uid="sow.payments.reevaluate")
