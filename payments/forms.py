from decimal import Decimal

from django import forms

from .models import PaymentMilestone


class PaymentForm(forms.Form):
    """Input for a new payment; the gate choices come only from the engagement's own ladder."""

    label = forms.CharField(max_length=200)
    amount = forms.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    due_date = forms.DateField()
    commercial_model = forms.ChoiceField(choices=PaymentMilestone.CommercialModel.choices)
    criteria = forms.ModelMultipleChoiceField(queryset=None, required=False)
    milestones = forms.ModelMultipleChoiceField(queryset=None, required=False)
    deliverables = forms.ModelMultipleChoiceField(queryset=None, required=False)

    def __init__(self, *args, engagement, **kwargs):
        super().__init__(*args, **kwargs)
        from engagement.models import AcceptanceCriterion, KnowledgeTransferDeliverable, Milestone

        self.fields["criteria"].queryset = AcceptanceCriterion.objects.filter(
            milestone__engagement=engagement)
        self.fields["milestones"].queryset = Milestone.objects.filter(engagement=engagement)
        self.fields["deliverables"].queryset = KnowledgeTransferDeliverable.objects.filter(
            milestone__engagement=engagement)

    def conditions(self):
        return ([{"kind": "criterion", "criterion": c.pk} for c in self.cleaned_data["criteria"]]
                + [{"kind": "milestone", "milestone": m.pk}
                   for m in self.cleaned_data["milestones"]]
                + [{"kind": "deliverable", "deliverable": d.pk}
                   for d in self.cleaned_data["deliverables"]]
                + self.plugged_conditions())

    def plugged_conditions(self):
        """One condition per plugged-in kind (a KPI threshold, say) chosen on the form."""
        from .gates import plugged_kinds

        return [{"kind": kind, "ref": self.data.get(f"ref_{kind}"),
                 "threshold": self.data.get(f"threshold_{kind}", "")}
                for kind in plugged_kinds() if self.data.get(f"ref_{kind}")]


class PaidForm(forms.Form):
    paid_on = forms.DateField()
