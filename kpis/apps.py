from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "kpis"
    verbose_name = "KPIs"

    def ready(self):
        from engagement.extensions import register_panel, register_tab
        from engagement.rules import register_transition_check

        from . import gates, rules  # noqa: F401 - rules registers the app's permissions
        from .services import activation_problems

        gates.register()
        register_transition_check("active", activation_problems, fix=("Go to KPIs", "kpis:list"))
        register_tab("kpis", "KPIs", "kpis:list", order=60)
        register_tab("competency", "Competency", "kpis:competency", order=62)
        register_tab("drills", "Drills", "kpis:drills", order=64)
        from .selectors import people_panel

        register_panel("people", "Can the team run it?", "kpis/_people_panel.html",
                       people_panel, order=20)
