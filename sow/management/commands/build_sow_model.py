"""Train the SOW check's learned model from the shipped corpus and store it (build time)."""

import time

from django.core.management.base import BaseCommand

from sow.checks import learned


class Command(BaseCommand):
    help = ("Train the SOW check's learned model from tests/sow_corpus/train*.toml and store "
            "it, so no web worker trains it on its first check. Run at build time.")

    def add_arguments(self, parser):
        parser.add_argument("--path", default=None,
                            help=f"where to store it (default {learned.ARTEFACT})")
        parser.add_argument("--if-stale", action="store_true",
                            help="do nothing when the stored model matches today's corpus")

    def handle(self, *args, path=None, if_stale=False, **options):
        if if_stale and learned.stored(path) is not None:
            self.stdout.write("The stored SOW check model is up to date.")
            return
        started = time.monotonic()
        learned.build(path)
        self.stdout.write(f"SOW check model trained in {time.monotonic() - started:.1f} s "
                          f"and stored in {path or learned.ARTEFACT}.")
