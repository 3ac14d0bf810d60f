"""Segments (a rule or a hand-made list), their members and their history of refreshes."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rapport.contacts.models import Contact
from rapport.core.models import OwnedModel, TimeStampedModel


class SegmentKind(models.TextChoices):
    DYNAMIC = "dynamic", _("Dynamic (a rule)")
    STATIC = "static", _("Static (a list)")


class Segment(TimeStampedModel, OwnedModel):
    """A group of contacts: those matching `rule` now (dynamic), or those put on the list by
    hand, from a selection or an import (static). `size` is as of the last refresh."""

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(
        _("kind"), max_length=10, choices=SegmentKind.choices, default=SegmentKind.DYNAMIC
    )
    rule = models.JSONField(_("rule"), null=True, blank=True)
    size = models.PositiveIntegerField(_("members"), null=True, blank=True)
    refreshed_at = models.DateTimeField(_("refreshed"), null=True, blank=True)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        indexes = [
            models.Index(fields=["name", "id"], name="segment_name_idx"),
            models.Index(fields=["owner", "name", "id"], name="segment_owner_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="static", rule__isnull=True)
                | Q(kind="dynamic", rule__isnull=False),
                name="segment_rule_fits_kind",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_dynamic(self) -> bool:
        return self.kind == SegmentKind.DYNAMIC


class SegmentMember(models.Model):
    """A contact in a segment: on a static list, or matching a dynamic rule at the last
    refresh (the set the next refresh compares with to say who entered and who left)."""

    segment = models.ForeignKey(
        Segment, on_delete=models.CASCADE, related_name="members", db_index=False
    )
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    since = models.DateTimeField(_("member since"))

    class Meta:
        verbose_name = _("segment member")
        verbose_name_plural = _("segment members")
        constraints = [
            models.UniqueConstraint(fields=["segment", "contact"], name="segmentmember_unique")
        ]

    def __str__(self) -> str:
        return f"{self.segment_id} ∋ {self.contact_id}"


class SegmentSnapshot(models.Model):
    """One refresh of a segment: its size then, and how many entered and left since the
    previous one (the people are SegmentChange rows)."""

    segment = models.ForeignKey(
        Segment, on_delete=models.CASCADE, related_name="snapshots", db_index=False
    )
    at = models.DateTimeField(_("time"))
    size = models.PositiveIntegerField(_("members"))
    entered = models.PositiveIntegerField(_("entered"))
    left = models.PositiveIntegerField(_("left"))

    class Meta:
        verbose_name = _("segment snapshot")
        verbose_name_plural = _("segment snapshots")
        indexes = [models.Index(fields=["segment", "-at", "-id"], name="segmentsnapshot_idx")]

    def __str__(self) -> str:
        return f"{self.segment_id} @ {self.at}: {self.size}"


class SegmentChange(models.Model):
    """A contact entering or leaving a segment (at a refresh, or added or removed by hand):
    rows, so that scenarios can react to "entered segment"."""

    class Kind(models.TextChoices):
        ENTERED = "entered", _("Entered")
        LEFT = "left", _("Left")

    segment = models.ForeignKey(
        Segment, on_delete=models.CASCADE, related_name="changes", db_index=False
    )
    snapshot = models.ForeignKey(
        SegmentSnapshot, null=True, blank=True, on_delete=models.CASCADE, related_name="changes"
    )
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("change"), max_length=8, choices=Kind.choices)
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("segment change")
        verbose_name_plural = _("segment changes")
        indexes = [models.Index(fields=["segment", "-at", "-id"], name="segmentchange_idx")]

    def __str__(self) -> str:
        return f"{self.contact_id} {self.kind} {self.segment_id}"
