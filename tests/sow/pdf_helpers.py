import io

from pypdf import PdfReader

from engagement import services as engagement_services
from sow import services
from tests.sow.factories import build_sow


def frozen_version(engagement, people, schedules=("ladder", "raci", "kpis", "staffing",
                                                  "enablement", "payments")):
    engagement_services.ladder_generate(actor=people["pm"], engagement=engagement)
    engagement_services.raci_seed(actor=people["pm"], engagement=engagement)
    sow = build_sow(engagement, people["procurement"], schedules=schedules)
    return services.sow_freeze(actor=people["procurement"], sow=sow, justification="Frozen for the test.",
                               acknowledge_warnings=True)


def pdf_text(data):
    reader = PdfReader(io.BytesIO(data))
    return [page.extract_text() for page in reader.pages]
