"""Signals the SOW app sends. They carry objects and decide nothing."""

from django.dispatch import Signal

# Sent when a worker has claimed a render job, before it lays the document out. Argument: job.
render_claimed = Signal()
