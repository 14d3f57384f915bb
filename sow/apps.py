from django.apps import AppConfig


class SowConfig(AppConfig):
    name = "sow"
    verbose_name = "SOW"

    def ready(self):
        from engagement.audit import register_integrity_check
        from engagement.extensions import register_panel, register_tab
        from engagement.outbox import register_sweep_hook

        # Importing registers: permissions, the SOW-version two-key handler.
        from . import rules, services  # noqa: F401
        from .panels import sow_panel_context
        from .services import pdf

        register_tab("sow", "SOW", "sow:list", order=40)
        register_sweep_hook(pdf.render_sweep)
        register_sweep_hook(pdf.downloads_fold)
        register_integrity_check(pdf.integrity_problems)
        register_panel("sow", "Statement of work", "sow/_engagement_sow_summary.html",
                       sow_panel_context, order=10)
        from engagement.extensions import register_search

        from . import search

        register_search("clauses", "Clauses", search.clauses, order=40)
        register_search("sections", "SOW sections", search.sections, order=50)
