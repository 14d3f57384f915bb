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
