from django.apps import AppConfig


class SowConfig(AppConfig):
    name = "sow"
    verbose_name = "SOW"

    def ready(self):
        from . import (
            rules,  # noqa: F401 - registers the app's permissions
            services,  # noqa: F401 - registers the SOW-version two-key handler
        )
