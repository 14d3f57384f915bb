from django.core.management.base import BaseCommand, CommandError

from engagement.audit import audit_verify, integrity_problems


class Command(BaseCommand):
    help = "Check every engagement's audit hash chain and report the first broken link."

    def add_arguments(self, parser):
        parser.add_argument("--engagement", type=int, help="Check one engagement only.")

    def handle(self, *args, engagement=None, **options):
        result = audit_verify(engagement_id=engagement)
        if result["ok"]:
            problems = integrity_problems()
            if problems:
                raise CommandError(f"{result['events']} audit events intact, but stored content "
                                   "no longer matches its hash: " + "; ".join(problems))
            self.stdout.write(self.style.SUCCESS(f"OK: {result['events']} audit events intact."))
            return
        raise CommandError(
            f"Audit chain broken at engagement {result['engagement']}, event #{result['seq']} "
            f"(id {result['event']}): {result['problem']}. {result['events']} events before it "
            "are intact."
        )
