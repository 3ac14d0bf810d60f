"""Whom a campaign reaches: its segment's members as the launching user sees them, counted
before launch (eligible, no consent, capped, suppressed, no address) and snapshotted at
launch into the outbox in one INSERT … SELECT, so no contact id travels through Python."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.campaigns import config, editing, split
from rapport.campaigns.eligibility import COUNTED
from rapport.campaigns.models import (
    Campaign,
    CampaignStatus,
    CampaignTemplate,
    CampaignVariant,
    Message,
    MessageChannel,
    MessagePurpose,
    MessageStatus,
    MessengerAccount,
    SkipReason,
    Suppression,
)
from rapport.contacts.models import ConsentEvent, ConsentStatus, Contact
from rapport.segments.selectors import members_for, segments_for

LANGUAGES = [code for code, _name in settings.LANGUAGES]
# A condition no contact meets (an empty `pk__in` would empty the whole aggregate).
NOBODY = Q(pk__isnull=True)


def audience(user: Any, campaign: Campaign) -> QuerySet[Contact]:
    """The campaign's segment's members that `user` may see (none without a segment)."""
    if campaign.segment is None:
        return Contact.objects.none()
    return members_for(user, campaign.segment)


def _consented(channel: str, purpose: str) -> Exists:
    """The contact's current consent for the channel and purpose is a grant: a grant that
    nothing outranks (no later event, no withdrawal at the same instant)."""
    outranked = Exists(
        ConsentEvent.objects.filter(
            contact_id=OuterRef("contact_id"), channel=channel, purpose=purpose
        ).filter(Q(at__gt=OuterRef("at")) | Q(at=OuterRef("at"), status=ConsentStatus.WITHDRAWN))
    )
    return Exists(
        ConsentEvent.objects.filter(
            contact_id=OuterRef("pk"),
            channel=channel,
            purpose=purpose,
            status=ConsentStatus.GRANTED,
        ).filter(~outranked)
    )


def _address(channel: str) -> Q:
    if channel == MessageChannel.EMAIL:
        return ~Q(email="")
    if channel == MessageChannel.SMS:
        return ~Q(phone="")
    return Q(
        Exists(
            MessengerAccount.objects.filter(contact_id=OuterRef("pk"), opted_out_at__isnull=True)
        )
    )


def _suppressed(channel: str) -> Exists:
    if channel == MessageChannel.MESSENGER:
        accounts = MessengerAccount.objects.filter(
            contact_id=OuterRef(OuterRef("pk")), opted_out_at__isnull=True
        )
        return Exists(
            Suppression.objects.filter(channel=channel, address__in=accounts.values("external_id"))
        )
    column = "phone" if channel == MessageChannel.SMS else "email"
    return Exists(Suppression.objects.filter(channel=channel, address=Lower(OuterRef(column))))


def _at_cap(now: dt.datetime, cap: config.FrequencyCap) -> Q:
    """Contacts with as many marketing messages handed to a provider within the cap's window
    as the cap allows: one set, read once per statement, not a count per member. As a count
    per member, on a message table PostgreSQL believed empty (analyzed so), a launch's
    INSERT … SELECT scanned the table for each member, the rows the statement had inserted
    so far included: 111 s for 100k recipients at 1M contacts (2026-12-03)."""
    at_cap = (
        Message.objects.filter(
            purpose=MessagePurpose.MARKETING,
            handed_at__gte=now - cap.window,
            status__in=COUNTED,
        )
        .order_by()
        .values("contact_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=cap.limit)
        .values("contact_id")
    )
    return Q(pk__in=at_cap)


def bucket_sql(campaign_id: int, salt: int) -> Combinable:
    """`split.bucket(campaign_id, contact, salt)` as SQL over a Contact queryset's `pk`: the
    same integer arithmetic, the campaign's and salt's terms folded into one constant."""

    def mod(expression: Combinable) -> Combinable:
        return ExpressionWrapper(expression % Value(split.PRIME), output_field=BigIntegerField())

    constant = (
        (campaign_id % split.PRIME) * split.CAMPAIGN_FACTOR % split.PRIME
        + salt * split.SALT_FACTOR % split.PRIME
        + split.OFFSET
    )
    contact = mod(mod(F("pk")) * Value(split.CONTACT_FACTOR))
    seed = mod(contact + Value(constant))
    mixed = mod(mod(seed * seed) * Value(split.SECOND_FACTOR))
    mixed = mod(mixed + Value(split.SECOND_OFFSET))
    return ExpressionWrapper(mod(mixed * mixed) % Value(split.BUCKETS), BigIntegerField())


@dataclass(frozen=True)
class Fates:
    """Conditions over an audience annotated by `with_fates`: the first reason that holds
    for a member on the campaign's channel (no consent, no address, suppressed) when the
    fallback channel cannot reach them either, then capped, else `eligible`, and among the
    eligible those drawn into the holdout."""

    no_consent: Q
    no_address: Q
    suppressed: Q
    capped: Q
    eligible: Q  # would be sent: not held out
    holdout: Q  # would be sent but is held out


def with_fates(
    members: QuerySet[Contact], campaign: Campaign, now: dt.datetime
) -> tuple[QuerySet[Contact], Fates]:
    """Alias on `members` what decides each one's fate if the campaign went out at `now`."""
    consent = _consented(campaign.channel, campaign.purpose)
    address = _address(campaign.channel)
    suppressed = _suppressed(campaign.channel)
    capped_q = NOBODY
    cap = config.frequency_cap()
    if campaign.purpose == MessagePurpose.MARKETING and cap is not None:
        capped_q = _at_cap(now, cap)
    held_q = NOBODY
    if campaign.holdout_percent:
        members = members.alias(_holdout=bucket_sql(campaign.pk, split.SALT_HOLDOUT))
        held_q = Q(_holdout__lt=campaign.holdout_percent)
    members = members.alias(_consent=consent, _suppressed=suppressed)
    ok = Q(_consent=True)
    reached = ok & address
    clean = reached & Q(_suppressed=False)
    lost = Q(pk__isnull=False)  # one the first channel cannot reach: no fallback to save them
    if campaign.fallback_channel:
        # the outbox moves a message the first channel cannot reach (no consent, no address,
        # suppressed) to the fallback; the cap counts across channels, so it is checked once
        members = members.alias(
            _fallback_consent=_consented(campaign.fallback_channel, campaign.purpose),
            _fallback_suppressed=_suppressed(campaign.fallback_channel),
        )
        fallback_clean = (
            Q(_fallback_consent=True)
            & _address(campaign.fallback_channel)
            & Q(_fallback_suppressed=False)
        )
        lost = ~fallback_clean
        clean = clean | fallback_clean
    sendable = clean & ~capped_q
    return members, Fates(
        no_consent=Q(_consent=False) & lost,
        no_address=ok & ~address & lost,
        suppressed=reached & Q(_suppressed=True) & lost,
        capped=clean & capped_q,
        eligible=sendable & ~held_q,
        holdout=sendable & held_q,
    )


