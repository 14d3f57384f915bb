"""Every write to KPIs and measurements (one module per sub-domain), re-exported here."""

from ..models import KPI  # noqa: F401 - views and other apps name KPI.Layer through here
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
from .measurements import (  # noqa: F401
    measurement_delete,
    measurements_record,
    parse_date,
    parse_value,
)
from .sources import import_git_authorship, import_pipeline_runs  # noqa: F401
