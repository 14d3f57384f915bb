from .models import KPI


def kpis_for(*, engagement):
    return list(KPI.objects.filter(engagement=engagement))