def campaign_preview(*, actor: Any, campaign: Campaign) -> dict[str, int]:
    """How the audience would fare if the campaign were sent now, counted in one query:
    each member under the first reason that holds on the campaign's channel (no consent, no
    address, suppressed; unless the fallback channel reaches them), then capped, else
    eligible, or holdout when the hash draws them into the holdout share (the very draw a
    launch makes, so a launch now holds out exactly `holdout` contacts)."""
    members, fates = with_fates(audience(actor, campaign).order_by(), campaign, timezone.now())
    counts = members.aggregate(
        **{name: Count("pk", filter=getattr(fates, name)) for name in PREVIEW_KEYS}
    )
    return {key: int(counts[key] or 0) for key in PREVIEW_KEYS}


PREVIEW_KEYS = ("eligible", "no_consent", "capped", "suppressed", "no_address", "holdout")


def _field(name: str) -> models.Field:
    field = Message._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


def _variant_sql(variants: list[CampaignVariant]) -> Expression:
    """Each recipient's variant id from their variant draw (aliased `_variant_bucket`), as
    `split.variant_index` picks it."""
    if not variants:
        return Value(None, output_field=BigIntegerField())
    whens, upper = [], 0
    for variant in variants[:-1]:
        upper += variant.share
        whens.append(When(Q(_variant_bucket__lt=upper), then=Value(variant.pk)))
    return Case(*whens, default=Value(variants[-1].pk), output_field=BigIntegerField())


