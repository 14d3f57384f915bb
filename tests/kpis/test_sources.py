"""Capability KPIs from real sources: a git repository the test builds with `git`, a git
log export uploaded in the browser, and CI pipeline runs (CSV or JSON)."""

import datetime as dt
import os
import subprocess

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kpis.models import Measurement
from kpis.services import import_pipeline_runs, kpi_add_from_catalogue
from kpis.sources import read_runs


def git(repo, *args, author="dev@vendor.example", when="2026-09-08T10:00:00+00:00"):
    env = {**os.environ, "GIT_AUTHOR_NAME": "x", "GIT_AUTHOR_EMAIL": author,
           "GIT_COMMITTER_NAME": "x", "GIT_COMMITTER_EMAIL": author,
           "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


def change(repo, name, author, when, *, merge):
    """One change landing on main: a merge of a branch whose tip `author` wrote, merged by
    someone else (`merge`), or a squash commit by `author`."""
    if merge:
        git(repo, "checkout", "-q", "-b", name)
        (repo / name).write_text(name)
        git(repo, "add", name)
        git(repo, "commit", "-q", "-m", name, author=author, when=when)
        git(repo, "checkout", "-q", "main")
        git(repo, "merge", "-q", "--no-ff", "-m", f"Merge {name}", name,
            author="lead@vendor.example", when=when)
    else:
        (repo / name).write_text(name)
        git(repo, "add", name)
        git(repo, "commit", "-q", "-m", name, author=author, when=when)


@pytest.fixture
def repo(tmp_path):
    repo = tmp_path / "model-repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "commit", "-q", "--allow-empty", "-m", "start", when="2026-08-01T09:00:00+00:00")
    # week of 7 Sep: 1 of 4 internal; week of 14 Sep: 3 of 4 internal (one via a merge
    # commit pressed by a vendor lead, which still counts as the internal author's change)
    plan = [("a", "ana@northwind.example", "2026-09-08", True),
            ("b", "dev@vendor.example", "2026-09-09", True),
            ("c", "dev@vendor.example", "2026-09-10", False),
            ("d", "dev2@vendor.example", "2026-09-11", True),
            ("e", "ana@northwind.example", "2026-09-15", True),
            ("f", "bo@ml.northwind.example", "2026-09-16", False),
            ("g", "ana@northwind.example", "2026-09-17", True),
            ("h", "dev@vendor.example", "2026-09-18", False)]
    for name, author, day, merge in plan:
        change(repo, name, author, f"{day}T10:00:00+00:00", merge=merge)
    return repo


def test_the_git_importer_records_the_internal_share_per_week(repo, engagement, people):
    kpi = kpi_add_from_catalogue(actor=people["pm"], engagement=engagement,
                                 key="internal_merged_share")
    call_command("import_git_authorship", str(repo), engagement=engagement.pk,
                 internal_domain="northwind.example")
    values = dict(Measurement.objects.filter(kpi=kpi).values_list("date", "value"))
    # The first week starts on the engagement's first day (7 Sep); August is outside.
    assert values == {dt.date(2026, 9, 7): 25, dt.date(2026, 9, 14): 75}
    # Running it again records nothing new.
    call_command("import_git_authorship", str(repo), engagement=engagement.pk,
                 internal_domain="northwind.example")
    assert Measurement.objects.filter(kpi=kpi).count() == 2


def test_the_git_importer_explains_what_is_missing(repo, engagement, tmp_path):
    with pytest.raises(CommandError, match="catalogue"):
        call_command("import_git_authorship", str(repo), engagement=engagement.pk,
                     internal_domain="northwind.example")
    with pytest.raises(CommandError, match="git could not read"):
        call_command("import_git_authorship", str(tmp_path / "nope"), engagement=engagement.pk,
                     internal_domain="northwind.example")


def test_an_uploaded_git_log_export_gives_the_same_numbers(repo, client, engagement, people,
                                                          capsys):
    from django.core.files.uploadedfile import SimpleUploadedFile

    kpi = kpi_add_from_catalogue(actor=people["pm"], engagement=engagement,
                                 key="internal_merged_share")
    call_command("import_git_authorship", str(repo), engagement=engagement.pk,
                 internal_domain="x.example", export=True)
    export = capsys.readouterr().out
    client.force_login(people["pm"])
    r = client.post(f"/engagements/{engagement.pk}/kpis/sources/", {
        "kind": "git", "internal_domain": "northwind.example",
        "file": SimpleUploadedFile("log.txt", export.encode())})
    assert r.status_code == 302, r.content.decode()[:2000]
    values = dict(Measurement.objects.filter(kpi=kpi).values_list("date", "value"))
    assert values == {dt.date(2026, 9, 7): 25, dt.date(2026, 9, 14): 75}


RUNS_CSV = """start,finish,triggered_by
2026-09-08T08:00:00+00:00,2026-09-08T14:00:00+00:00,ana@northwind.example
2026-09-09T08:00:00+00:00,2026-09-09T18:00:00+00:00,ana@northwind.example
2026-09-10T08:00:00+00:00,2026-09-10T09:00:00+00:00,ci-bot@vendor.example
2026-09-11T08:00:00+00:00,,bo@northwind.example
"""


def test_pipeline_runs_give_time_to_retrain_and_the_internal_share(engagement, people):
    retrain = kpi_add_from_catalogue(actor=people["pm"], engagement=engagement,
                                     key="time_to_retrain")
    share = kpi_add_from_catalogue(actor=people["pm"], engagement=engagement,
                                   key="internal_training_runs")
    import_pipeline_runs(actor=people["pm"], engagement=engagement, runs=read_runs(RUNS_CSV),
                         internal_domains="northwind.example")
    # internal finished runs took 6 h and 10 h: median 8; 3 of 4 runs were internal
    assert retrain.measurements.get().value == 8
    assert share.measurements.get().value == 75
    as_json = ('{"runs": [{"start": "2026-09-15T08:00:00Z", "finish": "2026-09-15T12:30:00Z", '
               '"triggered_by": "ana@northwind.example"}]}')
    import_pipeline_runs(actor=people["pm"], engagement=engagement, runs=read_runs(as_json),
                         internal_domains="northwind.example")
    assert retrain.measurements.get(date=dt.date(2026, 9, 14)).value == 4.5


@pytest.mark.parametrize(("text", "message"), [
    ("start,finish,triggered_by\nyesterday,,a@b.example\n", "not an ISO date-time"),
    ("start,finish,triggered_by\n2026-09-08T10:00,2026-09-08T09:00,a@b.example\n",
     "finishes before it starts"),
    ('[{"start": "2026-09-08T10:00", "finish": NaN, "triggered_by": "a@b.example"}]', "finish"),
    ('{"runs": 3}', "list of runs"),
    ("start,finish,triggered_by\n2026-09-08T10:00,,\n", "who triggered"),
    ("when,who\n", "first line"),
])
def test_bad_pipeline_files_are_refused_with_the_reason(text, message):
    from common.errors import DomainError

    with pytest.raises(DomainError, match=message):
        read_runs(text)


def test_the_sources_page_refuses_a_bad_file_and_writes_nothing(client, engagement, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    kpi_add_from_catalogue(actor=people["pm"], engagement=engagement, key="time_to_retrain")
    client.force_login(people["pm"])
    url = f"/engagements/{engagement.pk}/kpis/sources/"
    r = client.post(url, {"kind": "runs", "internal_domain": "northwind.example",
                          "file": SimpleUploadedFile("runs.csv", b"start,finish\n")})
    assert "first line must name" in r.content.decode()
    r = client.post(url, {"kind": "git", "internal_domain": "no domain",
                          "file": SimpleUploadedFile("log.txt", b"2026-09-08\ta@b.example\n")})
    assert "internal e-mail domain" in r.content.decode()
    r = client.post(url, {"kind": "runs", "internal_domain": "northwind.example",
                          "file": SimpleUploadedFile("runs.csv", RUNS_CSV.encode())})
    assert r.status_code == 302 and Measurement.objects.count() == 1
