from django.db.models import QuerySet

from core.models import University


def university_list(*, country: str | None = None) -> QuerySet[University]:
    """Ordered by global rank (unranked last), then name."""
    queryset = University.objects.all()
    if country:
        queryset = queryset.filter(country__iexact=country.strip())
    return queryset
