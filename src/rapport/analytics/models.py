"""Stored analytics results, refreshed in batch; pages and segments read these, not raw rows."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rapport.catalog.models import Product
from rapport.contacts.models import Contact
from rapport.core.money import CurrencyField


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
    """One batch computation: when it ran, as of which day, how long each step took over
    how many rows, what it left out and why, and how the statistical models fitted.

    The acquisition refresh keeps one row (kind "acquisition", updated in place); every
    customer-metrics refresh adds one (kind "customers"), so failures and timings stay
    visible on the admin site."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=40)
    as_of = models.DateField()
    computed_at = models.DateTimeField()
    seconds = models.FloatField()
    rows_read = models.PositiveBigIntegerField(default=0)
    note = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DONE)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    customers = models.PositiveIntegerField(default=0)
    # [{"step", "seconds", "cpu_seconds", "rows"}] in the order the steps ran
    steps = models.JSONField(default=list, blank=True)
    # [{"code", "params"}]: what was left out or could not be computed (worded when shown)
    warnings = models.JSONField(default=list, blank=True)
    # {"bgnbd": {"ok", "params", "log_likelihood", "customers", "seconds", "reason", ...}, …}
    fits = models.JSONField(default=dict, blank=True)
    # [{"currency", "rate", "valid_from", "orders"}]: the exchange rates the run applied
    rates = models.JSONField(default=list, blank=True)
    # the analytics settings the run used (config.AnalyticsSettings.as_json)
    settings = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("analytics run")
        indexes = [models.Index(fields=["kind", "-computed_at"], name="analyticsrun_kind_idx")]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.computed_at}"


class ExchangeRate(models.Model):
    """How much one unit of `currency` is worth in the reporting currency
    (settings.RAPPORT_DEFAULT_CURRENCY) from `valid_from` on, until the next rate of the same
    currency. An order is converted with the rate valid on its day; an order older than a
    currency's first rate has no rate and is left out of the analytics (the refresh says how
    many)."""

    currency = CurrencyField(_("currency"))
    rate = models.DecimalField(
        _("rate"),
        max_digits=18,
        decimal_places=8,
        help_text=_("Units of the reporting currency for one unit of this currency."),
    )
    valid_from = models.DateField(_("valid from"))

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "valid_from"], name="exchangerate_currency_day_unique"
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchangerate_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.rate} ({self.valid_from})"

    def clean(self) -> None:
        if self.currency == settings.RAPPORT_DEFAULT_CURRENCY:
            raise ValidationError(
                {"currency": _("This is the reporting currency; it needs no rate.")}
            )


