from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "engagement"

    def ready(self):
        from .extensions import register_tab

        register_tab("overview", "Overview", "engagement:detail", order=10)
        register_tab("ladder", "Ladder", "engagement:ladder", order=20)
        register_tab("raci", "RACI", "engagement:raci", order=30)
        register_tab("audit", "Audit", "engagement:audit", order=90)
