from django.urls import path

from . import views

app_name = "portfolio"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("summaries/", views.summary_request, name="summary_request"),
    path("summaries/<int:job_pk>/", views.summary, name="summary"),
    path("summaries/<int:job_pk>/pdf/", views.summary_download, name="summary_download"),
]