class CustomerMetrics(models.Model):
    """A customer's figures as of the last refresh: one row per contact with at least one
    counted purchase (booked or paid, in the reporting currency). Nulls where a model could
    not say (too little data, a fit that did not converge): never NaN. Money is in
    `currency`, the reporting currency of the run."""

    contact = models.OneToOneField(
        Contact, primary_key=True, on_delete=models.CASCADE, related_name="metrics"
    )
    as_of = models.DateField()
    computed_at = models.DateTimeField()
    currency = models.CharField(max_length=3)
    orders = models.PositiveIntegerField(default=0)
    first_purchase = models.DateField()
    last_purchase = models.DateField()
    recency_days = models.PositiveIntegerField()
    frequency = models.PositiveIntegerField()  # repeat purchase days
    T_days = models.PositiveIntegerField()
    total_revenue = models.DecimalField(max_digits=16, decimal_places=2)
    monetary = models.DecimalField(max_digits=16, decimal_places=2)
    r_score = models.PositiveSmallIntegerField(null=True)
    f_score = models.PositiveSmallIntegerField(null=True)
    m_score = models.PositiveSmallIntegerField(null=True)
    rfm_segment = models.CharField(max_length=30, blank=True)
    abc_class = models.CharField(max_length=1, blank=True)
    xyz_class = models.CharField(max_length=1, blank=True)
    p_alive = models.FloatField(null=True)
    expected_purchases_90d = models.FloatField(null=True)
    expected_purchases_365d = models.FloatField(null=True)
    expected_order_value = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    clv_365d = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    churn_risk = models.FloatField(null=True)
    # The reasons are stored as their parts, not as JSON: 280 of a row's 480 bytes were the
    # two JSON texts (their keys, and figures the row already holds), and every byte is
    # staged, copied, committed and checkpointed for a million customers each night
    # (measured on the 1M set: writing the table took 5.0-5.5 s narrow against 7.0-8.0 s).
    # `churn_reason` and `next_best_offer_reason` put them together again.
    churn_reason_code = models.CharField(
        max_length=12, blank=True, db_default=""
    )  # maths.churn's reason
    usual_interval_days = models.FloatField(null=True)  # the customer's usual gap (or typical)
    interval_source = models.CharField(
        max_length=8, blank=True, db_default=""
    )  # "own" or "typical"
    next_best_offer = models.ForeignKey(
        Product, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    # what the offer is (a destination or a product's name) and what it follows from
    offer_label = models.CharField(max_length=200, blank=True, db_default="")
    offer_because_of = models.CharField(max_length=200, blank=True, db_default="")
    offer_confidence = models.FloatField(null=True)
    offer_lift = models.FloatField(null=True)
    offer_customers = models.PositiveIntegerField(null=True)
    # The contacts this customer referred (Contact.referred_by) who have a counted purchase,
    # and what those customers bought (their total_revenue, summed)
    # (database defaults too: bulk writers that predate them need not name them)
    referred_customers = models.PositiveIntegerField(default=0, db_default=0)
    referred_revenue = models.DecimalField(max_digits=16, decimal_places=2, default=0, db_default=0)

    class Meta:
        verbose_name = _("customer metrics")
        verbose_name_plural = _("customer metrics")
        # The contact list filters and sorts by these at a million customers.
        indexes = [
            models.Index(fields=["rfm_segment"], name="custmetrics_segment_idx"),
            models.Index(fields=["abc_class", "xyz_class"], name="custmetrics_abcxyz_idx"),
            models.Index(fields=["-clv_365d"], name="custmetrics_clv_idx"),
            models.Index(fields=["-churn_risk"], name="custmetrics_churn_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} @ {self.as_of}"

    @property
    def churn_reason(self) -> dict[str, Any] | None:
        """Why the churn risk is what it is: {"code", "params"} (`labels.churn_text` words
        it), the figures rounded as shown."""
        if not self.churn_reason_code:
            return None
        interval = self.usual_interval_days
        ratio = self.recency_days / interval if interval else None
        return {
            "code": self.churn_reason_code,
            "params": {
                "days_since_last": self.recency_days,
                "usual_interval_days": _rounded(interval, 1),
                "interval_source": self.interval_source or None,
                "overdue_ratio": _rounded(ratio, 2),
                "p_alive": _rounded(self.p_alive, 3),
            },
        }

    @property
    def next_best_offer_reason(self) -> dict[str, Any] | None:
        """Why the next-best offer: {"code": "also_bought", "params"} (`labels.offer_text`)."""
        if self.offer_lift is None:
            return None
        return {
            "code": "also_bought",
            "params": {
                "because_of_label": self.offer_because_of,
                "offer_label": self.offer_label,
                "confidence": _rounded(self.offer_confidence, 4),
                "lift": _rounded(self.offer_lift, 3),
                "customers": self.offer_customers,
            },
        }


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


class ProductMetrics(models.Model):
    """A product's sales in the ABC/XYZ window (the last complete months before as_of) and
    its classes, as of the last refresh."""

    product = models.OneToOneField(
        Product, primary_key=True, on_delete=models.CASCADE, related_name="metrics"
    )
    as_of = models.DateField()
    computed_at = models.DateTimeField()
    currency = models.CharField(max_length=3)
    revenue = models.DecimalField(max_digits=16, decimal_places=2)
    orders = models.PositiveIntegerField(default=0)
    customers = models.PositiveIntegerField(default=0)
    abc_class = models.CharField(max_length=1, blank=True)
    xyz_class = models.CharField(max_length=1, blank=True)
    variation = models.FloatField(null=True)  # coefficient of variation of revenue per period

    class Meta:
        verbose_name = _("product metrics")
        verbose_name_plural = _("product metrics")

    def __str__(self) -> str:
        return f"{self.product_id} @ {self.as_of}"


class RfmSegmentHistory(models.Model):
    """A customer's stay in an RFM segment: entered on `entered_on` (the as-of day of the
    refresh that first put them there), left on `left_on` (null: still in it). Later work
    triggers on "entered At risk" from these rows."""

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="rfm_history", db_index=False
    )
    rfm_segment = models.CharField(max_length=30)
    entered_on = models.DateField()
    left_on = models.DateField(null=True)

    class Meta:
        verbose_name = _("RFM segment history")
        verbose_name_plural = _("RFM segment history")
        constraints = [
            models.UniqueConstraint(
                fields=["contact"],
                condition=Q(left_on__isnull=True),
                name="rfmhistory_one_open_stay",
            )
        ]
        indexes = [
            models.Index(fields=["contact", "entered_on"], name="rfmhistory_contact_idx"),
            models.Index(fields=["rfm_segment", "entered_on"], name="rfmhistory_segment_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id}: {self.rfm_segment} {self.entered_on}–{self.left_on or ''}"


class ReportSnapshot(models.Model):
    """A report as the last refresh computed it, for one audience: `scope` is "all" (the
    whole business), "team:<id>" or "user:<id>" (a sales manager without a team) — the
    customers whose owner belonged there at the refresh. Pages and the API render the
    payload; they compute nothing on read."""

    report = models.CharField(max_length=30)  # rfm, abc-xyz, cohorts, forecast, clv
    variant = models.CharField(max_length=100, blank=True)  # e.g. "products", "revenue:12"
    scope = models.CharField(max_length=30)
    as_of = models.DateField()
    computed_at = models.DateTimeField()
    payload = models.JSONField()

    class Meta:
        verbose_name = _("report snapshot")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "variant", "scope"], name="reportsnapshot_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.report} {self.variant} {self.scope}"


class CrossSellPair(models.Model):
    """Customers who bought `product` also bought `also_bought`, in one scope (as in
    ReportSnapshot). `basis`: "basket" (in the same order) or "customer" (any time)."""

    scope = models.CharField(max_length=30)
    basis = models.CharField(max_length=10)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    also_bought = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    support = models.FloatField()
    confidence = models.FloatField()
    lift = models.FloatField()
    customers = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("cross-sell pair")
        indexes = [
            models.Index(fields=["scope", "basis", "product", "-lift"], name="crosssell_idx")
        ]

    def __str__(self) -> str:
        return f"{self.product_id} → {self.also_bought_id} ({self.basis})"
