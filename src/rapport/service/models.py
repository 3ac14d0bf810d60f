"""Complaints with their SLA, status history and root causes; the service set-up
(categories, causes, SLA policies, business hours, holidays); and surveys sent to customers."""

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rapport.catalog.models import Product
from rapport.contacts.models import Contact
from rapport.core.models import TimeStampedModel
from rapport.sales.models import Order
from rapport.timeline.models import Interaction


class Severity(models.TextChoices):
    LOW = "low", pgettext_lazy("severity", "Low")
    NORMAL = "normal", pgettext_lazy("severity", "Normal")
    HIGH = "high", pgettext_lazy("severity", "High")
    CRITICAL = "critical", pgettext_lazy("severity", "Critical")


class ComplaintStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("complaint", "New")
    IN_PROGRESS = "in_progress", pgettext_lazy("complaint", "In progress")
    WAITING = "waiting", pgettext_lazy("complaint", "Waiting for customer")
    RESOLVED = "resolved", pgettext_lazy("complaint", "Resolved")
    CLOSED = "closed", pgettext_lazy("complaint", "Closed")


# Statuses in which the SLA clock runs (the complaint still needs the business).
OPEN_STATUSES = (ComplaintStatus.NEW, ComplaintStatus.IN_PROGRESS, ComplaintStatus.WAITING)
DONE_STATUSES = (ComplaintStatus.RESOLVED, ComplaintStatus.CLOSED)


class ComplaintChannel(models.TextChoices):
    """How the complaint reached the business (the timeline's channels people use)."""

    PHONE = "phone", _("Phone call")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    MESSENGER = "messenger", _("Messenger")
    MEETING = "meeting", _("Meeting")
    VISIT = "visit", _("Office visit")
    WEB = "web", _("Website")
    CHATBOT = "chatbot", _("Chat-bot")
    SOCIAL = "social", _("Social network")
    API = "api", _("Another system (API)")


