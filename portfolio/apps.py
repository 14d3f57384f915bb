from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    """Leadership's view across engagements. It reads every app through its selectors and
    no app imports it, so no circle forms."""

    name = "portfolio"
    verbose_name = "Portfolio"
