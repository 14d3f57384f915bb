"""Contract PDF pages: generate, live status, download, thumbnail, and the Contracts list."""


from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from common.errors import DomainError

from . import downloads, selectors
from .filtersets import ContractFilter
from .models import SowVersion
from .services import pdf as pdf_services


def _version(request, pk, sow_pk, number):
    sow = selectors.sow_get(user=request.user, engagement_pk=pk, pk=sow_pk)
    return get_object_or_404(SowVersion.objects.select_related("sow__engagement"), sow=sow,
                             number=number)


@login_required
@require_POST
def pdf_generate(request, pk, sow_pk, number):
    version = _version(request, pk, sow_pk, number)
    try:
        pdf_services.render_request(actor=request.user, version=version)
    except DomainError as exc:
        messages.error(request, exc.message)
    if request.headers.get("HX-Request"):
        return pdf_status(request, pk, sow_pk, number)
    return redirect("sow:version", pk=pk, sow_pk=sow_pk, number=number)


@login_required
def pdf_status(request, pk, sow_pk, number):
    version = _version(request, pk, sow_pk, number)
    return render(request, "sow/_pdf_panel.html", {
        "version": version, "job": pdf_services.current_job(version), "engagement_pk": pk})


def _file_response(handle, *, filename, content_type, attachment):
    response = FileResponse(handle, as_attachment=attachment, filename=filename,
                            content_type=content_type)
    # Private documents: never kept by shared caches.
    response["Cache-Control"] = "private, no-store, max-age=0"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def pdf_download(request, pk, sow_pk, number):
    download = downloads.ready_job(user=request.user, engagement_pk=pk, sow_pk=sow_pk,
                                   number=number)
    try:
        if download is None:
            # Not visible (404) or no finished PDF yet (the service says why), or it has
            # just finished.
            job, _ = pdf_services.verified_pdf(version=_version(request, pk, sow_pk, number))
            download = downloads.from_job(job)
        return downloads.response(download, user=request.user)
    except DomainError as exc:
        # The API answers 409 with the same rule; a person is taken to where it is generated.
        messages.error(request, exc.message)
        return redirect("sow:version", pk=pk, sow_pk=sow_pk, number=number)


@login_required
def pdf_thumbnail(request, pk, sow_pk, number):
    version = _version(request, pk, sow_pk, number)
    job = pdf_services.current_job(version)
    if job is None or not job.thumbnail:
        raise Http404("No thumbnail yet.")
    return _file_response(job.thumbnail.open("rb"), filename=f"v{version.number}.png",
                          content_type="image/png", attachment=False)


def _url_pattern(name):
    """The URL of `name` as a str.format pattern, reversed once rather than once a row."""
    marks = {"pk": 910000001, "sow_pk": 920000002, "number": 930000003}
    url = reverse(name, kwargs=marks)
    for key, mark in marks.items():
        url = url.replace(str(mark), "{" + key + "}")
    return url


@login_required
def contracts(request):
    """Every visible engagement's approved and signed versions with their final PDF, 25 a
    page, filtered by engagement, signing and PDF status."""
    filters = ContractFilter(request.GET, queryset=selectors.contracts(user=request.user),
                             request=request)
    page = Paginator(selectors.contract_rows(filters.qs), settings.OFFRAMP_PAGE_SIZE).get_page(
        request.GET.get("page"))
    versions = list(page.object_list)
    version_url, pdf_url = _url_pattern("sow:version"), _url_pattern("sow:pdf_download")
    labels = dict(SowVersion.Status.choices)
    for v in versions:
        ids = {"pk": v["sow__engagement_id"], "sow_pk": v["sow_id"], "number": v["number"]}
        v["url"], v["pdf_url"] = version_url.format(**ids), pdf_url.format(**ids)
        v["status_label"] = labels[v["status"]]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "sow/contracts.html", {
        "form": filters.form, "page": page, "versions": versions, "query": query.urlencode(),
        "filtered": any(request.GET.get(k) for k in filters.form.fields)})
