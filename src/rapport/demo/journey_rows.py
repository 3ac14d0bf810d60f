"""Turning a batch's sales plan (rapport.demo.journeys) into rows for the sales tables.

No Django imports: it runs in the loader's second process as well. Timeline rows are
written raw, for speed, but in the structured form `rapport.timeline.services.record_many`
writes (a kind and its JSON params, no English sentence): keep the two in step.
"""

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from rapport.demo import sales_pools as sp
from rapport.demo.journeys import (
    DAY,
    HOUR,
    REPEAT_LOST,
    REPEAT_VIA_LEAD,
    Plan,
    Row,
    dates,
    normalised,
    timestamps,
)

SALES_COLUMNS: dict[str, tuple[str, ...]] = {
    "sales_lead": (
        "id", "created_at", "updated_at", "utm_source", "utm_medium", "utm_campaign",
        "utm_term", "utm_content", "referrer", "landing_page", "gclid", "fbclid", "first_name",
        "last_name", "email", "phone", "company_name", "message", "form_slug", "status",
        "disqualify_reason", "converted_at", "submission_key", "contact_id", "owner_id",
        "source_id", "tracking_number_id",
    ),
    "sales_leadstatuschange": ("from_status", "to_status", "at", "note", "by_id", "lead_id"),
    "sales_deal": (
        "id", "created_at", "updated_at", "title", "amount", "currency", "expected_close_date",
        "lost_note", "stage_entered_at", "closed_at", "version", "company_id", "contact_id",
        "owner_id", "lead_id", "lost_reason_id", "pipeline_id", "stage_id",
    ),
    "sales_dealstagechange": (
        "at", "seconds_in_previous", "by_id", "deal_id", "from_stage_id", "to_stage_id",
    ),
    "sales_dealproduct": ("quantity", "unit_price", "deal_id", "product_id"),
    "sales_order": (
        "id", "created_at", "updated_at", "order_date", "channel", "status", "total",
        "currency", "promo_code", "external_id", "contact_id", "deal_id",
    ),
    "sales_orderline": (
        "description", "quantity", "unit_price", "discount", "line_total", "order_id",
        "product_id",
    ),
}  # fmt: skip
EXPLICIT_IDS = ("sales_lead", "sales_deal", "sales_order")


@dataclass
class Ids:
    """The next free id of each table whose ids the generator assigns."""

    lead: int
    deal: int
    order: int


def expand(setup: Any, plan_: Plan, ids: Ids, *, now: int) -> dict[str, list[Row]]:
    """Rows for the sales tables (and the timeline) from a plan; advances `ids`."""
    return _Expander(setup, plan_, ids, now).rows()


TASTE_LOYALTY = 0.7  # share of bookings that follow the customer's taste when they can
TASTE_CANDIDATES = 8
_TASTE = {"beach": 5.0, "city": 2.0, "ski": 1.5, "excursions": 1.0, "cruises": 0.7}


