"""The SOW's summary panel on the engagement overview (registered in SowConfig.ready)."""

from .selectors import latest_frozen_versions


def sow_panel_context(engagement, user):
    return {"versions": latest_frozen_versions(engagement=engagement)}
