from django.urls import path

from . import views
from .views import changes, ladder, raci

app_name = "engagement"

E = "<int:pk>/"
M = E + "milestones/<int:milestone_pk>/"
C = E + "criteria/<int:criterion_pk>/"

urlpatterns = [
    path("", views.engagement_list, name="list"),
    path("new/", views.engagement_create, name="create"),
    path("this-week/", ladder.this_week, name="this_week"),
    path(E, views.engagement_detail, name="detail"),
    path(E + "edit/", views.engagement_edit, name="edit"),
    path(E + "transition/", views.engagement_transition, name="transition"),
    path(E + "move/<str:to>/", views.engagement_move, name="move"),
    path(E + "staffing/", views.staffing_add, name="staffing_add"),
    path(E + "staffing/<int:assignment_pk>/remove/", views.staffing_remove,
         name="staffing_remove"),
    path(E + "baseline/<str:stage>/", views.baseline_record, name="baseline"),
    path(E + "audit/", views.engagement_audit, name="audit"),
    path(E + "ladder/", ladder.ladder, name="ladder"),
    path(E + "ladder/generate/", ladder.ladder_generate, name="ladder_generate"),
    path(E + "milestones/new/", ladder.milestone_create, name="milestone_create"),
    path(M + "edit/", ladder.milestone_edit, name="milestone_edit"),
    path(M + "move/", ladder.milestone_move, name="milestone_move"),
    path(M + "delete/", ladder.milestone_delete, name="milestone_delete"),
    path(M + "transition/", ladder.milestone_transition, name="milestone_transition"),
    path(M + "criteria/", ladder.criterion_add, name="criterion_add"),
    path(M + "deliverables/", ladder.deliverable_add, name="deliverable_add"),
    path(C + "verify/", ladder.criterion_verify, name="criterion_verify"),
    path(C + "evidence/", ladder.evidence_add, name="evidence_add"),
    path(C + "record/", ladder.criterion_record, name="criterion_record"),
    path(C + "remove/", ladder.criterion_remove, name="criterion_remove"),
    path(C + "edit/", ladder.criterion_edit, name="criterion_edit"),
    path(E + "evidence/<int:evidence_pk>/remove/", ladder.evidence_remove,
         name="evidence_remove"),
    path(E + "evidence/<int:evidence_pk>/edit/", ladder.evidence_edit, name="evidence_edit"),
    path(M + "deliverables/<int:deliverable_pk>/remove/", ladder.deliverable_remove,
         name="deliverable_remove"),
    path(M + "deliverables/<int:deliverable_pk>/settle/", ladder.deliverable_settle,
         name="deliverable_settle"),
    path(M + "deliverables/<int:deliverable_pk>/sessions/", ladder.deliverable_session,
         name="deliverable_session"),
    path(M + "deliverables/<int:deliverable_pk>/edit/", ladder.deliverable_edit,
         name="deliverable_edit"),
    path(E + "evidence/<int:evidence_pk>/", ladder.evidence_download, name="evidence_download"),
    path(E + "raci/", raci.raci, name="raci"),
    path(E + "changes/", changes.changes, name="changes"),
]
