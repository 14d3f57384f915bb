"""Every write in the SOW app, by sub-domain: the clause library, drafting, evaluation (render
and check), composition of the frozen document, freezing, version status and contract PDFs
(`sow.services.pdf`). Pages, the API and tasks call these names."""

from .composition import document_html, engagement_facts
from .drafting import (
    MAX_SECTIONS,
    sow_create,
    sow_preview,
    sow_reorder,
    sow_section_add,
    sow_section_edit,
    sow_section_move,
    sow_section_remove,
    sow_section_replace,
)
from .evaluation import RenderedSection, render_sections, sow_evaluate, sow_facts
from .freezing import sow_freeze
from .importing import sow_import, sow_import_submitted
from .library import (
    CLAUSE_VERSION_TRANSITIONS,
    LIBRARY_FILE,
    LoadReport,
    TemplateInvalid,
    check_template,
    clause_create,
    clause_version_create,
    clause_version_set_status,
    library_load,
)
from .versions import SOW_VERSION_TRANSITIONS, sow_version_sign, sow_version_submit

__all__ = [
    "document_html", "engagement_facts", "MAX_SECTIONS", "sow_create", "sow_preview",
    "sow_reorder", "sow_section_add", "sow_section_edit", "sow_section_move",
    "sow_section_remove", "sow_section_replace", "sow_import", "sow_import_submitted",
    "RenderedSection",
    "render_sections", "sow_evaluate", "sow_facts",
    "sow_freeze", "CLAUSE_VERSION_TRANSITIONS", "LIBRARY_FILE", "LoadReport", "TemplateInvalid",
    "check_template", "clause_create", "clause_version_create", "clause_version_set_status",
    "library_load", "SOW_VERSION_TRANSITIONS", "sow_version_sign", "sow_version_submit",
]
