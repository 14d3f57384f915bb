"""The portfolio dashboard, its exports and the summary PDFs. Thin: read the selectors."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from common.exports import xlsx_response
from engagement.models import Role

from . import selectors, services
from .forms import DashboardFilter
from .models import SummaryJob

PAGE_SIZE = 25


def landing(request):
    """Where "/" and a login land: leadership on the portfolio, everyone else on their
    engagements."""
    if request.user.is_authenticated and request.user.role == Role.LEADERSHIP:
        return redirect("portfolio:dashboard")
    return redirect("engagement:list")


def _selection(request):
    form = DashboardFilter(request.GET or None,
                           vendors=selectors.vendor_choices(user=request.user))
    filters, sort, descending = form.selection()
    rows = selectors.dashboard_rows(user=request.user, filters=filters, sort=sort,
                                    descending=descending)
    return form, rows


@login_required
def dashboard(request):
    form, rows = _selection(request)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "portfolio/dashboard.html", {
        "form": form, "page": page, "rows": page.object_list,
        "totals": selectors.totals(rows), "query": query.urlencode(), "nav": "portfolio",
    })


@login_required
def export_xlsx(request):
    _, rows = _selection(request)
    header = ["Engagement", "Client", "Vendor", "Format", "Status", "Current milestone",
              "Ownership", "Milestones accepted", "Milestones", "Currency", "Contract value",
              "Released", "Eligible", "Held", "Criteria met", "Criteria",
              *[f"{layer.capitalize()} KPIs {status.replace('_', ' ')}"
                for layer in selectors.LAYERS for status in ("on_track", "at_risk",
                                                             "off_track", "stale")],
              "SOW check score", "Independence index", "Bus factor", "Open approvals",
              "Overdue items", "At risk because"]
    data = [[r.title, r.client, r.vendor, r.format_label, r.status_label,
             r.current_milestone or "", r.ownership_mode or "", r.milestones_accepted,
             r.milestones, r.currency, r.contract_value, r.released, r.eligible, r.held,
             r.criteria_met, r.criteria_total,
             *[r.kpi_status[layer][status] for layer in selectors.LAYERS
               for status in ("on_track", "at_risk", "off_track", "stale")],
             "" if r.score is None else r.score,
             "" if r.independence is None else round(r.independence, 2),
             "" if r.bus_factor is None else round(r.bus_factor, 2), r.open_approvals, r.overdue,
             "; ".join(r.reasons)] for r in rows]
    return xlsx_response("portfolio", "Portfolio", header, data,
                         money_columns=(10, 11, 12, 13))


@login_required
@require_POST
def summary_request(request):
    """A one-page PDF of one engagement (?engagement=ID) or of the dashboard as filtered."""
    from common.inputs import parse_id
    from engagement import selectors as engagement_selectors

    engagement_id = parse_id(request.GET.get("engagement", ""))
    if engagement_id is not None:
        engagement = engagement_selectors.engagement_get(user=request.user, pk=engagement_id)
        job = services.summary_request(actor=request.user, engagement=engagement)
    else:
        form = DashboardFilter(request.GET or None,
                               vendors=selectors.vendor_choices(user=request.user))
        filters, sort, _ = form.selection()
        job = services.summary_request(actor=request.user, filters={**filters, "sort": sort})
    return redirect("portfolio:summary", job_pk=job.pk)


def _job(request, job_pk):
    # A summary is its requester's: it shows what they could see when they asked.
    return get_object_or_404(SummaryJob.objects.select_related("engagement"), pk=job_pk,
                             requested_by=request.user)


@login_required
def summary(request, job_pk):
    job = _job(request, job_pk)
    return render(request, "portfolio/summary.html", {"job": job, "nav": "portfolio"})


@login_required
def summary_download(request, job_pk):
    job = _job(request, job_pk)
    if job.status != SummaryJob.Status.SUCCEEDED or not job.pdf:
        raise Http404("The summary is not ready.")
    name = (f"summary-engagement-{job.engagement_id}.pdf" if job.engagement_id
            else "portfolio-summary.pdf")
    response = FileResponse(job.pdf.open("rb"), as_attachment=True, filename=name,
                            content_type="application/pdf")
    response["Cache-Control"] = "private, no-store"
    return response
