from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"

    def ready(self):
        from engagement.rules import register_transition_check

        from . import (
            receivers,  # noqa: F401 - connects to the core's domain signals
            services,  # noqa: F401 - registers the payment-release two-key handler
        )
        from .services import fixed_fee_problems

        register_transition_check("active", fixed_fee_problems)
