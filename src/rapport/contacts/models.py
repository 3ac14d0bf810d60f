"""People and companies, their channels, relations, life events, consents and custom fields."""

from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Func, Q, SmallIntegerField, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rapport.core.models import OwnedModel, TimeStampedModel


class LifecycleStage(models.TextChoices):
    PROSPECT = "prospect", pgettext_lazy("lifecycle stage", "Prospect")
    LEAD = "lead", pgettext_lazy("lifecycle stage", "Lead")
    CUSTOMER = "customer", pgettext_lazy("lifecycle stage", "Customer")
    LOST = "lost", pgettext_lazy("lifecycle stage", "Lost")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")


class MonthDay(Func):
    """A date's yearly key, month × 100 + day (`contacts.yearly`), in SQL that an index can
    hold: on SQLite from the ISO text Django stores ('1980-06-15' → 615; no strftime, whose
    '%' would need escaping differently in a query and in the index's DDL), EXTRACT on
    PostgreSQL. Django's Extract functions would not do: on SQLite they call a Python
    function, which an index cannot."""

    arity = 1
    output_field = SmallIntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        template = "CAST(substr(%(expressions)s, 6, 2) || substr(%(expressions)s, 9, 2) AS INTEGER)"
        return super().as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        template = (
            "(EXTRACT(MONTH FROM %(expressions)s) * 100 + EXTRACT(DAY FROM %(expressions)s))"
            "::smallint"
        )
        return super().as_sql(compiler, connection, template=template, **extra)


