"""Stored analytics results, refreshed in batch; pages and segments read these, not raw rows."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AcquisitionMonth(models.Model):
    """One cell of the acquisition report: a month × source × UTM campaign × lead owner,
    in the reporting currency."""

    month = models.DateField()
    source_id = models.BigIntegerField(null=True)
    campaign = models.CharField(max_length=200, blank=True)
    owner_id = models.BigIntegerField(null=True)
    currency = models.CharField(max_length=3)
    leads = models.PositiveIntegerField(default=0)
    qualified = models.PositiveIntegerField(default=0)
    converted = models.PositiveIntegerField(default=0)
    deals_won = models.PositiveIntegerField(default=0)
    new_customers = models.PositiveIntegerField(default=0)
    revenue_first_touch = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    revenue_last_touch = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    revenue_linear = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("acquisition month")
        indexes = [models.Index(fields=["month"], name="acqmonth_month_idx")]

    def __str__(self) -> str:
        return f"{self.month} {self.source_id} {self.campaign}"


class AnalyticsRun(models.Model):
    """When a batch computation last ran, how long it took, and over how much data."""

    kind = models.CharField(max_length=40, unique=True)
    as_of = models.DateField()
    computed_at = models.DateTimeField()
    seconds = models.FloatField()
    rows_read = models.PositiveBigIntegerField(default=0)
    note = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} @ {self.computed_at}"