class ComplaintCategory(models.Model):
    """What a complaint is about ("Hotel", "Transfer", "Refund"); admin-editable. A category
    in use is retired (inactive) rather than deleted, so old complaints keep theirs."""

    name = models.CharField(pgettext_lazy("category", "name"), max_length=100, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("complaint category")
        verbose_name_plural = _("complaint categories")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RootCause(models.Model):
    """Why a complaint happened, from a taxonomy the administrator keeps: a few top-level
    causes ("Supplier", "Our process") with specific ones under them ("Hotel overbooked").
    Inactive causes stay on old complaints but cannot be chosen for new resolutions."""

    name = models.CharField(pgettext_lazy("root cause", "name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("under"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("root cause")
        verbose_name_plural = _("root causes")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="rootcause_parent_name_unique"),
            models.UniqueConstraint(
                fields=["name"], condition=Q(parent__isnull=True), name="rootcause_top_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """ "Supplier › Hotel overbooked" (reads the parent: select it with the cause)."""
        return f"{self.parent.name} › {self.name}" if self.parent else self.name


class SlaPolicy(models.Model):
    """How fast a complaint of one severity must be answered and resolved."""

    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, unique=True)
    first_response_minutes = models.PositiveIntegerField(
        _("first response within, minutes"), validators=[MinValueValidator(1)]
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution within, minutes"), validators=[MinValueValidator(1)]
    )
    # Critical complaints may run round the clock instead of counting opening hours only.
    business_hours_only = models.BooleanField(_("count business hours only"), default=True)
    warning_percent = models.PositiveSmallIntegerField(
        _("warn at, percent of the time"),
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(warning_percent__gte=1, warning_percent__lte=99),
                name="slapolicy_warning_percent",
            ),
            models.CheckConstraint(
                condition=Q(resolution_minutes__gte=models.F("first_response_minutes")),
                name="slapolicy_resolution_after_response",
            ),
        ]

    def __str__(self) -> str:
        return self.get_severity_display()


class BusinessHours(models.Model):
    """The business's opening hours on one weekday (a weekday without a row is closed),
    wall-clock times in the site's time zone."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices, unique=True)
    opens = models.TimeField(_("opens"))
    # None: open until midnight
    closes = models.TimeField(_("closes"), null=True, blank=True)

    class Meta:
        verbose_name = _("business hours")
        verbose_name_plural = _("business hours")
        ordering = ["weekday"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes or '24:00'}"

    @property
    def window(self) -> tuple[int, int]:
        """(from, to) in minutes after midnight, as rapport.service.sla reads it."""
        end = self.closes.hour * 60 + self.closes.minute if self.closes else 24 * 60
        return self.opens.hour * 60 + self.opens.minute, end


class Holiday(models.Model):
    """A day the business is closed; `every_year` repeats it on the same day each year."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(pgettext_lazy("holiday", "name"), max_length=100, blank=True)
    every_year = models.BooleanField(_("every year"), default=False)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class Complaint(TimeStampedModel):
    """A customer's complaint, worked to resolution under an SLA. Visible to whoever may see
    its customer (the owner's team) and to everyone who works complaints."""

    contact = models.ForeignKey(
        Contact,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,  # erasing a person erases what they told us
        related_name="complaints",
        db_index=False,  # indexed by complaint_contact_idx
    )
    order = models.ForeignKey(
        Order,
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
    )
    # The logged call, message or visit in which the customer complained, when registered
    # from the timeline ("this call was a complaint").
    interaction = models.ForeignKey(
        Interaction,
        verbose_name=_("registered from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # indexed by complaint_interaction_unique
    )
    channel = models.CharField(
        _("channel"), max_length=12, choices=ComplaintChannel.choices, default="phone"
    )
    category = models.ForeignKey(
        ComplaintCategory,
        verbose_name=pgettext_lazy("complaint", "category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.NORMAL
    )
    description = models.TextField(_("description"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ComplaintStatus.choices, default=ComplaintStatus.NEW
    )
    # Deadlines from the severity's SLA policy (none without a policy), and the moments the
    # assignee is warned that they approach.
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True)
    first_response_warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When the resolution clock started: at registration, or at the last reopening.
    clock_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    first_responded_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # Set once a deadline passed unmet (by the SLA check or when the complaint is answered
    # or resolved late); it stays set after a late resolution: the promise was broken.
    breached = models.BooleanField(_("SLA breached"), default=False)
    root_cause = models.ForeignKey(  # indexed by complaint_cause_idx
        RootCause,
        verbose_name=_("root cause"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        db_index=False,
    )
    resolution = models.TextField(_("resolution"), blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [
            models.Index(fields=["contact", "-created_at", "-id"], name="complaint_contact_idx"),
            models.Index(fields=["-created_at", "-id"], name="complaint_created_idx"),
            models.Index(fields=["status", "-created_at", "-id"], name="complaint_status_idx"),
            models.Index(fields=["root_cause", "created_at"], name="complaint_cause_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="complaint_satisfaction_1_5",
            ),
            # One complaint per logged call or message ("this call was a complaint").
            models.UniqueConstraint(
                fields=["interaction"],
                condition=Q(interaction__isnull=False),
                name="complaint_interaction_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def overdue(self, now: dt.datetime | None = None) -> bool:
        """A deadline has passed unmet (whether or not the SLA check has marked it yet)."""
        now = now or timezone.now()
        if not self.is_open:
            return False
        answer_late = (
            self.first_responded_at is None
            and self.first_response_due is not None
            and self.first_response_due <= now
        )
        return answer_late or (self.resolution_due is not None and self.resolution_due <= now)

    def is_breached(self, now: dt.datetime | None = None) -> bool:
        return self.breached or self.overdue(now)

    @property
    def next_due(self) -> dt.datetime | None:
        """The deadline the assignee works to now: the first response until it is made,
        then the resolution; none once the complaint is resolved."""
        if not self.is_open:
            return None
        if self.first_responded_at is None and self.first_response_due is not None:
            return self.first_response_due
        return self.resolution_due


def breached_q(now: dt.datetime) -> Q:
    """Complaints whose SLA is breached at `now`: marked so, or open past a deadline (the
    list's `breached` filter is right between two runs of the SLA check)."""
    open_ = Q(status__in=OPEN_STATUSES)
    late_answer = Q(first_responded_at__isnull=True, first_response_due__lte=now)
    late_resolution = Q(resolution_due__lte=now)
    return Q(breached=True) | (open_ & (late_answer | late_resolution))


class ComplaintStatusChange(models.Model):
    """One step of a complaint's workflow: who moved it from which status to which, when."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(
        _("from"), max_length=12, choices=ComplaintStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=12, choices=ComplaintStatus.choices)
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("complaint status change")
        verbose_name_plural = _("complaint status changes")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.from_status} → {self.to_status}"


class ExitReason(models.TextChoices):
    """Why a customer stopped buying from us, as the exit survey asks it; the lost-customer
    report groups the answers by it."""

    PRICE = "price", pgettext_lazy("exit reason", "The price")
    SERVICE = "service", pgettext_lazy("exit reason", "The quality of service")
    COMPLAINT = "complaint", pgettext_lazy("exit reason", "A bad experience or a complaint")
    COMPETITOR = "competitor", pgettext_lazy("exit reason", "I went to another agency")
    NO_PLANS = (
        "no_plans",
        pgettext_lazy("exit reason", "No travel plans, or my circumstances changed"),
    )
    MOVED = "moved", pgettext_lazy("exit reason", "I moved away")
    OTHER = "other", pgettext_lazy("exit reason", "Other")


class Survey(models.Model):
    """A question sent to a customer, answered once at a public signed-token page.

    Generic on purpose: `kind` says what is asked and `subject` what it is about (the
    complaint of a satisfaction survey, the order of a trip's feedback; the customer themself
    for an exit or a recommendation survey). `score` is a 1–5 answer (satisfaction, the trip,
    "would you come back?"), `nps` the 0–10 "would you recommend us?" and `reason` the exit
    survey's answer.
    """

    class Kind(models.TextChoices):
        COMPLAINT_CSAT = "complaint_csat", _("Satisfaction with a complaint's handling")
        EXIT = "exit", _("Exit survey: why the customer left")
        TRIP_FEEDBACK = "trip_feedback", _("Feedback on a trip")
        NPS = "nps", _("Would recommend us (NPS)")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    contact = models.ForeignKey(
        Contact, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    subject_id = models.BigIntegerField()
    language = models.CharField(_("language"), max_length=8, blank=True)
    sent_to = models.CharField(_("sent to"), max_length=254, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(
        _("score"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    nps = models.PositiveSmallIntegerField(
        _("would recommend, 0–10"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )
    reason = models.CharField(
        pgettext_lazy("exit survey", "reason"),
        max_length=12,
        choices=ExitReason.choices,
        blank=True,
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="survey_subject_idx"),
            models.Index(fields=["kind", "created_at"], name="survey_kind_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5),
                name="survey_score_1_5",
            ),
            models.CheckConstraint(
                condition=Q(nps__isnull=True) | Q(nps__gte=0, nps__lte=10),
                name="survey_nps_0_10",
            ),
            # One open survey of a kind per customer and subject: asking again (a scenario
            # run twice) reuses it. A complaint asks anew after each resolution instead.
            models.UniqueConstraint(
                fields=["kind", "contact", "subject_type", "subject_id"],
                condition=Q(answered_at__isnull=True) & ~Q(kind="complaint_csat"),
                name="survey_open_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"
