from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower

from core.storage import unique_upload_path


class TimeStampedModel(models.Model):
    """Abstract base: creation and last-update timestamps."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def university_logo_path(instance: University, filename: str) -> str:
    return unique_upload_path("universities", filename)


class University(TimeStampedModel):
    name = models.CharField(max_length=255, unique=True)
    description = models.TextField(blank=True)
    logo = models.ImageField(upload_to=university_logo_path, blank=True)
    website = models.URLField(max_length=500, blank=True)
    country = models.CharField(max_length=100, blank=True, db_index=True)
    city = models.CharField(max_length=100, blank=True)
    location = models.CharField(max_length=255, blank=True)
    global_rank = models.PositiveIntegerField(null=True, blank=True)
    country_rank = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "universities"
        ordering = [models.F("global_rank").asc(nulls_last=True), "name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="university_name_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(global_rank__isnull=True) | models.Q(global_rank__gte=1),
                name="university_global_rank_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(country_rank__isnull=True) | models.Q(country_rank__gte=1),
                name="university_country_rank_positive",
            ),
        ]
        indexes = [models.Index(fields=["global_rank", "name"], name="university_rank_name_idx")]

    def __str__(self) -> str:
        return self.name
