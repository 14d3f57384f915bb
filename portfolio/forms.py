from django import forms

from engagement.models import Engagement

from .selectors import SORTS


class DashboardFilter(forms.Form):
    """The dashboard's filters and sort, from the query string (shared by page, API, export)."""

    q = forms.CharField(required=False, label="Title contains")
    format = forms.ChoiceField(required=False, choices=[("", "Any format"),
                                                        *Engagement.Format.choices])
    status = forms.ChoiceField(required=False, choices=[("", "Any status"),
                                                        *Engagement.Status.choices])
    vendor = forms.TypedChoiceField(required=False, coerce=int, empty_value=None,
                                    choices=[("", "Any vendor")])
    at_risk = forms.ChoiceField(required=False, label="Risk", choices=[
        ("", "All engagements"), ("yes", "At risk only"), ("no", "Not at risk")])
    sort = forms.ChoiceField(required=False, choices=[
        ("risk", "Most at risk first"), ("title", "Title"), ("status", "Status"),
        ("format", "Format"), ("vendor", "Vendor"), ("released", "Money released"),
        ("proven", "Capability proven"), ("score", "SOW check score"),
        ("approvals", "Open approvals"), ("independence", "Independence index")])
    order = forms.ChoiceField(required=False, choices=[("", "Default order"),
                                                       ("asc", "Ascending"),
                                                       ("desc", "Descending")])

    def __init__(self, data, *, vendors):
        super().__init__(data)
        self.fields["vendor"].choices = [("", "Any vendor"), *vendors]

    def selection(self):
        """(filters, sort, descending) from valid input; invalid input is ignored field by
        field (a stale link still shows the dashboard)."""
        self.is_valid()
        data = {k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors}
        at_risk = {"yes": True, "no": False}.get(data.get("at_risk") or "")
        filters = {"q": (data.get("q") or "").strip(), "format": data.get("format") or "",
                   "status": data.get("status") or "", "vendor": data.get("vendor"),
                   "at_risk": at_risk}
        sort = data.get("sort") if data.get("sort") in SORTS else "risk"
        descending = {"asc": False, "desc": True}.get(data.get("order") or "")
        return filters, sort, descending
