from django.core.management.base import BaseCommand

from sow.services import library_load


class Command(BaseCommand):
    help = "Load or upgrade the starter clause library from sow/data/clauses.toml (keeps local edits)."

    def handle(self, *args, **options):
        r = library_load()
        self.stdout.write(self.style.SUCCESS(
            f"Clause library: {r.created} new, {r.upgraded} upgraded, {r.kept_local} new library "
            f"texts kept as drafts beside local edits, {r.unchanged} unchanged."))
