"""Scenarios and their published versions, the events they react to, and each contact's runs
with the log of the steps taken."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rapport.contacts.models import Contact
from rapport.core.models import TimeStampedModel


class ScenarioStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("scenario status", "Draft")
    ACTIVE = "active", pgettext_lazy("scenario status", "Active")
    PAUSED = "paused", pgettext_lazy("scenario status", "Paused")
    ARCHIVED = "archived", pgettext_lazy("scenario status", "Archived")


class Scenario(TimeStampedModel):
    """A flow that starts for a contact when its trigger fires. `trigger` and `steps` are the
    editable draft; what runs is a published `ScenarioVersion` (runs in flight finish on the
    version they started on)."""

    name = models.CharField(pgettext_lazy("scenario", "name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ScenarioStatus.choices, default=ScenarioStatus.DRAFT
    )
    trigger = models.JSONField(_("trigger"), default=dict)
    steps = models.JSONField(_("steps"), default=list)
    # Days after a run ends before the same contact may start another (None: never again).
    reentry_days = models.PositiveIntegerField(_("re-entry after, days"), null=True, blank=True)
    holdout_percent = models.PositiveSmallIntegerField(_("holdout, percent"), default=0)
    published = models.ForeignKey(
        "ScenarioVersion",
        verbose_name=_("published version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # When it was last switched on: events that happened before do not start runs.
    active_since = models.DateTimeField(_("active since"), null=True, blank=True)
    # The ready-made scenario it was made from ("win_back"…), blank for one's own.
    template = models.CharField(_("made from"), max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("scenario")
        verbose_name_plural = _("scenarios")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(holdout_percent__lte=50), name="scenario_holdout_at_most_50"
            ),
            models.UniqueConstraint(
                fields=["template"], condition=~Q(template=""), name="scenario_template_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ScenarioVersion(models.Model):
    """A published, unchangeable copy of a scenario's trigger and steps."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    trigger = models.JSONField(_("trigger"))
    steps = models.JSONField(_("steps"))
    published_at = models.DateTimeField(_("published"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("scenario version")
        verbose_name_plural = _("scenario versions")
        ordering = ["scenario", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["scenario", "number"], name="scenario_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scenario_id} v{self.number}"


class Event(models.Model):
    """Something that happened to a contact that scenarios may react to: copied from the
    timeline, segment changes, RFM history and life events by the intake (once each: unique
    on its source row), or posted by an integrator (`POST events`). Pending until the intake
    has started the runs it triggers."""

    class Source(models.TextChoices):
        TIMELINE = "timeline", _("Timeline")
        SEGMENT = "segment", _("Segment change")
        RFM = "rfm", _("RFM segment change")
        LIFE_EVENT = "life_event", _("Life event")
        API = "api", _("API")

    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    source_id = models.BigIntegerField(null=True, blank=True)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("event"), max_length=80)
    properties = models.JSONField(_("properties"), default=dict, blank=True)
    occurred_at = models.DateTimeField(_("time"))
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=Q(source_id__isnull=False),
                name="automation_event_source_unique",
            )
        ]
        indexes = [
            models.Index(
                fields=["id"], condition=Q(processed_at__isnull=True), name="event_pending_idx"
            ),
            models.Index(fields=["contact", "-id"], name="event_contact_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} → {self.contact_id}"


class RunStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("scenario run", "Active")
    DONE = "done", pgettext_lazy("scenario run", "Done")
    EXITED = "exited", pgettext_lazy("scenario run", "Exited")
    FAILED = "failed", pgettext_lazy("scenario run", "Failed")
    CANCELLED = "cancelled", pgettext_lazy("scenario run", "Cancelled")


class Run(models.Model):
    """One contact's way through one version of a scenario. At most one active run per
    scenario and contact, and never two for the same occasion (an event, a birthday year)."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="runs")
    version = models.ForeignKey(ScenarioVersion, on_delete=models.PROTECT, related_name="runs")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    # What started it, unique per scenario and contact: "event:123", "birthday:2027"…
    occasion = models.CharField(_("occasion"), max_length=80)
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.ACTIVE
    )
    # A held-out run records that it would have started and takes no step: the baseline
    # the scenario's uplift is measured against.
    holdout = models.BooleanField(_("held out"), default=False)
    position = models.CharField(_("step"), max_length=60, blank=True)  # flow path, "2.then.0"
    due_at = models.DateTimeField(_("next step at"), null=True, blank=True)
    waiting = models.BooleanField(default=False)  # the current step is a wait that has begun
    sequence = models.PositiveSmallIntegerField(default=0)  # steps taken so far
    context = models.JSONField(default=dict, blank=True)  # promo code, survey… for later steps
    lease_owner = models.CharField(max_length=80, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(_("error"), blank=True)
    exit_reason = models.CharField(_("why it ended"), max_length=40, blank=True)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("scenario run")
        verbose_name_plural = _("scenario runs")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["scenario", "contact"],
                condition=Q(status="active"),
                name="run_one_active_per_contact",
            ),
            models.UniqueConstraint(
                fields=["scenario", "contact", "occasion"], name="run_occasion_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["due_at", "id"], condition=Q(status="active"), name="run_due_idx"),
            models.Index(fields=["contact", "-started_at"], name="run_contact_idx"),
            models.Index(fields=["scenario", "status"], name="run_scenario_status_idx"),
        ]

    def __str__(self) -> str:
        return f"run {self.pk}: {self.scenario_id} × {self.contact_id}"


class RunStep(models.Model):
    """A step a run took (once: unique per run and position, written in the same transaction
    as the step's effect), with what it did — the answer to "why did this customer get
    this message?"."""

    class Outcome(models.TextChoices):
        DONE = "done", pgettext_lazy("scenario step", "Done")
        SKIPPED = "skipped", pgettext_lazy("scenario step", "Skipped")
        FAILED = "failed", pgettext_lazy("scenario step", "Failed")

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="log")
    position = models.CharField(_("step"), max_length=60)
    kind = models.CharField(_("kind"), max_length=20)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    # What it did, as data worded when shown: {"message": 12}, {"branch": "then"}, {"code": …}
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("scenario step taken")
        verbose_name_plural = _("scenario steps taken")
        ordering = ["run", "at", "id"]
        constraints = [models.UniqueConstraint(fields=["run", "position"], name="runstep_once")]

    def __str__(self) -> str:
        return f"{self.run_id}@{self.position}: {self.outcome}"
