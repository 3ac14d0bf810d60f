"""`rapport demo`: load a travel agency's customers, staff, sales and history (idempotent)."""

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from rapport.accounts.models import Role
from rapport.analytics.refresh import refresh_customers
from rapport.analytics.services import refresh_acquisition
from rapport.contacts.models import Contact
from rapport.core import visibility
from rapport.demo import (
    complaints,
    follow_through,
    journey_rows,
    load,
    marketing,
    sales_setup,
    scenarios,
    staff,
    work_in_progress,
)
from rapport.demo.generate import EXTERNAL_ID_PREFIX, HISTORY, Context, generate_batch
from rapport.demo.parallel import SalesWriter

SIZES = {"tiny": 60, "small": 500, "medium": 50_000, "large": 1_000_000}
BATCH = 20_000
# Above this many new customers the database builds its indexes (on PostgreSQL also checks its
# constraints) once at the end instead of per row.
REBUILD_INDEXES_FROM = 100_000
# Customer metrics are computed after loading up to this size (`make run` shows them at once);
# the large benchmark set times its own refresh.
CUSTOMER_METRICS_UP_TO = 50_000


def demo_contacts_loaded() -> int:
    """How many demo customers exist: one past the highest demo external id."""
    last = (
        Contact.objects.filter(external_id__gte=EXTERNAL_ID_PREFIX, external_id__lt="demo.")
        .order_by("-external_id")
        .values_list("external_id", flat=True)
        .first()
    )
    if not last or not last[len(EXTERNAL_ID_PREFIX) :].isdigit():
        return 0
    return int(last[len(EXTERNAL_ID_PREFIX) :]) + 1


class Command(BaseCommand):
    help = _("Load a realistic travel-agency data set (running it again changes nothing).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=list(SIZES), default="small")
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000/", help=_("Where Rapport is served.")
        )

    def handle(self, *args: Any, size: str, seed: int, url: str, **options: Any) -> None:
        verbosity = int(options.get("verbosity", 1))
        target = SIZES[size]
        started = time.monotonic()
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        users = staff.ensure_staff()
        tags = staff.ensure_tags()
        # who is who, by the one role rule
        managers = [u for u in users.values() if visibility.role_of(u) == Role.SALES_MANAGER]
        agents = [u for u in users.values() if visibility.role_of(u) == Role.SERVICE_AGENT]
        companies = staff.ensure_companies(max(6, target // 300), managers)
        loaded = demo_contacts_loaded()
        if loaded >= target:
            if verbosity:
                self.stdout.write(
                    _("The demo data set is already loaded (%(n)d customers); nothing changed.")
                    % {"n": loaded}
                )
        else:
            setup = sales_setup.ensure_sales_setup(now=now, start=now - HISTORY)
            ctx = Context(
                seed=seed,
                total=target,
                now=now,
                manager_ids=[u.pk for u in managers],
                actor_ids=[u.pk for u in agents],
                tag_ids=tags,
                company_ids=companies,
                sales=setup,
            )
            self._load(ctx, loaded, target, verbosity)
            work_in_progress.ensure_work_in_progress(setup, manager_ids=ctx.manager_ids, now=now)
            filed = complaints.ensure_complaints(
                manager_ids=ctx.manager_ids, agent_ids=[u.pk for u in agents], now=now
            )
            follow_through.ensure_activities(
                managers=managers, agents=agents, complaints=filed, now=now
            )
            loaded_at = time.monotonic()
            refresh_acquisition(as_of=now.date())  # spend is sized from the refreshed cells
            sales_setup.ensure_spend(
                setup, customers=target, start=(now - HISTORY).date(), today=now.date()
            )
            if target <= CUSTOMER_METRICS_UP_TO:  # the benchmark sets time their own refresh
                refresh_customers(as_of=timezone.localdate(now))
            if verbosity:
                self.stdout.write(
                    _(
                        "Loaded %(n)d demo customers with their sales in %(s).1f s; "
                        "acquisition analytics refreshed in %(r).1f s."
                    )
                    % {
                        "n": target - loaded,
                        "s": loaded_at - started,
                        "r": time.monotonic() - loaded_at,
                    }
                )
        marketing.ensure_marketing(marketer=users["marketer"], now=now)
        scenarios.ensure_scenarios(admin=users["admin"], now=now)
        if verbosity:
            self._print_logins(url)

    def _load(self, ctx: Context, loaded: int, target: int, verbosity: int) -> None:
        rebuild = target - loaded >= REBUILD_INDEXES_FROM
        bar = tqdm(
            total=target - loaded,
            unit=" customers",
            unit_scale=True,
            disable=verbosity == 0,
            desc=_("Generating customers"),
        )
        index_bar: tqdm | None = None

        def on_index(done: int, total: int) -> None:
            nonlocal index_bar
            if index_bar is None:
                index_bar = tqdm(total=total, disable=verbosity == 0, desc=_("Building indexes"))
            index_bar.update(1)

        with bar, load.bulk_load(rebuild_indexes=rebuild, on_index=on_index):
            first_id = load.next_id("contacts_contact")
            sales_ids = journey_rows.Ids(
                lead=load.next_id("sales_lead"),
                deal=load.next_id("sales_deal"),
                order=load.next_id("sales_order"),
            )
            # A big SQLite load expands and stores the sales side in a second process.
            writer = None
            if rebuild and connection.vendor == "sqlite":
                now = int(ctx.now.timestamp())
                writer = SalesWriter(setup=ctx.sales, ids=sales_ids, now=now)
            try:
                for start in range(loaded, target, BATCH):
                    count = min(BATCH, target - start)
                    batch, plan = generate_batch(
                        ctx,
                        start=start,
                        count=count,
                        first_id=first_id,
                        sales_ids=None if writer else sales_ids,
                    )
                    if writer and plan:
                        writer.put(plan)
                    load.write_batch(batch)
                    first_id += count
                    bar.update(count)
                if writer:
                    writer.finish()
            except BaseException:
                if writer:
                    writer.abort()
                raise
        if index_bar is not None:
            index_bar.close()

    def _print_logins(self, url: str) -> None:
        self.stdout.write("")
        self.stdout.write(_("Rapport is at %(url)s — sign in as:") % {"url": url})
        for member in staff.LOGINS:
            team = f", {member.team}" if member.team else ""
            self.stdout.write(f"  {member.username:<10} {Role(member.role).label}{team}")
        self.stdout.write(_("Password for every demo login: %(p)s") % {"p": staff.DEMO_PASSWORD})
