from django.urls import path

from . import views

app_name = "engagement"

urlpatterns = [
    path("", views.engagement_list, name="list"),
    path("new/", views.engagement_create, name="create"),
    path("<int:pk>/", views.engagement_detail, name="detail"),
    path("<int:pk>/edit/", views.engagement_edit, name="edit"),
    path("<int:pk>/transition/", views.engagement_transition, name="transition"),
    path("<int:pk>/staffing/", views.staffing_add, name="staffing_add"),
    path("<int:pk>/staffing/<int:assignment_pk>/remove/", views.staffing_remove,
         name="staffing_remove"),
    path("<int:pk>/baseline/<str:stage>/", views.baseline_record, name="baseline"),
    path("<int:pk>/audit/", views.engagement_audit, name="audit"),
]
