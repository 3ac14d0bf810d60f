"""Building blocks every domain app uses: timestamps, ownership, the audit log, and the runs of
periodic jobs."""

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Adds creation and last-change times (timezone-aware)."""

    # Not indexed alone: models sorted by it index (created_at, id) or (owner, created_at, id),
    # which serve every query a lone created_at index would.
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class OwnedModel(models.Model):
    """A record with a responsible user; visibility rules read `owner`."""

    # Not indexed alone: each model indexes owner with its list order, (owner, created_at, id)
    # or (owner, name, id), which answers "rows of these owners" as well.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    """One change to a record holding personal data: who, when, what (field → [old, new])."""

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("updated")
        DELETE = "delete", _("deleted")
        MERGE = "merge", _("merged")
        CONSENT = "consent", _("consent changed")

    content_type = models.ForeignKey(  # indexed by audit_object_idx
        ContentType, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    object_id = models.BigIntegerField()
    # The contact the change concerns, so one contact's whole trail (emails, phones, consents,
    # relations) reads with one indexed query.
    subject_contact_id = models.BigIntegerField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    changes = models.JSONField(default=dict, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["content_type", "object_id", "-at"], name="audit_object_idx"),
            models.Index(fields=["subject_contact_id", "-at"], name="audit_contact_idx"),
        ]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"


class IdempotencyRecord(models.Model):
    """The first response to an API write sent with an `Idempotency-Key` header."""

    user = models.ForeignKey(  # indexed by idempotency_user_key_unique
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"


class RateLimitBucket(models.Model):
    """Hits of one key (say, an IP hash on a public form) within one fixed time window."""

    key = models.CharField(max_length=100)
    window_start = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="ratelimit_key_window")
        ]
        indexes = [models.Index(fields=["window_start"], name="ratelimit_window_idx")]

    def __str__(self) -> str:
        return f"{self.key}@{self.window_start}: {self.hits}"


class ThrottleEvent(models.Model):
    """One event a throttle counts (a failed sign-in), under a hashed key, with its time.

    Kept as rows rather than fixed-window counters because growing delays need the time of
    the last event and "N within the last 15 minutes" needs a sliding window.
    """

    key = models.CharField(max_length=100)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["key", "at"], name="throttle_key_at_idx")]

    def __str__(self) -> str:
        return f"{self.key}@{self.at}"


class ImportKind(models.TextChoices):
    CONTACTS = "contacts", _("Contacts")
    LEADS = "leads", _("Leads")
    ORDERS = "orders", _("Orders")
    PRODUCTS = "products", _("Products")
    SEGMENT_MEMBERS = "segment_members", _("Segment members")


class ImportJob(TimeStampedModel):
    """One uploaded file being imported: its options, progress and per-row error report."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Checking")
        WRITING = "writing", _("Writing")
        DONE = "done", _("Imported")
        REJECTED = "rejected", _("Not imported: the file has errors")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("what"), max_length=20, choices=ImportKind.choices)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    dry_run = models.BooleanField(_("dry run"), default=False)
    skip_invalid = models.BooleanField(_("skip invalid rows"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows checked"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    # [[row, column, message], ...], capped; `error_count` has the full number.
    errors = models.JSONField(_("error report"), default=list, blank=True)
    details = models.JSONField(default=dict, blank=True)  # encoding, delimiter, ignored columns
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="importjob_user_idx")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.original_name}"

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status in {self.Status.DONE, self.Status.REJECTED} else 0
        return min(100, self.processed_rows * 100 // self.total_rows)


class ImportMapping(models.Model):
    """A user's saved column mapping for one kind of import: {"column header": "field"}."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="importmapping_user_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}/{self.kind}"


class Notification(models.Model):
    """One message to one user inside Rapport (the bell): a reminder that is due, a complaint
    past its deadline. Stored as a kind and its parameters and worded when shown, in the
    reader's language (core.notifications holds the renderers and the one writer, `notify`).
    """

    user = models.ForeignKey(  # indexed by notification_user_idx
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    kind = models.CharField(max_length=64)
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=500, blank=True)
    # What makes it once-only: the writer names the event ("reminder:12:2026-12-01T09:00Z");
    # a second writer racing for the same event inserts nothing.
    key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # E-mail copy: wanted when the user has an address; claimed by the one sender that gets
    # it (at most once: a sender killed after claiming never sends a second copy).
    email_wanted = models.BooleanField(default=False)
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="notification_user_idx")
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.user_id}"


class JobRun(models.Model):
    """One run of a periodic job (core/schedule.py) for one time slot.

    Unique per (job, slot): the worker whose INSERT lands first runs the slot, any other
    worker's insert fails, so a slot runs once however many workers race for it. The row then
    carries the run's attempts: a worker holds a lease while it runs the job and renews it; a
    run whose lease ran out (its worker died) is taken over by another worker as the next
    attempt. Runs started by hand (`rapport jobs run`, the jobs page) are `manual` and have a
    slot of their own (the moment they were asked for).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        RETRYING = "retrying", _("Waiting to retry")
        FAILED = "failed", _("Failed")

    job = models.CharField(_("job"), max_length=100)
    slot = models.DateTimeField(_("time slot"))
    manual = models.BooleanField(_("started by hand"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    # Slots of the job that passed while nothing ran and are covered by this run.
    skipped_slots = models.PositiveIntegerField(_("missed slots"), default=0)
    # Attempts cut off because their worker stopped (the lease ran out) and taken over.
    interrupted = models.PositiveSmallIntegerField(_("interrupted attempts"), default=0)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)  # this attempt
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    worker = models.CharField(max_length=64, blank=True)  # who holds the lease
    lease_until = models.DateTimeField(null=True, blank=True)  # while running
    retry_at = models.DateTimeField(_("next attempt"), null=True, blank=True)  # while retrying
    error = models.TextField(_("error"), blank=True)  # the last failed attempt's traceback
    result = models.JSONField(_("result"), null=True, blank=True)  # what the job returned

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        constraints = [
            models.UniqueConstraint(fields=["job", "slot"], name="jobrun_job_slot_unique")
        ]
        # The unique index answers "this job's runs, latest first"; this one finds the runs a
        # worker may take over (retries due, leases run out) among the few unfinished ones.
        indexes = [models.Index(fields=["status", "job"], name="jobrun_status_idx")]
        ordering = ["-slot", "-id"]

    def __str__(self) -> str:
        return f"{self.job}@{self.slot:%Y-%m-%d %H:%M:%S}: {self.status}"

    @property
    def duration(self) -> dt.timedelta | None:
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None

    @property
    def error_line(self) -> str:
        """The traceback's last line: the exception and its message."""
        lines = self.error.strip().splitlines()
        return lines[-1] if lines else ""
