from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from engagement.backup import BackupError, backup


class Command(BaseCommand):
    help = ("Write a consistent dump of the database and every stored file (uploads, contract "
            "PDFs) into a new folder, with a manifest of hashes and row counts.")

    def add_arguments(self, parser):
        parser.add_argument("--output", help="A new folder (default backups/offramp-<time>).")

    def handle(self, *args, output=None, **options):
        output = output or f"backups/offramp-{timezone.now():%Y%m%d-%H%M%S}"
        try:
            manifest = backup(output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["counts"].values())
        self.stdout.write(self.style.SUCCESS(
            f"Backup written to {output}: {manifest['database']['vendor']} database "
            f"({rows} rows), {len(manifest['media'])} files."))
