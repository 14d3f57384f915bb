from django.urls import path

from . import views

app_name = "kpis"

urlpatterns = [
    path("<int:pk>/kpis/", views.kpi_list, name="list"),
    path("<int:pk>/kpis/record/", views.record_week, name="record"),
    path("<int:pk>/kpis/import/", views.csv_import, name="import"),
    path("<int:pk>/kpis/sources/", views.source_import, name="sources"),
    path("<int:pk>/kpis/catalogue/", views.catalogue_add, name="catalogue_add"),
    path("<int:pk>/kpis/<int:kpi_pk>/", views.kpi_detail, name="detail"),
    path("<int:pk>/kpis/<int:kpi_pk>/delete/", views.kpi_delete, name="delete"),
    path("<int:pk>/kpis/<int:kpi_pk>/values/<int:measurement_pk>/delete/",
         views.measurement_delete, name="measurement_delete"),
    path("<int:pk>/competency/", views.competency, name="competency"),
    path("<int:pk>/competency/rubric/", views.rubric, name="rubric"),
    path("<int:pk>/competency/<int:assessment_pk>/evidence/", views.assessment_evidence,
         name="assessment_evidence"),
    path("<int:pk>/drills/", views.drills, name="drills"),
    path("<int:pk>/drills/<int:drill_pk>/record/", views.drill_record, name="drill_record"),
    path("<int:pk>/drills/<int:drill_pk>/review/", views.drill_review, name="drill_review"),
    path("<int:pk>/drills/<int:drill_pk>/postmortem/", views.drill_postmortem,
         name="drill_postmortem"),
]
