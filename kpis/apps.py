from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "kpis"
    verbose_name = "KPIs"

    def ready(self):
        from engagement.rules import register_transition_check

        from . import rules  # noqa: F401 - registers the app's permissions
        from .services import activation_problems

        register_transition_check("active", activation_problems)