class Tag(models.Model):
    """A label for interests and preferences ("beach", "ski", "travels with kids")."""

    name = models.CharField(pgettext_lazy("tag", "name"), max_length=60, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Company(TimeStampedModel, OwnedModel):
    """A business customer (account) and the people who work there."""

    name = models.CharField(pgettext_lazy("company", "name"), max_length=200)
    website = models.CharField(_("website"), max_length=200, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    external_id = models.CharField(_("external id"), max_length=100, null=True, blank=True)
    custom = models.JSONField(_("custom attributes"), default=dict, blank=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        constraints = [
            models.UniqueConstraint(fields=["external_id"], name="company_external_id_unique")
        ]
        indexes = [
            models.Index(fields=["name", "id"], name="company_name_idx"),
            models.Index(fields=["owner", "name", "id"], name="company_owner_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(TimeStampedModel, OwnedModel):
    """A person the business sells to. `email` and `phone` mirror the primary entries."""

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    middle_name = models.CharField(_("middle name"), max_length=100, blank=True)
    email = models.CharField(_("email"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    language = models.CharField(_("preferred language"), max_length=8, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    lifecycle_stage = models.CharField(
        _("lifecycle stage"),
        max_length=10,
        choices=LifecycleStage.choices,
        default=LifecycleStage.PROSPECT,
    )
    source = models.CharField(_("source"), max_length=100, blank=True)
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="+")
    # Who recommended the business to them (loyal customers bring their friends); never
    # themselves and never in a circle (services.referrals checks). Analytics sums what
    # each referrer's referred customers bought.
    referred_by = models.ForeignKey(
        "self",
        verbose_name=_("referred by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
    )
    notes = models.TextField(_("notes"), blank=True)
    external_id = models.CharField(_("external id"), max_length=100, null=True, blank=True)
    custom = models.JSONField(_("custom attributes"), default=dict, blank=True)
    # Optimistic versioning: an edit based on an older version is refused, not silently lost.
    version = models.PositiveIntegerField(default=1)
    # PostgreSQL: the contact's search terms, " term term …" (search.write_index writes it).
    # A broad search walks the list's own index and tests this on each row it meets, in the
    # row: 0.8 µs a row against 140 µs for a lookup in SearchTerm (EXPLAIN ANALYZE, 50k
    # contacts). NULL on SQLite, whose FTS5 table holds the same document.
    search_document = models.TextField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(fields=["external_id"], name="contact_external_id_unique"),
            models.UniqueConstraint(
                fields=["email"], condition=~Q(email=""), name="contact_primary_email_unique"
            ),
        ]
        indexes = [
            # Keyset pagination for the default sort (newest first), overall and per owner.
            # On PostgreSQL the first also holds the owner and the search document (migration
            # 0013), so that a search walking it reads no table row for what it skips.
            models.Index(fields=["-created_at", "-id"], name="contact_created_idx"),
            models.Index(fields=["owner", "-created_at", "-id"], name="contact_owner_created_idx"),
            models.Index(fields=["last_name", "first_name", "id"], name="contact_name_idx"),
            models.Index(fields=["phone"], name="contact_phone_idx"),
            models.Index(fields=["city"], name="contact_city_idx"),
            models.Index(fields=["lifecycle_stage"], name="contact_stage_idx"),
            # Birthdays by day of the year (selectors.birthdays_between): an index on the
            # expression, not a stored column, so no table is rewritten to add it.
            models.Index(
                MonthDay("birth_date"),
                condition=Q(birth_date__isnull=False),
                name="contact_birthday_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


class ContactEmail(models.Model):
    """One of a contact's e-mail addresses, lower-cased; exactly one is primary."""

    class Kind(models.TextChoices):
        PERSONAL = "personal", _("Personal")
        WORK = "work", _("Work")
        OTHER = "other", _("Other")

    # Indexed by contact_email_unique (contact, email), as every FK below marked db_index=False
    # is by a composite index that starts with it: a second index only slows writes.
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="emails", db_index=False
    )
    email = models.CharField(_("email"), max_length=254)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PERSONAL)
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        verbose_name = _("email address")
        verbose_name_plural = _("email addresses")
        constraints = [
            models.UniqueConstraint(fields=["contact", "email"], name="contact_email_unique"),
            models.UniqueConstraint(
                fields=["contact"], condition=Q(is_primary=True), name="contact_one_primary_email"
            ),
        ]
        indexes = [models.Index(fields=["email"], name="contactemail_email_idx")]
        ordering = ["-is_primary", "id"]

    def __str__(self) -> str:
        return self.email


class ContactPhone(models.Model):
    """One of a contact's phone numbers in E.164; exactly one is primary."""

    class Kind(models.TextChoices):
        MOBILE = "mobile", _("Mobile")
        HOME = "home", _("Home")
        WORK = "work", _("Work")
        OTHER = "other", _("Other")

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="phones", db_index=False
    )
    number = models.CharField(_("phone"), max_length=20)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.MOBILE)
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")
        constraints = [
            models.UniqueConstraint(fields=["contact", "number"], name="contact_phone_unique"),
            models.UniqueConstraint(
                fields=["contact"], condition=Q(is_primary=True), name="contact_one_primary_phone"
            ),
        ]
        indexes = [models.Index(fields=["number"], name="contactphone_number_idx")]
        ordering = ["-is_primary", "id"]

    def __str__(self) -> str:
        return self.number


class SearchTerm(models.Model):
    """A case-folded word of a contact's names, e-mails or phones, for prefix search at scale."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    term = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["term", "contact"], name="searchterm_term_idx")]

    def __str__(self) -> str:
        return self.term


class RelationKind(models.TextChoices):
    SPOUSE = "spouse", _("Spouse / partner")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    SIBLING = "sibling", _("Sibling")
    RELATIVE = "relative", _("Relative")
    COLLEAGUE = "colleague", _("Colleague")
    FRIEND = "friend", _("Friend")


# How the same tie reads from the other side.
INVERSE_RELATION = {
    RelationKind.SPOUSE: RelationKind.SPOUSE,
    RelationKind.CHILD: RelationKind.PARENT,
    RelationKind.PARENT: RelationKind.CHILD,
    RelationKind.SIBLING: RelationKind.SIBLING,
    RelationKind.RELATIVE: RelationKind.RELATIVE,
    RelationKind.COLLEAGUE: RelationKind.COLLEAGUE,
    RelationKind.FRIEND: RelationKind.FRIEND,
}


class ContactRelation(models.Model):
    """`related` is `contact`'s <kind> (Olena's child is Taras). Stored in both directions."""

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="relations", db_index=False
    )
    related = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("relation"), max_length=12, choices=RelationKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("related person")
        verbose_name_plural = _("related persons")
        constraints = [
            models.UniqueConstraint(fields=["contact", "related"], name="contact_relation_unique"),
            models.CheckConstraint(
                condition=~Q(contact=models.F("related")), name="contact_relation_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} → {self.kind} → {self.related_id}"


class LifeEvent(models.Model):
    """A dated event in a customer's life that personal offers can be built on."""

    class Kind(models.TextChoices):
        BIRTHDAY = "birthday", _("Birthday")
        ANNIVERSARY = "anniversary", _("Wedding anniversary")
        CHILD_BORN = "child_born", _("Child born")
        MOVED = "moved", _("Moved")
        NEW_JOB = "new_job", _("New job")
        GRADUATION = "graduation", _("Graduation")
        RETIREMENT = "retirement", _("Retirement")
        OTHER = "other", _("Other")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="life_events")
    kind = models.CharField(_("event"), max_length=12, choices=Kind.choices)
    date = models.DateField(_("date"))
    recurring = models.BooleanField(
        _("every year"), default=False, help_text=_("Remind of it every year, like a birthday.")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("life event")
        verbose_name_plural = _("life events")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["kind", "date"], name="lifeevent_kind_date_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}"


class ConsentChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    PHONE = "phone", _("Phone")
    MESSENGER = "messenger", _("Messenger")
    POST = "post", _("Post")


class ConsentPurpose(models.TextChoices):
    MARKETING = "marketing", _("Marketing")
    SERVICE = "service", _("Service")
    PROFILING = "profiling", _("Profiling")


class ConsentStatus(models.TextChoices):
    GRANTED = "granted", _("Granted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ConsentEventQuerySet(models.QuerySet["ConsentEvent"]):
    """Every bulk write of consent events keeps `ConsentState` in step, in its transaction:
    bulk inserts, updates (a merge moves events to the winner) and deletes."""

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> Any:
        with transaction.atomic(using=self.db):
            created = super().bulk_create(objs, *args, **kwargs)
            consent_state_sync({event.contact_id for event in created})
        return created

    def update(self, **kwargs: Any) -> int:
        with transaction.atomic(using=self.db):
            touched = set(self.values_list("contact_id", flat=True))
            count = super().update(**kwargs)
            moved_to = kwargs.get("contact_id", kwargs.get("contact"))
            if moved_to is not None:
                touched.add(getattr(moved_to, "pk", moved_to))
            consent_state_sync(touched)
        return count

    def delete(self) -> tuple[int, dict[str, int]]:
        with transaction.atomic(using=self.db):
            touched = set(self.values_list("contact_id", flat=True))
            deleted = super().delete()
            consent_state_sync(touched)
        return deleted

    update.alters_data = True  # type: ignore[attr-defined]
    delete.alters_data = True  # type: ignore[attr-defined]


class ConsentEvent(models.Model):
    """An append-only record that a person granted or withdrew consent; the state is derived
    from it and kept in `ConsentState` by every write (save, and the queryset's bulk ones)."""

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="consent_events", db_index=False
    )
    channel = models.CharField(_("channel"), max_length=10, choices=ConsentChannel.choices)
    purpose = models.CharField(_("purpose"), max_length=10, choices=ConsentPurpose.choices)
    status = models.CharField(_("status"), max_length=10, choices=ConsentStatus.choices)
    at = models.DateTimeField(_("time"))
    source = models.CharField(_("source"), max_length=100)
    evidence = models.TextField(_("evidence"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ConsentEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent event")
        verbose_name_plural = _("consent events")
        ordering = ["-at", "-id"]
        # Related managers and Django's own generic code (a merge moving everything that
        # points at a contact) go through the base manager: it must keep the state too.
        base_manager_name = "objects"
        indexes = [
            # The current state is the newest event, withdrawal first at a tie (status DESC):
            # with status in the index the database reads it without sorting each contact's
            # events (a segment's consent condition over 50k contacts: 179 → 80 ms, SQLite).
            models.Index(
                fields=["contact", "channel", "purpose", "-at", "-status", "-id"],
                name="consent_current_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel}/{self.purpose}: {self.status}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        with transaction.atomic():
            previous = None
            if self.pk is not None:  # an edited event may have moved to another contact
                previous = type(self).objects.filter(pk=self.pk).values_list("contact_id").first()
            super().save(*args, **kwargs)
            consent_state_sync({self.contact_id, *(previous or ())})

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        with transaction.atomic():
            deleted = super().delete(*args, **kwargs)
            consent_state_sync({self.contact_id})
        return deleted


class ConsentState(models.Model):
    """The current consent per contact, channel and purpose: the newest `ConsentEvent`
    (withdrawal first at a tie). A projection of the events, rewritten in the transaction of
    every event write, so that "who may be e-mailed" is an index range instead of a search
    for the newest event of each of a million contacts (a segment's count, 1M contacts)."""

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="consent_states", db_index=False
    )
    channel = models.CharField(_("channel"), max_length=10, choices=ConsentChannel.choices)
    purpose = models.CharField(_("purpose"), max_length=10, choices=ConsentPurpose.choices)
    status = models.CharField(_("status"), max_length=10, choices=ConsentStatus.choices)
    at = models.DateTimeField(_("since"))

    class Meta:
        verbose_name = _("consent state")
        verbose_name_plural = _("consent states")
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "channel", "purpose"], name="consent_state_unique"
            )
        ]
        indexes = [
            # "granted for e-mail marketing": the contacts in one range, read from the index
            models.Index(
                fields=["channel", "purpose", "status", "contact"], name="consent_state_status_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel}/{self.purpose}: {self.status}"


def newest_consent_events(contact_ids: list[int]) -> models.QuerySet[ConsentEvent]:
    """The newest event per channel and purpose of each contact (withdrawal first at a tie:
    the order of `consent_current_idx`)."""
    ranked = ConsentEvent.objects.filter(contact_id__in=contact_ids).annotate(
        rank=Window(
            RowNumber(),
            partition_by=[F("contact_id"), F("channel"), F("purpose")],
            order_by=[F("at").desc(), F("status").desc(), F("id").desc()],
        )
    )
    return ranked.filter(rank=1).order_by()


SYNC_CHUNK = 500  # contacts per statement: well under SQLite's limit of bound parameters


def consent_state_sync(contact_ids: Any) -> None:
    """Rewrite the `ConsentState` rows of these contacts from their events. Their rows are
    locked first (PostgreSQL), so that two writers of the same contact's consent rewrite
    its state one after the other, the second seeing the first's event."""
    ids = sorted({int(pk) for pk in contact_ids if pk is not None})
    with transaction.atomic():
        for start in range(0, len(ids), SYNC_CHUNK):
            chunk = ids[start : start + SYNC_CHUNK]
            list(
                Contact.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values("pk")
            )
            ConsentState.objects.filter(contact_id__in=chunk).delete()
            ConsentState.objects.bulk_create(
                ConsentState(
                    contact_id=row["contact_id"],
                    channel=row["channel"],
                    purpose=row["purpose"],
                    status=row["status"],
                    at=row["at"],
                )
                for row in newest_consent_events(chunk).values(
                    "contact_id", "channel", "purpose", "status", "at"
                )
            )


class CustomField(models.Model):
    """An extra attribute an admin adds to contacts or companies without code."""

    class Entity(models.TextChoices):
        CONTACT = "contact", _("Contact")
        COMPANY = "company", _("Company")

    class FieldType(models.TextChoices):
        TEXT = "text", _("Text")
        NUMBER = "number", _("Number")
        DATE = "date", _("Date")
        BOOLEAN = "boolean", _("Yes / no")
        CHOICE = "choice", _("One of a list")
        MULTI_CHOICE = "multi_choice", _("Several of a list")

    entity = models.CharField(_("for"), max_length=10, choices=Entity.choices)
    key = models.SlugField(
        _("key"), max_length=50, help_text=_("Used in the API, imports and exports.")
    )
    label = models.CharField(_("label"), max_length=100)
    field_type = models.CharField(_("type"), max_length=12, choices=FieldType.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        ordering = ["entity", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "key"], name="customfield_entity_key_unique")
        ]

    def __str__(self) -> str:
        return self.label


class ContactMerge(models.Model):
    """That `merged_id` was merged into `contact`, with a snapshot of what it held."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="merges")
    merged_id = models.BigIntegerField(db_index=True)
    snapshot = models.JSONField(default=dict)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"#{self.merged_id} → #{self.contact_id}"
