"""Record the internal share of merged changes per week from a local git repository."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from common.errors import DomainError
from engagement.models import Engagement
from kpis import sources
from kpis.models import KPI
from kpis.services import import_git_authorship


class Command(BaseCommand):
    help = ("Read a local git repository's main line (merge commits and the authors of the "
            "changes they merge) and record the internal share of merged changes per week.")

    def add_arguments(self, parser):
        parser.add_argument("path", help="A local git repository (its HEAD is read).")
        parser.add_argument("--engagement", type=int, required=True)
        parser.add_argument("--internal-domain", required=True,
                            help="The client's e-mail domain(s), comma-separated.")
        parser.add_argument("--kpi", type=int, help="The KPI to record into (default: the "
                            "engagement's “Internal share of merged changes” from the catalogue).")
        parser.add_argument("--user", help="Who records it (default: the client's first "
                            "program manager).")
        parser.add_argument("--export", action="store_true", help="Only print the changes as "
                            "“date<TAB>e-mail” lines, for the browser's upload.")

    def handle(self, *args, path, engagement, internal_domain, kpi=None, user=None,
               export=False, **options):
        try:
            changes = sources.git_changes(path)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if export:
            for when, email in changes:
                self.stdout.write(f"{when.isoformat()}\t{email}")
            return
        e = Engagement.objects.filter(pk=engagement).first()
        if e is None:
            raise CommandError(f"No engagement {engagement}.")
        users = get_user_model().objects.filter(organisation_id=e.client_id)
        actor = (users.filter(username=user) if user else
                 users.filter(role="program_manager").order_by("pk")).first()
        if actor is None:
            raise CommandError("Name a client-side user with --user.")
        target = KPI.objects.filter(pk=kpi, engagement=e).first() if kpi else None
        if kpi and target is None:
            raise CommandError(f"Engagement {engagement} has no KPI {kpi}.")
        try:
            outcome, weeks, skipped = import_git_authorship(
                actor=actor, engagement=e, changes=changes, internal_domains=internal_domain,
                kpi=target)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        for day, (share, i, t) in weeks.items():
            self.stdout.write(f"week of {day:%Y-%m-%d}: {share:.1f}% ({i} of {t})")
        self.stdout.write(self.style.SUCCESS(
            f"{outcome.created} new, {outcome.updated} changed, {outcome.unchanged} unchanged; "
            f"{len(skipped)} week(s) outside the engagement left out."))
