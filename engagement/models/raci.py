from django.db import models
from django.db.models import Q

from ..querysets import scoped_by
from .core import Engagement, StaffingRole


class Workstream(models.TextChoices):
    DATA = "data", "Data"
    TRAINING = "training", "Training"
    EVALUATION = "evaluation", "Evaluation"
    DEPLOYMENT = "deployment", "Deployment"
    INCIDENTS = "incidents", "Incidents"


class Phase(models.TextChoices):
    EARLY = "early", "Early"
    MID = "mid", "Mid"
    LATE = "late", "Late"


class RaciAssignment(models.Model):
    class Letter(models.TextChoices):
        R = "R", "Responsible"
        A = "A", "Accountable"
        C = "C", "Consulted"
        I = "I", "Informed"  # noqa: E741 - the letter is the domain's name

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="raci")
    workstream = models.CharField(max_length=12, choices=Workstream.choices)
    phase = models.CharField(max_length=6, choices=Phase.choices)
    staffing_role = models.CharField(max_length=30, choices=StaffingRole.choices)
    letter = models.CharField(max_length=1, choices=Letter.choices)

    objects = scoped_by("engagement")

    class Meta:
        ordering = ["engagement_id", "workstream", "phase", "staffing_role"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "workstream", "phase", "staffing_role"],
                                    name="raci_one_letter_per_cell"),
            # The second half of "exactly one A" (the first is checked by raci_save).
            models.UniqueConstraint(fields=["engagement", "workstream", "phase"],
                                    condition=Q(letter="A"), name="raci_at_most_one_a"),
        ]

    def __str__(self):
        return f"{self.workstream}/{self.phase}/{self.staffing_role}={self.letter}"
