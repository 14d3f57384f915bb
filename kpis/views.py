from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone

from common.errors import DomainError
from engagement import selectors as engagement_selectors
from engagement.views import apply_domain_error

from . import selectors, services
from .forms import KPIForm


@login_required
def kpi_list(request, pk):
    engagement = engagement_selectors.engagement_get(user=request.user, pk=pk)
    form = KPIForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.kpi_define(actor=request.user, engagement=engagement, **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, "KPI added.")
            return redirect("kpis:list", pk=pk)
    kpis = selectors.kpis_for(engagement=engagement)
    layers = [
        {"layer": layer, "kpis": [k for k in kpis if k.layer == layer]}
        for layer in services.KPI.Layer
    ]
    return render(request, "kpis/kpi_list.html", {
        "engagement": engagement, "layers": layers, "form": form, "tab": "kpis",
        "problems": services.activation_problems(engagement)
        if engagement.status == "draft" else [],
        "week": engagement.week_of(timezone.localdate()),
    })
