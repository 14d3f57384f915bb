from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("<int:pk>/payments/", views.payments, name="schedule"),
    path("<int:pk>/payments/new/", views.payment_create, name="create"),
    path("<int:pk>/payments/evaluate/", views.evaluate_gates, name="evaluate_gates"),
    path("<int:pk>/payments/<int:payment_pk>/action/", views.payment_action, name="action"),
    path("<int:pk>/payments/export.<str:fmt>", views.payments_export, name="export"),
]
