"""Users, teams, roles and API tokens."""

import datetime as dt
import functools
import hashlib
import secrets
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import connection, models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rapport.core import permissions
from rapport.core.dates import DateStyle, zone_named


class Role(models.TextChoices):
    ADMIN = "admin", _("Owner / administrator")
    SALES_MANAGER = "sales_manager", _("Sales manager")
    MARKETER = "marketer", _("Marketer")
    SERVICE_AGENT = "service_agent", _("Service agent")
    ANALYST = "analyst", _("Analyst (read-only)")


class Team(models.Model):
    """A group of sales managers who share their customers."""

    name = models.CharField(pgettext_lazy("team", "name"), max_length=100, unique=True)
    # Who answers for the team's work: sees its overdue activities, gets its escalations
    # (a complaint past its deadline, a low satisfaction score).
    lead = models.ForeignKey(
        "User",
        verbose_name=_("team lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who works in Rapport; their role and team decide what they see and change."""

    role = models.CharField(
        _("role"), max_length=20, choices=Role.choices, default=Role.SALES_MANAGER
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    language = models.CharField(_("interface language"), max_length=8, blank=True)
    date_style = models.CharField(
        _("date format"), max_length=12, choices=DateStyle.choices, default="", blank=True
    )
    # An IANA name ("Europe/Kyiv"); empty means the site's zone (settings.TIME_ZONE). Times are
    # shown in it and activities are planned in it by default.
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, default="", db_default=""
    )
    # The secret part of the user's calendar feed URL (/calendar/<secret>.ics): a capability,
    # shown on the profile page; replacing it revokes every subscription made with the old one.
    calendar_secret = models.CharField(max_length=64, null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # partial, so SQLite adds it as an index instead of rebuilding the table
            models.UniqueConstraint(
                fields=["calendar_secret"],
                condition=models.Q(calendar_secret__isnull=False),
                name="user_calendar_secret_unique",
            )
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_admin(self) -> bool:
        return permissions.is_admin(self)

    @property
    def zone(self) -> ZoneInfo:
        """The user's time zone (the site's when they chose none or an unknown one)."""
        return zone_named(self.time_zone)

    @property
    def calendar_feed_url(self) -> str | None:
        """The address calendar programs subscribe to (None until the user makes a secret)."""
        if not self.calendar_secret:
            return None
        return f"{settings.RAPPORT_SITE_URL}/calendar/{self.calendar_secret}.ics"

    @cached_property
    def colleague_ids(self) -> list[int]:
        """The users whose customers this user shares: themselves and their team."""
        if self.team_id is None:
            return [self.pk]
        return list(
            User.objects.filter(team_id=self.team_id).order_by("pk").values_list("pk", flat=True)
        )


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


# How stale `last_used_at` may be: it answers "is this token still in use?", not "when exactly".
LAST_USED_PRECISION = dt.timedelta(minutes=1)


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> "ApiTokenQuerySet":
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A bearer token for integrators. Only its SHA-256 is stored; the raw value is shown once."""

    PREFIX = "rpt_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(pgettext_lazy("token", "name"), max_length=100)
    key_prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @classmethod
    def issue(cls, *, user: User, name: str) -> tuple["ApiToken", str]:
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, key_prefix=raw[:12], key_hash=_hash_token(raw)
        )
        return token, raw

    @classmethod
    def authenticate(cls, raw: str) -> User | None:
        """The active user of an unrevoked token, read afresh on every request (a revocation
        or deactivation counts from the next request), with their `colleague_ids`.
        `last_used_at` is written at most once a minute per token, so reads stay reads.

        One hand-written statement, its rows made into a User as the ORM makes them: the
        ORM's select_related query cost ≈ 0.66 ms of CPU per API request to compile (a tenth
        of a 50-row contact page). A raw queryset, and a second query for the team that every
        scoped list asks for, cost 0.81-0.94 ms of CPU per request on SQLite and 1.33-1.43 ms
        on PostgreSQL; this statement 0.13-0.18 and 0.24-0.27 ms (2026-12-03, 2,000 calls)."""
        if not raw or not raw.startswith(cls.PREFIX) or len(raw) > 200:
            return None
        now = timezone.now()
        stale_before = connection.ops.adapt_datetimefield_value(now - LAST_USED_PRECISION)
        found = _authenticate(connection.vendor).user(stale_before, _hash_token(raw))
        if found is None:
            return None
        user, token_pk, stale = found
        if stale:
            cls.objects.filter(pk=token_pk).update(last_used_at=now)
        return user

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


class _Authenticate:
    """`ApiToken.authenticate`'s statement for one database backend: the token's user (every
    column, converted as the ORM converts it), the token's id, whether its last use is stale,
    and the ids of the user's team, as one comma-separated string."""

    def __init__(self, vendor: str) -> None:
        fields = User._meta.concrete_fields
        self.names = [f.attname for f in fields]
        # A concrete field always has a column; the stubs type it `str | None`.
        columns = [connection.ops.quote_name(str(f.column)) for f in fields]
        team = (
            "string_agg(c.id::text, ',')" if vendor == "postgresql" else "group_concat(c.id, ',')"
        )
        self.sql = (
            f"SELECT {', '.join(f'u.{column}' for column in columns)}, t.id, "  # noqa: S608
            "(t.last_used_at IS NULL OR t.last_used_at < %s), "
            f"(SELECT {team} FROM {User._meta.db_table} c WHERE c.team_id = u.team_id) "
            f"FROM {User._meta.db_table} u JOIN {ApiToken._meta.db_table} t ON t.user_id = u.id "
            "WHERE t.key_hash = %s AND t.revoked_at IS NULL AND u.is_active = %s"
        )
        compiler = User.objects.none().query.get_compiler(connection=connection)
        self.compiler = compiler
        self.converters = compiler.get_converters([f.get_col(User._meta.db_table) for f in fields])

    def user(self, stale_before: Any, key_hash: str) -> tuple[User, int, bool] | None:
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [stale_before, key_hash, True])
            row = cursor.fetchone()
        if row is None:
            return None
        values = list(row[: len(self.names)])
        if self.converters:
            values = list(next(iter(self.compiler.apply_converters([values], self.converters))))
        user = User.from_db(connection.alias, self.names, values)
        token_pk, stale, team = row[len(self.names) :]
        # What `User.colleague_ids` would read with a query of its own.
        user.__dict__["colleague_ids"] = (
            sorted(int(pk) for pk in team.split(",")) if user.team_id is not None else [user.pk]
        )
        return user, token_pk, bool(stale)


@functools.cache
def _authenticate(vendor: str) -> _Authenticate:
    return _Authenticate(vendor)
