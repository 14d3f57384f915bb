from django.urls import path

from . import views

app_name = "library"

urlpatterns = [
    path("", views.library, name="index"),
    path("new/", views.clause_create, name="create"),
    path("<slug:key>/", views.clause_detail, name="clause"),
    path("<slug:key>/versions/<int:number>/status/", views.clause_version_status,
         name="version_status"),
]
