from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from engagement.models import Heartbeat


class Command(BaseCommand):
    help = "Exit non-zero unless a periodic job's heartbeat is recent (for health checks)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The heartbeat: sweeper, audit_verify.")
        parser.add_argument("--max-age", type=int, default=180, help="Seconds (default 180).")

    def handle(self, *args, name, max_age, **options):
        beat = Heartbeat.objects.filter(name=name).first()
        if beat is None:
            raise CommandError(f"No {name} heartbeat yet.")
        age = (timezone.now() - beat.at).total_seconds()
        if age > max_age or not beat.ok:
            raise CommandError(f"{name}: last at {beat.at.isoformat()} ({age:.0f} s ago), "
                               f"{'ok' if beat.ok else 'failed'}.")
        self.stdout.write(f"{name}: {age:.0f} s ago, ok.")
