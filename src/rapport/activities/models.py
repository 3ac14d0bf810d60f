"""Activities: calls, meetings, tasks and e-mails planned for a time, one-off or recurring, with
reminders.

A recurring activity is one row, the *series*: its `recurrence` is an RFC 5545 rule expanded
from `starts_at` in the activity's own `time_zone` (activities.recurrence), and `due_at` is when
its current occurrence is due. Completing (or skipping) that occurrence splits it off as a row
of its own (`series` pointing back, status done or cancelled, its outcome) and moves the
series on to its next occurrence; completing the last one completes the series itself. So
every done occurrence is a row with its own outcome and timeline event, and the series is
always the next thing to do. `occurrence_at` is the rule's time of the current occurrence
(its RECURRENCE-ID): a rescheduled occurrence keeps it while `due_at` moves.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rapport.contacts.models import Contact
from rapport.core.models import Notification, TimeStampedModel
from rapport.sales.models import Deal
from rapport.service.models import Complaint

# The paths by which an activity belongs to someone (core.visibility): its assignee, the
# owner of its customer, and the assignee of the complaint it follows up. A sales team sees
# its customers' plans and its own assignments; whoever handles a complaint (a service agent,
# whose reach is their own) works every follow-up of it, whoever it is assigned to.
ACTIVITY_OWNERS = ("assignee", "contact__owner", "complaint__assignee")


class ActivityKind(models.TextChoices):
    CALL = "call", pgettext_lazy("activity", "Call")
    MEETING = "meeting", pgettext_lazy("activity", "Meeting")
    TASK = "task", pgettext_lazy("activity", "Task")
    EMAIL = "email", pgettext_lazy("activity", "E-mail")


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("activity", "Planned")
    DONE = "done", pgettext_lazy("activity", "Done")
    CANCELLED = "cancelled", pgettext_lazy("activity", "Cancelled")


class Activity(TimeStampedModel):
    """A piece of planned work for someone, usually with a customer."""

    kind = models.CharField(
        _("type"), max_length=10, choices=ActivityKind.choices, default=ActivityKind.CALL
    )
    subject = models.CharField(_("subject"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    # When the (current occurrence of the) activity is due; stored in UTC like every time.
    due_at = models.DateTimeField(_("due"))
    # The IANA zone the activity was planned in: its wall-clock time is kept in it (a weekly
    # 09:00 stays 09:00 across daylight saving), whoever looks at it from elsewhere.
    time_zone = models.CharField(_("time zone"), max_length=64)
    duration_minutes = models.PositiveIntegerField(_("duration, minutes"), default=0)
    assignee = models.ForeignKey(  # indexed by activity_assignee_idx
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        related_name="activities",
        db_index=False,
    )
    contact = models.ForeignKey(  # indexed by activity_contact_idx
        Contact,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
        db_index=False,
    )
    deal = models.ForeignKey(
        Deal,
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    # The complaint this activity follows up (a call back, a check that the fix held).
    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("complaint"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    # An RFC 5545 RRULE ("FREQ=WEEKLY;BYDAY=MO"), empty for a one-off activity.
    recurrence = models.CharField(_("repeats"), max_length=500, blank=True)
    starts_at = models.DateTimeField(_("series starts"), null=True, blank=True)  # DTSTART
    occurrence_at = models.DateTimeField(null=True, blank=True)  # RECURRENCE-ID
    series = models.ForeignKey(
        "self",
        verbose_name=_("series"),
        null=True,
        blank=True,
        # deleting a series keeps what was done: its past occurrences become one-offs
        on_delete=models.SET_NULL,
        related_name="past_occurrences",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ActivityStatus.choices,
        default=ActivityStatus.PLANNED,
    )
    outcome = models.TextField(_("outcome"), blank=True)
    completed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(
                fields=["assignee", "status", "due_at", "id"], name="activity_assignee_idx"
            ),
            models.Index(fields=["contact", "status", "due_at", "id"], name="activity_contact_idx"),
            models.Index(fields=["status", "due_at", "id"], name="activity_status_due_idx"),
        ]
        constraints = [
            # closed exactly when done or cancelled
            models.CheckConstraint(
                condition=Q(status=ActivityStatus.PLANNED, completed_at__isnull=True)
                | (~Q(status=ActivityStatus.PLANNED) & Q(completed_at__isnull=False)),
                name="activity_closed_when_done",
            ),
            # a series knows where its rule starts
            models.CheckConstraint(
                condition=Q(recurrence="")
                | Q(starts_at__isnull=False, occurrence_at__isnull=False),
                name="activity_series_anchored",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_recurring(self) -> bool:
        return bool(self.recurrence)

    @property
    def is_overdue(self) -> bool:
        return self.status == ActivityStatus.PLANNED and self.due_at < timezone.now()


class ActivityReminder(models.Model):
    """One reminder of an activity: `minutes_before` each occurrence is due.

    A reminder is owed for an occurrence whose reminder time is at or after `active_from`
    (when the reminder was set, or the activity last moved): one that was already past then is
    not owed, one whose time passed while nothing ran is delivered late.
    """

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="reminders")
    minutes_before = models.PositiveIntegerField(_("minutes before"))
    active_from = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-minutes_before"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "minutes_before"], name="reminder_activity_minutes_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} −{self.minutes_before} min"


class ReminderDelivery(models.Model):
    """A reminder delivered for one occurrence: at most one row per reminder and occurrence
    (the unique key is what makes delivery exactly-once when workers race)."""

    reminder = models.ForeignKey(
        ActivityReminder, on_delete=models.CASCADE, related_name="deliveries"
    )
    # When the occurrence it reminded of was due (the series' due time of that occurrence).
    occurrence_at = models.DateTimeField()
    delivered_at = models.DateTimeField(default=timezone.now)
    late = models.BooleanField(default=False)  # its time had passed while nothing ran
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["reminder", "occurrence_at"], name="delivery_reminder_occurrence_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reminder_id} @ {self.occurrence_at:%Y-%m-%dT%H:%MZ}"
