from django.core.management.base import BaseCommand, CommandError

from engagement.backup import BackupError, restore


class Command(BaseCommand):
    help = ("Restore a backup folder into an empty installation (empty database, empty "
            "storage), then check row counts, file hashes and the audit chains.")

    def add_arguments(self, parser):
        parser.add_argument("source", help="The folder `backup` wrote.")

    def handle(self, *args, source, **options):
        try:
            report = restore(source)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if not report["ok"]:
            raise CommandError("Restored, but the check failed: " + "; ".join(report["problems"]))
        self.stdout.write(self.style.SUCCESS(
            f"Restored and checked: {sum(report['counts'].values())} rows, {report['files']} "
            f"files, {report['audit_events']} audit events intact."))
