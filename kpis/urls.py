from django.urls import path

from . import views

app_name = "kpis"

urlpatterns = [path("<int:pk>/kpis/", views.kpi_list, name="list")]