def snapshot(*, actor: Any, campaign: Campaign, now: dt.datetime) -> int:
    """Queue one unrendered message per member `actor` may see, in one INSERT … SELECT
    (the outbox renders them when it claims them); how many rows were written.

    The holdout is drawn here too, in the same statement: a member who would be sent now
    and whom the hash puts in the holdout share gets a `skipped` row with reason `holdout`
    instead of a queued one. A row rather than a table of its own: the outbox's unique
    campaign × contact × step then says for good that this person gets nothing from this
    campaign (no retry or later enqueue can slip them a message), and the report reads both
    groups from one table. The draw is among those eligible at launch, so the holdout is
    compared with people who could have been sent to, never with the unreachable."""
    language = Case(
        When(language__in=LANGUAGES, then=F("language")),
        default=Value(settings.LANGUAGE_CODE),
        output_field=models.CharField(),
    )
    available = max(now, campaign.scheduled_at) if campaign.scheduled_at else now
    constants: dict[str, Any] = {
        "campaign_id": campaign.pk,
        "source": "",
        "step": 0,
        "channel": campaign.channel,
        "purpose": campaign.purpose,
        "subject": "",
        "body_text": "",
        "body_html": "",
        "error": "",
        "attempts": 0,
        "available_at": available,
        "lease_owner": "",
        "address": "",
        "provider_id": "",
        "created_at": now,
        "rendered": False,
    }
    columns: dict[str, Any] = {
        f"_{name}": Value(value, output_field=_field(name)) for name, value in constants.items()
    }
    selected = audience(actor, campaign).order_by()
    variants = list(campaign.variants.order_by("position", "id"))
    if variants:
        selected = selected.alias(_variant_bucket=bucket_sql(campaign.pk, split.SALT_VARIANT))
    variant = _variant_sql(variants)
    if campaign.holdout_percent:
        selected, fates = with_fates(selected, campaign, now)
        columns["_status"] = Case(
            When(fates.holdout, then=Value(MessageStatus.SKIPPED.value)),
            default=Value(MessageStatus.QUEUED.value),
            output_field=_field("status"),
        )
        columns["_reason"] = Case(
            When(fates.holdout, then=Value(SkipReason.HOLDOUT.value)),
            default=Value(""),
            output_field=_field("reason"),
        )
        if variants:
            variant = Case(When(fates.holdout, then=Value(None)), default=variant)
    else:
        columns["_status"] = Value(MessageStatus.QUEUED.value, output_field=_field("status"))
        columns["_reason"] = Value("", output_field=_field("reason"))
    columns["_variant"] = ExpressionWrapper(variant, output_field=BigIntegerField())
    rows = selected.annotate(_language=language, **columns).values_list("pk", "_language", *columns)
    sql, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    names = ["contact", "language", *(name[1:] for name in columns)]
    target = ", ".join(quote(str(_field(name).column)) for name in names)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(Message._meta.db_table)} ({target}) {sql}", params)
        return int(cursor.rowcount)


