from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "engagement"

    def ready(self):
        from .extensions import register_tab
        from .outbox import register_outbox_handler
        from .services.notifications import SEND_MAIL, send_mail_now

        register_outbox_handler(SEND_MAIL, send_mail_now)

        from .services import checklists

        checklists.register()

        register_tab("overview", "Overview", "engagement:detail", order=10)
        register_tab("ladder", "Ladder", "engagement:ladder", order=20)
        register_tab("raci", "RACI", "engagement:raci", order=30)
        register_tab("changes", "Changes", "engagement:changes", order=70)
        register_tab("audit", "Audit", "engagement:audit", order=90)

        from . import search
        from .extensions import register_search

        register_search("engagements", "Engagements", search.engagements, order=10)
        register_search("milestones", "Milestones", search.milestones, order=20)
        register_search("criteria", "Acceptance criteria", search.criteria, order=30)
