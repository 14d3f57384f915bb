from django.urls import path

from .views import approvals

app_name = "approvals"

urlpatterns = [
    path("", approvals.inbox, name="inbox"),
    path("<int:request_pk>/decide/", approvals.decide, name="decide"),
    path("notifications/", approvals.notifications, name="notifications"),
]
