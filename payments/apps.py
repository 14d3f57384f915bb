from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"

    def ready(self):
        from engagement.extensions import register_tab
        from engagement.outbox import register_outbox_handler
        from engagement.rules import register_transition_check

        # Importing registers: signal receivers, permissions, the release two-key handler.
        from . import receivers, rules, services  # noqa: F401

        register_transition_check("active", services.fixed_fee_problems,
                                  fix=("Go to payments", "payments:schedule"))
        register_transition_check("closed", services.settlement_problems,
                                  fix=("Go to payments", "payments:schedule"))
        register_tab("payments", "Payments", "payments:schedule", order=50)
        from engagement.extensions import register_list_column

        from .selectors import released_column

        register_list_column("released", "Money released", released_column, order=10)
        register_outbox_handler(services.EVALUATE_GATES, services.evaluate_from_outbox)
