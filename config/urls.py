from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from engagement import views as engagement_views
from kpis.api.people import IndependenceView, RubricView
from kpis.api.views import CatalogueView
from payments.api.views import EvaluateGatesView
from portfolio import views as portfolio_views
from portfolio.api import PortfolioView
from sow.pdf_views import contracts

from .api_router import router
from .healthz import healthz, readyz
from .observability import metrics

urlpatterns = [
    path("", portfolio_views.landing, name="home"),
    path("portfolio/", include("portfolio.urls")),
    path("search/", engagement_views.search, name="search"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("engagements/", include("engagement.urls")),
    path("engagements/", include("kpis.urls")),
    path("approvals/", include("engagement.approval_urls")),
    path("engagements/", include("sow.urls")),
    path("engagements/", include("payments.urls")),
    path("library/", include("sow.library_urls")),
    path("contracts/", contracts, name="contracts"),
    path("admin/", admin.site.urls),
    path("api/v1/engagements/<int:pk>/evaluate-gates/", EvaluateGatesView.as_view(),
         name="evaluate-gates"),
    path("api/v1/kpi-catalogue/", CatalogueView.as_view(), name="kpi-catalogue"),
    path("api/v1/competency-rubric/", RubricView.as_view(), name="competency-rubric"),
    path("api/v1/engagements/<int:pk>/independence/", IndependenceView.as_view(),
         name="engagement-independence"),
    path("api/v1/portfolio/", PortfolioView.as_view(), name="api-portfolio"),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
]
