import os
import time

from django.apps import AppConfig
from django.conf import settings


def _slow_first_attempt(sender, job, **kwargs):
    # Lets the worker-kill test kill a worker while it is rendering (first attempt only).
    if job.attempts == 1:
        time.sleep(settings.OFFRAMP_RENDER_FIRST_ATTEMPT_DELAY)


POISON_TITLE = "Poison: this render kills its worker"


def _poison(sender, job, **kwargs):
    # A render that takes its worker down every time, as a runaway document would.
    if job.sow_version.sow.title == POISON_TITLE:
        os._exit(1)


class WorkerHooksConfig(AppConfig):
    name = "tests.worker_hooks"
    label = "worker_hooks"

    def ready(self):
        from sow.signals import render_claimed

        render_claimed.connect(_poison, dispatch_uid="tests.poison")
        render_claimed.connect(_slow_first_attempt, dispatch_uid="tests.slow_first_attempt")
