from django import forms
from django.contrib.auth import get_user_model

from common.forms import DateInput

from .models import KPI


class KPIForm(forms.ModelForm):
    waypoints = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional values along the way, one per line as date and value, for example "
                  "“2026-10-05 30”. The planned path runs from the baseline through these to "
                  "the target.")

    class Meta:
        model = KPI
        fields = ["layer", "name", "unit", "direction", "baseline", "target", "lower", "upper",
                  "target_date", "cadence", "source", "owner", "how_to_measure"]
        widgets = {"target_date": DateInput(), "how_to_measure": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "name": "For example: time to retrain, internal share of merged PRs, eval pass rate.",
            "target_date": "Within the engagement. A retainer needs a capability target due in "
                           "every quarter.",
            "lower": "Range KPIs only.",
            "upper": "Range KPIs only.",
        }

    def __init__(self, *args, engagement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = get_user_model().objects.filter(
            organisation_id__in=[engagement.client_id, engagement.vendor_id]).order_by(
            "username")
        self.fields["cadence"].required = False
        if self.instance.pk and not self.is_bound:
            self.initial["waypoints"] = "\n".join(
                f"{w.date:%Y-%m-%d} {w.value.normalize():f}" for w in self.instance.points)

    def clean_cadence(self):
        return self.cleaned_data["cadence"] or KPI.Cadence.WEEKLY

    def clean_waypoints(self):
        from datetime import date
        from decimal import Decimal, InvalidOperation

        out = []
        for n, line in enumerate(self.cleaned_data["waypoints"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = line.replace(",", " ").replace(";", " ").split()
            try:
                day, value = date.fromisoformat(parts[0]), Decimal(parts[1])
                if len(parts) != 2 or not value.is_finite():
                    raise ValueError
            except (ValueError, IndexError, InvalidOperation):
                raise forms.ValidationError(
                    f"Line {n}: write a date and a value, such as “2026-10-05 30”.") from None
            out.append({"date": day, "value": value})
        return out

    def service_fields(self):
        data = dict(self.cleaned_data)
        return data, data.pop("waypoints")


class CsvImportForm(forms.Form):
    file = forms.FileField(required=False, help_text="Columns: kpi (id or exact name), date "
                                                     "(YYYY-MM-DD), value; optional source, note.")
    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 6}),
                           label="Or paste the CSV")


class SourceImportForm(forms.Form):
    kind = forms.ChoiceField(choices=[("git", "Git history export"),
                                      ("runs", "CI pipeline runs (CSV or JSON)")],
                             widget=forms.RadioSelect, label="What are you importing?")
    internal_domain = forms.CharField(
        max_length=200, label="Internal e-mail domain(s)",
        help_text="The client's domain(s), comma-separated, such as northwind.example. "
                  "Authors and triggers at these domains count as the internal team.")
    file = forms.FileField()


class AssessmentForm(forms.Form):
    person = forms.ModelChoiceField(queryset=None, label="Person")
    area = forms.ChoiceField(choices=[])
    level = forms.ChoiceField(choices=[], widget=forms.RadioSelect)
    round = forms.ChoiceField(choices=[])
    assessed_on = forms.DateField(widget=DateInput(), label="Assessed on")
    deliverable = forms.ModelChoiceField(queryset=None, required=False,
                                         label="The ladder's competency check it belongs to")
    evidence_url = forms.URLField(required=False, label="Evidence link", assume_scheme="https")
    evidence_file = forms.FileField(required=False, label="Or an evidence file")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text="How the level was judged (required without evidence).")

    def __init__(self, *args, people, checks, **kwargs):
        from .models import Area, CompetencyAssessment, Level

        super().__init__(*args, **kwargs)
        self.fields["deliverable"].queryset = checks
        self.fields["deliverable"].label_from_instance = (
            lambda d: f"{d.milestone.title}: {d.title} (due {d.milestone.due_date:%-d %b %Y})")
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = lambda p: p.display_name
        self.fields["area"].choices = Area.choices
        self.fields["level"].choices = Level.choices
        self.fields["round"].choices = CompetencyAssessment.Round.choices


class DrillPlanForm(forms.Form):
    scenario = forms.ChoiceField(choices=[])
    scenario_detail = forms.CharField(required=False, max_length=300,
                                      label="Describe it (custom scenarios)")
    planned_for = forms.DateField(widget=DateInput(), label="Planned for")
    sla_detect_minutes = forms.IntegerField(min_value=1, max_value=10_000, initial=15,
                                            label="Time to detect (SLA, minutes)")
    sla_restore_minutes = forms.IntegerField(min_value=1, max_value=10_000, initial=60,
                                             label="Time to restore (SLA, minutes)")
    criterion = forms.ModelChoiceField(queryset=None, required=False,
                                       label="Incident-drill criterion it proves")

    def __init__(self, *args, criteria, **kwargs):
        from .models import IncidentDrill

        super().__init__(*args, **kwargs)
        self.fields["scenario"].choices = IncidentDrill.Scenario.choices
        self.fields["criterion"].queryset = criteria
        self.fields["criterion"].label_from_instance = (
            lambda c: f"{c.milestone.title}: {c.statement[:80]}")


class DrillRecordForm(forms.Form):
    held_on = forms.DateField(widget=DateInput(), label="Held on")
    detect_minutes = forms.IntegerField(min_value=0, max_value=100_000,
                                        label="Minutes to detect")
    restore_minutes = forms.IntegerField(min_value=0, max_value=100_000,
                                         label="Minutes to restore")
    primary_responder = forms.ModelChoiceField(queryset=None, label="Primary responder")
    vendor_role = forms.ChoiceField(choices=[], label="The vendor's role")
    postmortem_url = forms.URLField(required=False, label="Postmortem link",
                                    assume_scheme="https")
    postmortem_file = forms.FileField(required=False, label="Or the postmortem file")

    def __init__(self, *args, people, **kwargs):
        from .models import IncidentDrill

        super().__init__(*args, **kwargs)
        self.fields["primary_responder"].queryset = people
        self.fields["primary_responder"].label_from_instance = (
            lambda p: f"{p.display_name} ({'client' if p.side == 'internal' else 'vendor'})")
        self.fields["vendor_role"].choices = IncidentDrill.VendorRole.choices
