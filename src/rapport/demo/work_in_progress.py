"""Work in progress for every sales manager, so that the demo opens on a working day: new
leads (some from today and yesterday), open deals in every open stage of the leisure board,
and some deals whose expected close date has passed (overdue follow-ups).

The history generator (journeys) spreads three years of sales, so little of it is still open
"now" and a manager can find an empty board. These few rows per manager are written once,
with the rest of a load, through the same bulk writer.
"""

import datetime as dt
import json

from django.utils import timezone

from rapport.contacts.models import Contact
from rapport.demo import load
from rapport.demo import sales_pools as sp
from rapport.demo.generate import EXTERNAL_ID_PREFIX, Row
from rapport.demo.journey_rows import deal_events
from rapport.demo.sales_setup import SalesSetup
from rapport.sales.models import Lead

PEOPLE = ("two adults", "a family of three", "a family of four", "one person")


def _ts(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def lead_times(now: dt.datetime) -> list[dt.datetime]:
    """When each manager's new leads arrived: two today, two yesterday, one three days ago
    (days in the agency's time zone)."""
    local = timezone.localtime(now)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    since = local - midnight
    return [
        now - since / 3,
        now - since * 2 / 3,
        midnight - dt.timedelta(hours=3),
        midnight - dt.timedelta(hours=14),
        now - dt.timedelta(days=3, hours=2),
    ]


def _customers(manager_id: int, need: int) -> list[tuple[int, str, str, str, int | None]]:
    """The manager's newest customers who enquired before: a customer's first lead is where
    they came from (contact.source), which a new enquiry must not change."""
    demo = Contact.objects.filter(
        external_id__startswith=EXTERNAL_ID_PREFIX, pk__in=Lead.objects.values("contact_id")
    )
    fields = ("pk", "first_name", "last_name", "email", "company_id")
    rows = list(demo.filter(owner_id=manager_id).order_by("-id").values_list(*fields)[:need])
    return rows or list(demo.order_by("-id").values_list(*fields)[:need])


def _upcoming_tours(setup: SalesSetup, now: dt.datetime) -> list[int]:
    """Local product numbers of departures from two weeks after `now`, one per week."""
    week = max(0, (now.date() - dt.date(1970, 1, 1)).days - setup.first_week_day) // 7 + 2
    found = []
    for w in range(week, min(week + 12, setup.tour.shape[0])):
        chosen = [int(p) for p in setup.tour[w, :, 0] if p >= 0]
        if chosen:
            found.append(chosen[w % len(chosen)])
    return found


def ensure_work_in_progress(
    setup: SalesSetup, *, manager_ids: list[int], now: dt.datetime
) -> dict[str, int]:
    """Write each manager's new leads and open deals; returns how many rows of each."""
    open_stages = setup.leisure_stages[:3]
    times = lead_times(now)
    tours = _upcoming_tours(setup, now) or list(range(min(3, len(setup.product_ids))))
    batch: dict[str, list[Row]] = {
        "sales_lead": [], "sales_leadstatuschange": [], "sales_deal": [],
        "sales_dealstagechange": [], "sales_dealproduct": [], "timeline_interaction": [],
    }  # fmt: skip
    lead_id, deal_id = load.next_id("sales_lead"), load.next_id("sales_deal")
    sources = setup.source_ids
    today = timezone.localdate(now)
    for m, manager in enumerate(manager_ids):
        people = _customers(manager, len(times) + 2 * len(open_stages))
        if not people or not tours:
            continue
        for i, at in enumerate(times):
            contact, first, last, email, _company = people[i % len(people)]
            dest = sp.DESTINATIONS[(m * 7 + i) % len(sp.DESTINATIONS)]
            message = sp.ENQUIRIES[(m + i) % len(sp.ENQUIRIES)].format(
                dest=dest.name, month=sp.MONTHS[(today.month + 1 + i) % 12],
                people=PEOPLE[i % len(PEOPLE)], nights=dest.nights,
            )  # fmt: skip
            batch["sales_lead"].append(
                (lead_id, _ts(at), _ts(at), "", "", "", "", "", "", "", "", "", first, last,
                 email, "", "", message, "", "new", "", None, None, contact, manager,
                 sources[(m + i) % len(sources)], None)
            )  # fmt: skip
            batch["sales_leadstatuschange"].append(("", "new", _ts(at), "", None, lead_id))
            source = sp.SOURCES[(m + i) % len(sources)]
            batch["timeline_interaction"].append(
                (source.interaction_channel, "inbound", _ts(at), "", "", None, lead_id, _ts(at),
                 None, contact, setup.lead_type_id, "lead.enquiry",
                 json.dumps({"message": message[:200], "form": ""}, ensure_ascii=False))
            )  # fmt: skip
            lead_id += 1
        # Two deals per open stage; the first of each pair is past its expected close.
        for k in range(2 * len(open_stages)):
            stage_index = k // 2
            contact, _first, _last, _email, company = people[(len(times) + k) % len(people)]
            local = tours[(m + k) % len(tours)]
            party = 2 + (m + k) % 3
            price = setup.product_cents[local] / 100
            created = now - dt.timedelta(days=12 + 4 * k, hours=m)
            entered = now - dt.timedelta(days=1 + 2 * k, hours=m)
            overdue = k % 2 == 0
            expected = today + (dt.timedelta(days=-(2 + k)) if overdue else dt.timedelta(14 + k))
            stage = open_stages[stage_index]
            title = setup.product_names[local].split(",")[0] + f", {party} " + "travellers"
            batch["sales_deal"].append(
                (deal_id, _ts(created), _ts(entered), title, price * party, sp.CURRENCY,
                 expected.isoformat(), "", _ts(entered), None, 1 + stage_index, company,
                 contact, manager, None, None, setup.leisure_id, stage)
            )  # fmt: skip
            # Its stage history: created in the first stage, one step a stage up to `stage`.
            changes = batch["sales_dealstagechange"]
            changes.append((_ts(created), None, manager, deal_id, None, open_stages[0]))
            step = (entered - created) / max(1, stage_index)
            for j in range(1, stage_index + 1):
                seconds = int(step.total_seconds())
                at = created + step * j
                changes.append((_ts(at), seconds, manager, deal_id, open_stages[j - 1],
                                open_stages[j]))  # fmt: skip
            batch["sales_dealproduct"].append((party, price, deal_id, setup.product_ids[local]))
            cents = round(price * party * 100)
            deal_events(
                setup, batch["timeline_interaction"], changes[-1 - stage_index :], title=title,
                money=f"{cents // 100}.{cents % 100:02d}", contact=contact, lead=None,
                lost_reason=None,
            )  # fmt: skip
            deal_id += 1
    load.write_batch(batch)
    return {table: len(rows) for table, rows in batch.items()}
