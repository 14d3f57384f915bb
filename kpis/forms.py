from django import forms

from .models import KPI


class KPIForm(forms.ModelForm):
    class Meta:
        model = KPI
        fields = ["layer", "name", "unit", "direction", "baseline", "target", "target_date",
                  "source"]
        widgets = {"target_date": forms.DateInput(attrs={"type": "date"})}
        help_texts = {
            "name": "For example: time to retrain, internal share of merged PRs, eval pass rate.",
            "target_date": "A retainer needs a capability target due in every quarter.",
        }
