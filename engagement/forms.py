from django import forms

from common.forms import DateInput

from .currencies import currency_choices
from .models import Engagement, Organisation, ReadinessBaseline, StaffingRole


class EngagementForm(forms.ModelForm):
    currency = forms.ChoiceField(choices=currency_choices, initial="EUR",
                                 help_text="ISO 4217 code of the contract currency.")

    class Meta:
        model = Engagement
        fields = [
            "title", "client", "vendor", "format", "use_case", "start_date", "length_weeks",
            "contract_value", "currency", "off_ramp_date",
        ]
        widgets = {
            "start_date": DateInput(), "off_ramp_date": DateInput(),
            "use_case": forms.Textarea(attrs={"rows": 3}),
            "length_weeks": forms.NumberInput(attrs={"min": 1, "max": 260}),
        }
        help_texts = {
            "format": "Project: one bounded model. Retainer: capability across teams, needs an "
                      "off-ramp date. Hybrid: a delivery stream and an enablement stream.",
            "length_weeks": "From 1 to 260 weeks.",
            "contract_value": "The total fixed fee or the budget ceiling, without a currency sign.",
            "off_ramp_date": "When the vendor steps back. Required for a retainer before it "
                             "goes active.",
        }

    def __init__(self, *args, partner_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = partner_choices.filter(kind=Organisation.Kind.CLIENT)
        self.fields["vendor"].queryset = partner_choices.filter(kind=Organisation.Kind.VENDOR)
        self.fields["client"].empty_label = "Choose the client"
        self.fields["vendor"].empty_label = "Choose the vendor"
        self.fields["format"].choices = [("", "Choose a format"),
                                         *Engagement.Format.choices]


class EngagementEditForm(EngagementForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta(EngagementForm.Meta):
        fields = [f for f in EngagementForm.Meta.fields if f not in ("client", "vendor")]

    def __init__(self, *args, partner_choices=None, **kwargs):
        forms.ModelForm.__init__(self, *args, **kwargs)
        if self.instance.status != Engagement.Status.DRAFT:
            for name in ("format", "start_date", "length_weeks", "contract_value", "currency"):
                self.fields[name].disabled = True
                self.fields[name].help_text = "Fixed once the engagement is active."


class StaffingForm(forms.Form):
    staffing_role = forms.ChoiceField(choices=StaffingRole.choices, label="Staffing role")
    user = forms.ModelChoiceField(queryset=None, required=False, empty_label="No login",
                                  label="Person with a login")
    person_name = forms.CharField(required=False, max_length=200,
                                  label="Or the person's name (no login)")

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people

    def clean(self):
        data = super().clean()
        if not data.get("user") and not (data.get("person_name") or "").strip():
            self.add_error("person_name", "Choose a person with a login or type a name.")
        return data


class BaselineForm(forms.ModelForm):
    class Meta:
        model = ReadinessBaseline
        fields = ["stage", "skills", "process", "tooling", "who_can_train",
                  "who_can_diagnose_drift", "where_docs_live", "if_someone_leaves", "notes",
                  "assessed_on"]
        widgets = {"assessed_on": DateInput(), "notes": forms.Textarea(attrs={"rows": 3}),
                   **{q: forms.Textarea(attrs={"rows": 2}) for q in ReadinessBaseline.QUESTIONS},
                   "skills": forms.RadioSelect, "process": forms.RadioSelect,
                   "tooling": forms.RadioSelect}
        help_texts = {"notes": "What you saw: who can do what today, and with which tools."}

    def validate_unique(self):
        # Re-recording a stage replaces it (baseline_record); uniqueness is the service's job.
        pass


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=Engagement.Status.choices)
    reason = forms.CharField(required=False, max_length=500)
    acknowledge = forms.CharField(
        required=False, max_length=40, label="Type the new status to go past the warnings",
        help_text="The warnings above do not block the move; typing the status confirms you "
                  "have read them.")

    def acknowledged(self):
        return (self.cleaned_data.get("acknowledge", "").strip().lower()
                == self.cleaned_data.get("to", ""))


class LadderGenerateForm(forms.Form):
    template = forms.ChoiceField(choices=[("default", "Capability-first ladder")],
                                 initial="default")
    weeks = forms.IntegerField(min_value=1, max_value=260, label="Weeks",
                               help_text="The template's 8 weeks are scaled to this length.")


class MilestoneForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        from .models import Milestone

        model = Milestone
        fields = ["title", "description", "stream", "kind", "ownership_mode", "start_week",
                  "end_week", "is_transition"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class CriterionForm(forms.ModelForm):
    class Meta:
        from .models import AcceptanceCriterion

        model = AcceptanceCriterion
        fields = ["statement", "method", "performer"]
        widgets = {"statement": forms.Textarea(attrs={"rows": 2})}
        labels = {"performer": "Performed by"}


class EvidenceForm(forms.Form):
    # Optional: left out, the kind follows from what was filled (services.evidence_kind).
    kind = forms.ChoiceField(required=False, choices=[
        ("", "From what you fill in"), ("link", "Link"), ("file", "File"), ("note", "Note"),
        ("change", "Approved production change")])
    change_request = forms.IntegerField(required=False)
    url = forms.URLField(required=False, label="Link", assume_scheme="https")
    file = forms.FileField(required=False)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CriterionPanelForm(forms.Form):
    """A criterion's one panel: evidence (a file, a link, a note) and, optionally, a verdict."""
    status = forms.ChoiceField(required=False, choices=[
        ("", "Attach only"), ("met", "Met"), ("not_met", "Not met"), ("open", "Open")])
    file = forms.FileField(required=False)
    url = forms.URLField(required=False, label="Link", assume_scheme="https", max_length=500)
    note = forms.CharField(required=False, max_length=2000)


class VerifyForm(forms.Form):
    status = forms.ChoiceField(choices=[("met", "Met"), ("not_met", "Not met"), ("open", "Open")])
    note = forms.CharField(required=False, max_length=2000)


class MilestoneTransitionForm(forms.Form):
    to = forms.ChoiceField(choices=[("in_progress", "in progress"), ("submitted", "submitted"),
                                    ("changes_requested", "changes requested")])
    reason = forms.CharField(required=False, max_length=1000)
    version = forms.IntegerField(required=False)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    reason = forms.CharField(required=False, max_length=2000)


class DeliverableForm(forms.ModelForm):
    class Meta:
        from .models import KnowledgeTransferDeliverable

        model = KnowledgeTransferDeliverable
        fields = ["kind", "title", "description", "count", "cadence", "hours", "participants",
                  "owner_role", "acceptance"]
        widgets = {"acceptance": forms.Textarea(attrs={"rows": 2})}
        labels = {"owner_role": "Owner", "acceptance": "Accepted when"}
        help_texts = {"cadence": "For example: weekly, 1 hour."}