@transaction.atomic
def campaign_launch(*, actor: Any, campaign: Campaign) -> Campaign:
    """Launch: snapshot the segment's members (as `actor` sees them) into the outbox and
    start sending. A campaign launches once."""
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if locked.status not in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
        raise ValidationError(
            {
                "status": [
                    _("A campaign that is %(status)s cannot do that.")
                    % {"status": locked.get_status_display()}
                ]
            }
        )
    if locked.segment_id is None:
        raise ValidationError({"segment": [_("Choose the segment the campaign goes to.")]})
    editing.launch_content(locked)
    now = timezone.now()
    snapshot(actor=actor, campaign=locked, now=now)
    locked.status = CampaignStatus.SENDING
    locked.save(update_fields=["status", "updated_at"])
    return locked


# --- writing a campaign (API and, later, the wizard) -------------------------------------

EDITABLE = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED)
FIELDS = (
    "name",
    "goal",
    "channel",
    "fallback_channel",
    "purpose",
    "scheduled_at",
    "quiet_hours",
    "holdout_percent",
    "track",
    "cost",
)


NULLABLE = {"scheduled_at", "quiet_hours", "cost"}
ALWAYS_EDITABLE = {"cost"}  # invoices arrive after the campaign


def _apply(
    actor: Any, campaign: Campaign, data: dict[str, Any]
) -> tuple[list[CampaignTemplate] | None, list[editing.VariantDraft] | None]:
    for name in FIELDS:
        if name in data:
            value = data[name]
            if name == "fallback_channel" and value is None:
                value = ""
            if value is None and name not in NULLABLE:
                continue  # null for a field that always has a value: left as it is
            setattr(campaign, name, value)
    if "segment" in data:
        segment_id = data["segment"]
        if segment_id is not None and not segments_for(actor).filter(pk=segment_id).exists():
            raise ValidationError({"segment": [_("No such segment.")]})
        campaign.segment_id = segment_id
    if not str(campaign.name).strip():
        raise ValidationError({"name": [_("Give the campaign a name.")]})
    if campaign.cost is not None and campaign.cost < 0:
        raise ValidationError({"cost": [_("The cost cannot be negative.")]})
    if campaign.fallback_channel and campaign.fallback_channel == campaign.channel:
        raise ValidationError(
            {"fallback_channel": [_("Choose a fallback other than the channel itself.")]}
        )
    return _content(campaign, data)


def _content(
    campaign: Campaign, data: dict[str, Any]
) -> tuple[list[CampaignTemplate] | None, list[editing.VariantDraft] | None]:
    """The templates and variants given (None: not given), checked. The content is in the
    campaign's own templates or in its variants, never both."""
    given_templates, given_variants = data.get("templates"), data.get("variants")
    variants = None if given_variants is None else editing.variants_from(given_variants)
    has_variants = (
        bool(variants)
        if variants is not None
        else campaign.pk is not None and campaign.variants.exists()
    )
    if has_variants:
        if given_templates:
            raise ValidationError(
                {
                    "templates": [
                        _(
                            "This campaign's content is in its variants: give the templates "
                            "there (or no variants)."
                        )
                    ]
                }
            )
        return ([] if variants else None), variants
    if given_templates is None:
        return None, variants
    templates = editing.templates_from(given_templates)
    editing.check_templates(templates)
    return templates, variants


@transaction.atomic
def campaign_save(*, actor: Any, campaign: Campaign | None, data: dict[str, Any]) -> Campaign:
    """Create a campaign (`campaign` None) or change the fields given of a draft or
    scheduled one; `templates` or `variants`, when given, replace the campaign's."""
    if campaign is None:
        campaign = Campaign(created_by=actor)
    elif campaign.status not in EDITABLE and not set(data) <= ALWAYS_EDITABLE:
        raise ValidationError(
            {
                "status": [
                    _(
                        "Only a draft or scheduled campaign can be changed (its cost can be "
                        "corrected at any time)."
                    )
                ]
            }
        )
    templates, variants = _apply(actor, campaign, data)
    campaign.save()
    editing.save_content(campaign, templates, variants)
    return campaign
