"""Capability KPIs from the client's own systems: who merges changes (git history) and who
runs training (CI pipeline runs). Pure parsing and arithmetic; writes go through
services.measurements_record.

- **Internal share of merged changes**, per week (weeks start on Monday): of the changes that
  landed on the main line, the percentage whose author's e-mail is at an internal domain.
  A change is a commit on the first-parent line; for a merge commit, its author is the
  author of the merged branch's tip (who wrote the change, not who pressed merge).
- **Time to retrain**, per week: the median hours from start to finish of the finished
  pipeline runs triggered by internal people that week.
- **Training runs started by the internal team**, per week: the percentage of runs started.
"""

import csv
import io
import json
import statistics
import subprocess
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from common.errors import DomainError

MAX_BYTES = 5 * 1024 * 1024
SEP = "\x1f"


def monday(day):
    return day - timedelta(days=day.weekday())


def domains(raw):
    """"example.com, Example.org" → ("example.com", "example.org"); refuses an empty list."""
    out = tuple(d.strip().lower().lstrip("@") for d in (raw or "").split(",") if d.strip())
    if not out or any("." not in d or " " in d for d in out):
        raise DomainError("Give the internal e-mail domain(s), such as example.com.",
                          rule="invalid_field", field="internal_domain")
    return out


def is_internal(email, internal):
    host = (email or "").strip().lower().rpartition("@")[2]
    return bool(host) and any(host == d or host.endswith("." + d) for d in internal)


def _parse_when(raw, what):
    try:
        when = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        raise DomainError(f"{what}: “{str(raw)[:40]}” is not an ISO date-time.",
                          rule="invalid_field", field="file") from None
    return when


# --- git -----------------------------------------------------------------------------------

def git_changes(path, *, since=None):
    """[(committed at, author e-mail)] of the changes on HEAD's first-parent line of a local
    repository (see the module's definition)."""
    def git(*args):
        done = subprocess.run(["git", "-C", str(path), *args], capture_output=True, text=True,
                              timeout=120, check=False)
        if done.returncode:
            raise DomainError(f"git could not read {path}: {done.stderr.strip()[:200]}",
                              rule="invalid_field", field="path")
        return done.stdout

    args = ["log", "--first-parent", f"--format=%H{SEP}%cI{SEP}%ae{SEP}%P"]
    if since:
        args.append(f"--since={since:%Y-%m-%d}")
    rows = [line.split(SEP) for line in git(*args, "HEAD").splitlines() if line]
    tips = {parents.split()[1] for *_, parents in rows if len(parents.split()) > 1}
    authors = {}
    if tips:
        for line in git("log", "--no-walk=unsorted", f"--format=%H{SEP}%ae", *sorted(tips)
                        ).splitlines():
            sha, _, email = line.partition(SEP)
            authors[sha] = email
    return [(datetime.fromisoformat(when), authors.get(parents.split()[1], email)
             if len(parents.split()) > 1 else email)
            for _sha, when, email, parents in rows]


def read_git_export(text):
    """The upload's lines "date<TAB>e-mail" (as `git log --first-parent --format='%cI%x09%ae'`
    prints them, or `import_git_authorship --export`)."""
    if len(text) > MAX_BYTES:
        raise DomainError("The export is over 5 MB.", rule="invalid_field", field="file")
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split("\t") if "\t" in line else line.split()
        if len(parts) < 2 or "@" not in parts[1]:
            raise DomainError(f"Line {n}: expected a date, a tab and an e-mail address.",
                              rule="invalid_field", field="file")
        out.append((_parse_when(parts[0], f"Line {n}"), parts[1].strip()))
    if not out:
        raise DomainError("The export has no lines.", rule="invalid_field", field="file")
    return out


def merged_share_by_week(changes, internal):
    """{monday: (percentage, internal count, total count)} from [(when, email)]."""
    weeks = {}
    for when, email in changes:
        counts = weeks.setdefault(monday(when.date()), [0, 0])
        counts[0] += is_internal(email, internal)
        counts[1] += 1
    return {w: (Decimal(100 * i) / t, i, t) for w, (i, t) in sorted(weeks.items())}


# --- pipeline runs -------------------------------------------------------------------------

@dataclass(frozen=True)
class Run:
    started: datetime
    finished: datetime | None
    triggered_by: str


def _no_constant(name):
    raise DomainError(f"The JSON holds {name}, which is not a value: give a time or leave "
                      "finish empty.", rule="invalid_field", field="file")


def read_runs(text):
    """Pipeline runs from JSON ([{start, finish, triggered_by}] or {"runs": [...]}) or CSV
    with those columns. `finish` may be empty for a run that did not finish."""
    if len(text) > MAX_BYTES:
        raise DomainError("The file is over 5 MB.", rule="invalid_field", field="file")
    stripped = text.lstrip("\ufeff").strip()
    if stripped[:1] in "[{":
        try:
            data = json.loads(stripped, parse_constant=_no_constant)
        except json.JSONDecodeError as exc:
            raise DomainError(f"The JSON is not readable: {exc.msg} (line {exc.lineno}).",
                              rule="invalid_field", field="file") from None
        items = data.get("runs") if isinstance(data, dict) else data
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise DomainError("Give a list of runs, each {start, finish, triggered_by}.",
                              rule="invalid_field", field="file")
    else:
        reader = csv.DictReader(io.StringIO(stripped))
        reader.fieldnames = [h.strip().lower() for h in reader.fieldnames or []]
        if not {"start", "triggered_by"} <= set(reader.fieldnames):
            raise DomainError("The CSV's first line must name start, finish and triggered_by.",
                              rule="invalid_field", field="file")
        items = list(reader)
    runs = []
    for n, item in enumerate(items, start=1):
        started = _parse_when(str(item.get("start") or ""), f"Run {n} start")
        finish = str(item.get("finish") or "").strip()
        finished = _parse_when(finish, f"Run {n} finish") if finish else None
        if finished and (finished.tzinfo is None) != (started.tzinfo is None):
            raise DomainError(f"Run {n}: give both times with a time zone, or neither.",
                              rule="invalid_field", field="file")
        if finished and finished < started:
            raise DomainError(f"Run {n}: it finishes before it starts.", rule="invalid_field",
                              field="file")
        who = str(item.get("triggered_by") or "").strip()
        if not who:
            raise DomainError(f"Run {n}: say who triggered it.", rule="invalid_field",
                              field="file")
        runs.append(Run(started, finished, who))
    if not runs:
        raise DomainError("There are no runs in the file.", rule="invalid_field", field="file")
    return runs


def retrain_by_week(runs, internal):
    """{monday: (median hours of internal finished runs or None, internal share %, runs)}."""
    weeks = {}
    for run in runs:
        weeks.setdefault(monday(run.started.date()), []).append(run)
    out = {}
    for week, items in sorted(weeks.items()):
        mine = [r for r in items if is_internal(r.triggered_by, internal)]
        hours = [Decimal((r.finished - r.started).total_seconds()) / 3600 for r in mine
                 if r.finished]
        out[week] = (statistics.median(hours) if hours else None,
                     Decimal(100 * len(mine)) / len(items), len(items))
    return out


def clip(weeks, start, last, today):
    """Weeks that can carry a measurement: dated on their Monday, moved to the engagement's
    start for the week it begins in; weeks outside the engagement or ahead are left out."""
    kept, skipped = {}, []
    for week, value in weeks.items():
        day = max(week, start)
        if day > min(last, today) or week + timedelta(days=6) < start:
            skipped.append(week)
        else:
            kept[day] = value
    return kept, skipped


def as_date(value):
    return value if isinstance(value, date) else date.fromisoformat(value)