class _Expander:
    def __init__(self, setup: Any, plan_: Plan, ids: Ids, now: int) -> None:
        self.s = setup
        self.p = plan_
        self.a = plan_.arrays
        self.f = plan_.facts
        self.ids = ids
        self.now = now
        self.rng = np.random.default_rng([plan_.seed, plan_.start, 2])
        # Each customer's taste: the kind of trip (beach, ski, city…) most of their bookings
        # are, so that destinations of one kind go together in customers' histories
        # (cross-sell: "customers who went to Hurghada also went to Antalya").
        kinds = sorted({d.category for d in sp.DESTINATIONS})
        self.dest_kind = np.array([kinds.index(d.category) for d in sp.DESTINATIONS])
        self.taste = np.random.default_rng([plan_.seed, plan_.start, 3]).choice(
            len(kinds), len(plan_.facts.ids), p=normalised([_TASTE.get(k, 1.0) for k in kinds])
        )
        self.out: dict[str, list[Row]] = {t: [] for t in SALES_COLUMNS}
        self.out["timeline_interaction"] = []

    def rows(self) -> dict[str, list[Row]]:
        a, rng = self.a, self.rng
        first = np.flatnonzero(a["has_lead"])
        # Repeat bookings: some come through a new enquiry (and a quick deal), a few of
        # those fall through; the rest are booked directly.
        rc, rat = a["repeat_contact"], a["repeat_at"]
        via = rng.random(len(rc)) < REPEAT_VIA_LEAD
        fails = via & (rng.random(len(rc)) < REPEAT_LOST)
        r_lead_at = rat - (rng.exponential(4 * DAY, len(rc)) + HOUR).astype(np.int64)
        r_source = rng.choice(
            len(sp.SOURCES), len(rc), p=normalised([s.repeat_weight for s in sp.SOURCES])
        )

        # Leads: first enquiries, then returning customers' enquiries.
        lead_contact = np.concatenate([first, rc[via]])
        lead_source = np.concatenate([a["source"][first], r_source[via]])
        lead_at = np.concatenate([a["lead_at"][first], r_lead_at[via]])
        n_first = len(first)
        lead_ids = np.arange(self.ids.lead, self.ids.lead + len(lead_contact))
        self.ids.lead += len(lead_contact)
        lead_of_contact = np.full(len(self.f.ids), -1, np.int64)
        lead_of_contact[first] = lead_ids[:n_first]
        r_lead_ids = lead_ids[n_first:]

        # Deals: converted first leads, and every repeat enquiry.
        conv = first[a["converted"][first]]
        r_idx = np.flatnonzero(via)
        deal_contact = np.concatenate([conv, rc[r_idx]])
        deal_lead = np.concatenate([lead_of_contact[conv], r_lead_ids])
        deal_source = np.concatenate([a["source"][conv], r_source[r_idx]])
        r_conv = r_lead_at[r_idx] + (rat[r_idx] - r_lead_at[r_idx]) // 4
        deal_created = np.concatenate([a["t_converted"][conv], r_conv])
        r_steps = np.stack(
            [
                r_conv + (rat[r_idx] - r_conv) // 3,
                r_conv + 2 * (rat[r_idx] - r_conv) // 3,
                rat[r_idx],
            ],
            axis=1,
        )
        deal_steps = np.concatenate([a["steps"][conv], r_steps])
        deal_reached = np.concatenate([a["reached"][conv], np.where(fails[r_idx], 1, 3)])
        deal_lost = np.concatenate([a["lost_step"][conv], np.where(fails[r_idx], 2, 0)])
        deal_corp = np.concatenate([a["corporate"][conv], a["corporate"][rc[r_idx]]])
        deal_ids = np.arange(self.ids.deal, self.ids.deal + len(deal_contact))
        self.ids.deal += len(deal_contact)

        # Orders: won deals, walk-in buyers' first bookings, direct repeat bookings.
        won = np.flatnonzero(deal_reached == 3)
        walk = np.flatnonzero(a["direct"])
        direct_r = np.flatnonzero(~via)
        order_contact = np.concatenate([deal_contact[won], walk, rc[direct_r]])
        order_at = np.concatenate([deal_steps[won, 2], a["first_order"][walk], rat[direct_r]])
        order_deal = np.concatenate([deal_ids[won], np.zeros(len(walk) + len(direct_r), np.int64)])
        order_ids = np.arange(self.ids.order, self.ids.order + len(order_contact))
        self.ids.order += len(order_contact)

        # One planned trip per deal (its amount and product) and per direct booking.
        direct_contact = np.concatenate([walk, rc[direct_r]])
        trips = self._trips(
            np.concatenate([deal_created, order_at[len(won) :]]),
            np.concatenate([deal_corp, (self.f.company[direct_contact] > 0)]),
            np.concatenate([deal_contact, direct_contact]),
        )
        order_trip = np.concatenate([won, len(deal_contact) + np.arange(len(direct_contact))])

        # A returning customer's enquiry is converted a quarter of the way to the booking.
        lead_converted = np.concatenate([a["t_converted"][first], r_conv])
        self._leads(lead_ids, lead_contact, lead_source, lead_at, lead_converted, n_first, first)
        self._deals(
            deal_ids, deal_contact, deal_lead, deal_created, deal_steps, deal_reached,
            deal_lost, deal_corp, trips,
        )  # fmt: skip
        channels = np.concatenate(
            [
                np.array([sp.SOURCES[k].order_channel for k in range(len(sp.SOURCES))])[
                    deal_source[won]
                ],
                np.full(len(walk), "office"),
                rng.choice(
                    ["office", "phone", "website", "messenger", "email"],
                    len(direct_r),
                    p=[0.3, 0.3, 0.2, 0.15, 0.05],
                ),
            ]
        )
        self._orders(order_ids, order_contact, order_at, order_deal, order_trip, channels, trips)
        return self.out

    def _trips(
        self, at: np.ndarray, corporate: np.ndarray, who: np.ndarray
    ) -> dict[str, np.ndarray]:
        """Destination, hotel, travellers, add-ons and prices of a booking made at `at` by
        the batch's contact `who`: a destination of their taste when one is on sale that
        week, most of the time."""
        s, rng, n = self.s, self.rng, len(at)
        departure = at // DAY + (rng.gamma(2.0, 20.0, n) + 5).astype(np.int64)
        weeks = s.tour.shape[0]
        week = np.clip((departure - s.first_week_day) // 7 + 1, 0, weeks - 1)
        begin, count = s.week_offsets[week], np.diff(s.week_offsets)[week]
        # A few popularity-weighted candidates from the week's destinations: the first of the
        # customer's taste if there is one (and they follow it this time), else the first.
        picks = begin[:, None] + (rng.random((n, TASTE_CANDIDATES)) * count[:, None]).astype(
            np.int64
        )
        candidates = s.week_list[picks]
        liked = self.dest_kind[candidates] == self.taste[who][:, None]
        follow = liked.any(axis=1) & (rng.random(n) < TASTE_LOYALTY)
        dest = np.where(follow, candidates[np.arange(n), liked.argmax(axis=1)], candidates[:, 0])
        premium = (rng.random(n) < np.where(corporate, 0.5, 0.2)).astype(np.int64)
        tour = s.tour[week, dest, premium]
        party_values, party_w = zip(*sp.PARTIES, strict=True)
        party = np.array(party_values)[
            rng.choice(len(party_values), n, p=normalised(list(party_w)))
        ]
        party = np.where(corporate, np.minimum(party, 2), party)
        u = rng.random((n, 6))
        promo = u[:, 0] < 0.08
        gross = s.product_cents[tour] * party
        discount = np.where(promo, gross * (5 + (u[:, 1] * 6).astype(np.int64)) // 100, 0)
        insurance = u[:, 2] < 0.75
        insurance_plus = insurance & (u[:, 3] < 0.3)
        transfer = u[:, 4] < 0.65
        child_seat = transfer & (party >= 3) & (u[:, 5] < 0.35)
        excursions = np.minimum(rng.poisson(1.1, n), 3)
        first_excursion = rng.integers(0, len(sp.EXCURSIONS), n)
        addons = s.addons
        ins_product = np.where(
            insurance_plus, addons[sp.INSURANCE_PLUS[0]], addons[sp.INSURANCE[0]]
        )
        total = gross - discount
        total += np.where(insurance, s.product_cents[ins_product] * party, 0)
        total += np.where(transfer, s.product_cents[addons[sp.TRANSFER[0]]], 0)
        total += np.where(child_seat, s.product_cents[addons[sp.CHILD_SEAT[0]]], 0)
        ex_products = np.array([addons[e[0]] for e in sp.EXCURSIONS])
        for m in range(3):
            has = excursions > m
            ex = ex_products[(first_excursion + m) % len(sp.EXCURSIONS)]
            total += np.where(has, s.product_cents[ex] * party, 0)
        return {
            "departure": departure, "dest": dest, "tour": tour, "party": party, "promo": promo,
            "discount": discount, "insurance": insurance, "ins_product": ins_product,
            "transfer": transfer, "child_seat": child_seat, "excursions": excursions,
            "first_excursion": first_excursion, "total": total, "promo_pick": u[:, 1],
        }  # fmt: skip

    def _leads(
        self,
        lead_ids: np.ndarray,
        contact: np.ndarray,
        source: np.ndarray,
        created: np.ndarray,
        converted_at: np.ndarray,
        n_first: int,
        first: np.ndarray,
    ) -> None:
        a, f, s, rng = self.a, self.f, self.s, self.rng
        now = self.now
        n = len(lead_ids)
        is_first = np.arange(n) < n_first
        pad = np.zeros(n - n_first, np.int64)
        t_contacted = np.concatenate([a["t_contacted"][first], pad])
        t_qualified = np.concatenate([a["t_qualified"][first], pad])
        t_disq = np.concatenate([a["t_disq"][first], pad])
        disq = np.concatenate([a["disq"][first], np.zeros(n - n_first, bool)])
        converted = np.concatenate([a["converted"][first], np.ones(n - n_first, bool)])
        owner = f.owner[contact]
        u = rng.random((n, 6))
        words = rng.integers(0, 1 << 62, n)
        dest = rng.integers(0, len(sp.DESTINATIONS), n)
        party = rng.integers(0, 4, n)
        trip_month = (created // DAY + 45).astype("datetime64[D]").astype("datetime64[M]").astype(
            np.int64
        ) % 12
        year_month = created.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64)
        created_s = timestamps(created)
        contacted_s = timestamps(t_contacted)
        qualified_s = timestamps(t_qualified)
        disq_s = timestamps(t_disq)
        converted_s = timestamps(converted_at)
        leads, changes = self.out["sales_lead"], self.out["sales_leadstatuschange"]
        timeline = self.out["timeline_interaction"]
        people = ("one person", "two adults", "a family of three", "a family of four")
        ids_l, contact_l, owner_l = lead_ids.tolist(), contact.tolist(), owner.tolist()
        source_l, ym_l, month_l = source.tolist(), year_month.tolist(), trip_month.tolist()
        u_l, words_l, dest_l, party_l = u.tolist(), words.tolist(), dest.tolist(), party.tolist()
        first_l = is_first.tolist()
        disq_l, conv_l = disq.tolist(), converted.tolist()
        tc_l, tq_l, td_l = t_contacted.tolist(), t_qualified.tolist(), t_disq.tolist()
        contact_ids = f.ids.tolist()
        for i in range(n):
            k = contact_l[i]
            src = sp.SOURCES[source_l[i]]
            r = u_l[i]
            destination = sp.DESTINATIONS[dest_l[i]]
            message = sp.ENQUIRIES[int(r[0] * len(sp.ENQUIRIES))].format(
                dest=destination.name,
                month=sp.MONTHS[month_l[i]],
                people=people[party_l[i]],
                nights=destination.nights,
            )
            year, month = divmod(ym_l[i], 12)
            year += 1970
            season = "summer" if 2 <= month <= 7 else "winter"
            season_year = year - 1 if month < 2 else year
            utm = ("", "", "", "", "")
            referrer = landing = gclid = fbclid = form = ""
            tracking: int | None = None
            landing_path = f"https://agency.example.com/tours/{destination.category}/"
            key = src.key
            if key == "google":
                if r[1] < 0.15:
                    tracking = s.tracking_ids[source_l[i]] or None
                else:
                    utm = ("google", "cpc", f"gads-{season}-{destination.category}-{season_year}",
                           f"{destination.name.lower()} tours", "")  # fmt: skip
                    referrer, landing, form = "https://www.google.com/", landing_path, "tours"
                    gclid = f"Cj0KCQiA{words_l[i]:016x}"
            elif key in ("facebook", "instagram"):
                short = "fb" if key == "facebook" else "ig"
                content = ("carousel", "video", "story")[int(r[2] * 3)]
                utm = (key, "paid_social", f"{short}-{season}-{season_year}", "", content)
                referrer = f"https://l.{key}.com/"
                landing, form = landing_path, "tours"
                fbclid = f"IwAR{words_l[i]:016x}"
            elif key == "website":
                landing, form = landing_path, "tours"
                if r[1] < 0.3:
                    utm = ("newsletter", "email", f"newsletter-{season}-{season_year}", "", "")
                elif r[1] < 0.8:
                    referrer = "https://www.google.com/"
            elif key == "partner":
                partner = sp.PARTNER_SITES[int(r[2] * len(sp.PARTNER_SITES))]
                utm = ("partner", "affiliate", f"partner-{season_year}", "", "")
                referrer, landing = partner, landing_path
            elif key == "exhibition":
                utm = ("", "", f"fair-{season_year}", "", "")
                if r[1] < 0.3:
                    tracking = s.tracking_ids[source_l[i]] or None
            elif key == "phone":
                tracking = s.tracking_ids[source_l[i]] or None
            lead_id = ids_l[i]
            reason = ""
            status = "new"
            updated = created_s[i]
            changes.append(("", "new", created_s[i], "", None, lead_id))
            if first_l[i]:
                who = owner_l[i]
                if tc_l[i] <= now:
                    status, updated = "contacted", contacted_s[i]
                    changes.append(("new", "contacted", updated, "", who, lead_id))
                    if disq_l[i]:
                        if td_l[i] <= now:
                            reason = sp.DISQUALIFY_REASONS[int(r[3] * len(sp.DISQUALIFY_REASONS))]
                            status, updated = "disqualified", disq_s[i]
                            changes.append(("contacted", status, updated, reason, who, lead_id))
                    elif tq_l[i] <= now:  # (conversion time ≤ now is in `converted`)
                        status, updated = "qualified", qualified_s[i]
                        changes.append(("contacted", "qualified", updated, "", who, lead_id))
                        if conv_l[i]:
                            status, updated = "converted", converted_s[i]
                            changes.append(("qualified", "converted", updated, "", who, lead_id))
            else:
                status, updated = "converted", converted_s[i]
                changes.append(("new", "converted", updated, "", owner_l[i], lead_id))
            leads.append(
                (
                    lead_id, created_s[i], updated, *utm, referrer, landing, gclid, fbclid,
                    f.first[k], f.last[k], f.email[k], f.phone[k], "", message, form, status,
                    reason if status == "disqualified" else "",
                    updated if status == "converted" else None, None, contact_ids[k],
                    owner_l[i], s.source_ids[source_l[i]], tracking,
                )
            )  # fmt: skip
            timeline.append(
                (
                    src.interaction_channel, "inbound", created_s[i], "", "", None, lead_id,
                    created_s[i], None, contact_ids[k], s.lead_type_id, "lead.enquiry",
                    json.dumps({"message": message[:200], "form": form}, ensure_ascii=False),
                )
            )  # fmt: skip

    def _deals(
        self,
        deal_ids: np.ndarray,
        contact: np.ndarray,
        lead: np.ndarray,
        created: np.ndarray,
        steps: np.ndarray,
        reached: np.ndarray,
        lost_step: np.ndarray,
        corporate: np.ndarray,
        trips: dict[str, np.ndarray],
    ) -> None:
        f, s, rng = self.f, self.s, self.rng
        n = len(deal_ids)
        deals, changes = self.out["sales_deal"], self.out["sales_dealstagechange"]
        products = self.out["sales_dealproduct"]
        reasons = rng.integers(0, len(s.lost_reason_ids), n).tolist()
        created_s = timestamps(created)
        step_s = [timestamps(steps[:, k]) for k in range(3)]
        expected = dates(created // DAY + 21)
        owner = f.owner[contact].tolist()
        company = f.company[contact].tolist()
        contact_ids = f.ids[contact].tolist()
        amount = (trips["total"][:n] / 100).tolist()
        unit = (s.product_cents[trips["tour"][:n]] / 100).tolist()
        party = trips["party"][:n].tolist()
        tour = trips["tour"][:n].tolist()
        steps_l, created_l = steps.tolist(), created.tolist()
        reached_l, lost_l, corp_l = reached.tolist(), lost_step.tolist(), corporate.tolist()
        ids_l, lead_l = deal_ids.tolist(), lead.tolist()
        cents_l = trips["total"][:n].tolist()
        first_change = len(changes)
        for i in range(n):
            stages = s.corporate_stages if corp_l[i] else s.leisure_stages
            deal_id, who = ids_l[i], owner[i]
            changes.append((created_s[i], None, who, deal_id, None, stages[0]))
            at, at_s, current = created_l[i], created_s[i], stages[0]
            for k in range(reached_l[i]):
                target = stages[k + 1]  # stages[3] is Won
                changes.append((step_s[k][i], steps_l[i][k] - at, who, deal_id, current, target))
                at, at_s, current = steps_l[i][k], step_s[k][i], target
            lost_reason = None
            closed = None
            if lost_l[i]:
                k = lost_l[i] - 1
                changes.append((step_s[k][i], steps_l[i][k] - at, who, deal_id, current, stages[4]))
                at, at_s, current = steps_l[i][k], step_s[k][i], stages[4]
                lost_reason = s.lost_reason_ids[reasons[i]]
                closed = at_s
            elif reached_l[i] == 3:
                closed = at_s
            destination = sp.DESTINATIONS[int(trips["dest"][i])]
            title = f"{destination.name}, {destination.nights} nights"
            deals.append(
                (
                    deal_id, created_s[i], at_s, title, amount[i], sp.CURRENCY, expected[i], "",
                    at_s, closed, 1 + reached_l[i] + (1 if lost_l[i] else 0),
                    company[i] or None, contact_ids[i], who, lead_l[i], lost_reason,
                    s.corporate_id if corp_l[i] else s.leisure_id, current,
                )
            )  # fmt: skip
            products.append((party[i], unit[i], deal_id, s.product_ids[tour[i]]))
            cents = cents_l[i]
            deal_events(
                s, self.out["timeline_interaction"], changes[first_change:], title=title,
                money=f"{cents // 100}.{cents % 100:02d}", contact=contact_ids[i],
                lead=lead_l[i], lost_reason=lost_reason,
            )  # fmt: skip
            first_change = len(changes)

    def _orders(
        self,
        order_ids: np.ndarray,
        contact: np.ndarray,
        at: np.ndarray,
        deal: np.ndarray,
        trip_of: np.ndarray,
        channels: np.ndarray,
        trips: dict[str, np.ndarray],
    ) -> None:
        f, s, rng = self.f, self.s, self.rng
        n = len(order_ids)
        t = {k: v[trip_of] for k, v in trips.items()}
        u = rng.random(n)
        status = np.where(
            u < 0.04,
            "cancelled",
            np.where(
                u < 0.07, "refunded", np.where(t["departure"] > self.now // DAY, "booked", "paid")
            ),
        )
        changed = np.minimum(at + (rng.random(n) * 20 * DAY).astype(np.int64), self.now - 60)
        updated = np.where(status == "cancelled", changed, at)
        at_s, updated_s = timestamps(at), timestamps(updated)
        total_cents = t["total"]
        totals = (total_cents / 100).tolist()
        # The order.placed event's params, as the timeline's writer would store them.
        params = [
            f'{{"order": {oid}, "total": "{c // 100}.{c % 100:02d}", "currency": "{sp.CURRENCY}"}}'
            for oid, c in zip(order_ids.tolist(), total_cents.tolist(), strict=True)
        ]
        promo = np.where(
            t["promo"], np.array(sp.PROMO_CODES)[(t["promo_pick"] * 4).astype(np.int64)], ""
        ).tolist()
        contact_ids = f.ids[contact].tolist()
        owners = f.owner[contact].tolist()
        deals = [d or None for d in deal.tolist()]
        self.out["sales_order"].extend(
            zip(
                order_ids.tolist(), at_s, updated_s, at_s, channels.tolist(), status.tolist(),
                totals, [sp.CURRENCY] * n, promo, [None] * n, contact_ids, deals,
                strict=True,
            )
        )  # fmt: skip
        self.out["timeline_interaction"].extend(
            zip(
                ["order"] * n, ["inbound"] * n, at_s, [""] * n, [""] * n, [None] * n,
                order_ids.tolist(), at_s, owners, contact_ids, [s.order_type_id] * n,
                ["order.placed"] * n, params, strict=True,
            )
        )  # fmt: skip
        self._lines(order_ids, t)

    def _lines(self, order_ids: np.ndarray, t: dict[str, np.ndarray]) -> None:
        s = self.s
        cents = s.product_cents
        party = t["party"]
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

        def add(mask: np.ndarray, product: np.ndarray, qty: np.ndarray, discount: Any) -> None:
            parts.append(
                (
                    order_ids[mask],
                    product[mask],
                    qty[mask],
                    np.broadcast_to(discount, mask.shape)[mask],
                )
            )

        everyone = np.ones(len(order_ids), bool)
        one = np.ones(len(order_ids), np.int64)
        add(everyone, t["tour"], party, t["discount"])
        add(t["insurance"], t["ins_product"], party, 0)
        add(t["transfer"], np.full(len(order_ids), s.addons[sp.TRANSFER[0]]), one, 0)
        add(t["child_seat"], np.full(len(order_ids), s.addons[sp.CHILD_SEAT[0]]), one, 0)
        ex_products = np.array([s.addons[e[0]] for e in sp.EXCURSIONS])
        for m in range(3):
            ex = ex_products[(t["first_excursion"] + m) % len(sp.EXCURSIONS)]
            add(t["excursions"] > m, ex, party, 0)
        order = np.concatenate([p[0] for p in parts])
        product = np.concatenate([p[1] for p in parts])
        qty = np.concatenate([p[2] for p in parts])
        discount = np.concatenate([p[3] for p in parts]).astype(np.int64)
        unit = cents[product]
        line_total = unit * qty - discount
        names = s.product_names
        pids = s.product_ids
        product_l = product.tolist()
        self.out["sales_orderline"].extend(
            zip(
                [names[p] for p in product_l], qty.tolist(), (unit / 100).tolist(),
                (discount / 100).tolist(), (line_total / 100).tolist(), order.tolist(),
                [pids[p] for p in product_l], strict=True,
            )
        )  # fmt: skip


def deal_events(
    s: Any,
    timeline: list[Row],
    changes: list[Row],
    *,
    title: str,
    money: str,
    contact: int,
    lead: int | None,
    lost_reason: int | None,
) -> None:
    """Append to `timeline` a deal's events (`s`: the SalesSetup; `changes`: its stage change
    rows): the conversion of its lead, its opening and each stage move, with the params
    `rapport.sales.services` writes (stage names as they were)."""
    stage_of = s.stage_names
    deal_id = changes[0][3]
    base = {"deal": deal_id, "title": title}
    for at_s, _seconds, who, _deal, from_stage, to_stage in changes:
        name, kind = stage_of[to_stage]
        if from_stage is None:
            if lead:
                converted = json.dumps({"lead": lead, **base}, ensure_ascii=False)
                timeline.append(
                    ("note", "internal", at_s, "", "", None, lead, at_s, who, contact,
                     s.lead_type_id, "lead.converted", converted)
                )  # fmt: skip
            event = "deal.created"
            params: dict[str, Any] = {"stage": to_stage, "stage_name": name}
            params |= {"amount": money, "currency": sp.CURRENCY}
        else:
            event = {"won": "deal.won", "lost": "deal.lost"}.get(kind, "deal.stage_changed")
            params = {"from_stage": from_stage, "from_stage_name": stage_of[from_stage][0]}
            params |= {"to_stage": to_stage, "to_stage_name": name}
            if kind == "won":
                params |= {"amount": money, "currency": sp.CURRENCY}
            elif kind == "lost":
                reason_name = s.lost_reason_names.get(lost_reason or 0, "")
                params |= {"reason": lost_reason, "reason_name": reason_name}
        timeline.append(
            ("note", "internal", at_s, "", "", None, deal_id, at_s, who, contact,
             s.deal_type_id, event, json.dumps(base | params, ensure_ascii=False))
        )  # fmt: skip
