from django.apps import AppConfig


class SowConfig(AppConfig):
    name = "sow"
    verbose_name = "SOW"

    def ready(self):
        from engagement.extensions import register_panel, register_tab

        # Importing registers: permissions, the SOW-version two-key handler.
        from . import rules, services  # noqa: F401
        from .panels import sow_panel_context

        register_tab("sow", "SOW", "sow:list", order=40)
        register_panel("sow", "Statement of work", "sow/_engagement_sow_summary.html",
                       sow_panel_context, order=10)
