"""Shared fixtures. Services a test needs are real; when one is missing the test is skipped
with what to install, except under CI=true, where a missing service fails the run."""

import os

import pytest
from django.db import connection

CI = os.environ.get("CI", "").lower() == "true"


def missing_service(what, how):
    message = f"{what} is not available: {how}"
    if CI:
        pytest.fail(f"CI=true and {message}", pytrace=False)
    pytest.skip(message)


def pytest_sessionstart(session):
    from django.conf import settings

    if CI and not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        raise pytest.UsageError("CI=true needs DATABASE_URL pointing at PostgreSQL.")


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        missing_service("PostgreSQL", "set DATABASE_URL=postgres://postgres@127.0.0.1:5432/offramp")
    return connection


@pytest.fixture
def celery_worker():
    """A running Celery worker reachable through CELERY_BROKER_URL (started by .ci/run)."""
    from django.conf import settings

    from config.celery_app import app

    if not settings.CELERY_BROKER_URL:
        missing_service("A Celery broker", "set CELERY_BROKER_URL=redis://127.0.0.1:6379/0 and "
                        "start a worker with `make worker`")
    try:
        replies = app.control.ping(timeout=3.0)
    except Exception as exc:  # noqa: BLE001 - any broker failure means no worker
        replies = []
        reason = str(exc)
    else:
        reason = "no worker answered a ping"
    if not replies:
        missing_service("A Celery worker", f"{reason}; start one with `make worker` (pointing "
                        "DATABASE_URL at the test database, see .ci/run)")
    return app


@pytest.fixture(scope="session")
def weasyprint_available():
    try:
        import weasyprint  # noqa: F401 - loads Pango through cffi
    except OSError as exc:
        missing_service("Pango for WeasyPrint",
                        f"{exc}; install it with apt-get install libpango-1.0-0 "
                        "libpangoft2-1.0-0 fonts-dejavu-core")


@pytest.fixture
def orgs(db):
    from tests.engagement.factories import OrganisationFactory

    return {
        "client": OrganisationFactory(name="Northwind Retail", kind="client"),
        "vendor": OrganisationFactory(name="Acme ML Partners", kind="vendor"),
        "other_client": OrganisationFactory(name="Contoso Bank", kind="client"),
        "other_vendor": OrganisationFactory(name="Globex AI", kind="vendor"),
    }


@pytest.fixture
def people(orgs):
    from tests.engagement.factories import UserFactory

    return {
        "procurement": UserFactory(username="procurement", organisation=orgs["client"],
                                   role="procurement"),
        "pm": UserFactory(username="pm", organisation=orgs["client"], role="program_manager"),
        "leader": UserFactory(username="leader", organisation=orgs["client"], role="leadership"),
        "vendor": UserFactory(username="vendor", organisation=orgs["vendor"], role="vendor"),
        "outsider": UserFactory(username="outsider", organisation=orgs["other_vendor"],
                                role="vendor"),
        "other_pm": UserFactory(username="other_pm", organisation=orgs["other_client"],
                                role="program_manager"),
    }


@pytest.fixture
def engagement(people, orgs):
    """An engagement under way (active), so work on it can be proven. Tests of planning and of
    activation itself use `draft_engagement`."""
    from tests.engagement.factories import make_engagement, under_way

    return under_way(make_engagement(actor=people["procurement"], client=orgs["client"],
                                     vendor=orgs["vendor"]))


@pytest.fixture
def draft_engagement(people, orgs):
    from tests.engagement.factories import make_engagement

    return make_engagement(actor=people["procurement"], client=orgs["client"],
                           vendor=orgs["vendor"])


@pytest.fixture
def inline_tasks():
    """Run published Celery work in this process, as the embedded mode does, even when CI
    points the test run at a real broker (whose worker cannot see this test's transaction)."""
    from config.celery_app import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = saved


@pytest.fixture(autouse=True)
def _transactional_tests_keep_work_in_process(request):
    """A transactional test that is not about the worker runs its Celery work in-process, as
    locally: otherwise, under CI, the real worker acts on the test database while the test's
    teardown truncates it, and the two can deadlock."""
    marker = request.node.get_closest_marker("django_db")
    if (marker is None or not marker.kwargs.get("transaction")
            or request.node.get_closest_marker("worker")
            or "celery_worker" in request.fixturenames):
        yield
        return
    from config.celery_app import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved
