"""Every write to KPIs and measurements (one module per sub-domain), re-exported here."""

from ..models import KPI  # noqa: F401 - views and other apps name KPI.Layer through here
from .competency import (  # noqa: F401
    assessment_delete,
    assessment_record,
    assessment_update,
    independence,
    independence_over_time,
    rubric_cell_update,
    rubric_for,
)
from .definitions import (  # noqa: F401
    activation_problems,
    catalogue,
    in_quarter,
    kpi_add_from_catalogue,
    kpi_define,
    kpi_delete,
    kpi_update,
    quarters,
)
from .drills import (  # noqa: F401
    drill_delete,
    drill_outcome,
    drill_plan,
    drill_record,
    drill_review,
    drills_overdue_notify,
    drills_schedule,
    overdue_drills,
)
from .measurements import (  # noqa: F401
    measurement_delete,
    measurements_record,
    parse_date,
    parse_value,
)
from .sources import import_git_authorship, import_pipeline_runs  # noqa: F401
