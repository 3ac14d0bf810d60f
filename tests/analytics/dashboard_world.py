"""A small business for the customer dashboards' tests: customers of team North (owner
`manager`) and team South (owner `manager2`) who bought on different days and different
numbers of times, refreshed as of AS_OF."""

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any

from rapport.analytics.refresh import refresh_customers
from tests.api.conftest import make_contact
from tests.api.sales_data import make_order, make_product

ZONE = zoneinfo.ZoneInfo("Europe/Vilnius")
AS_OF = dt.date(2025, 6, 30)

# (team, name, purchase days as "MM-DD" of 2025 (or 2024- prefixed), value of each)
CUSTOMERS = [
    ("north", "Ona", ["01-10", "03-01", "05-05", "06-20"], "900.00"),
    ("north", "Petras", ["06-25"], "1500.00"),
    ("north", "Rasa", ["02-01", "06-01"], "400.00"),
    ("north", "Jonas", ["2024-07-15"], "300.00"),
    ("north", "Greta", ["2024-09-01", "2024-11-01", "2025-01-20"], "250.00"),
    ("north", "Tomas", ["04-10", "04-30"], "120.00"),
    ("south", "Lina", ["03-15", "06-10", "06-28"], "700.00"),
    ("south", "Marius", ["2024-08-08"], "80.00"),
    ("south", "Eglė", ["05-20"], "650.00"),
]


def at(day: str) -> dt.datetime:
    if len(day) == 5:
        day = f"2025-{day}"
    return dt.datetime.fromisoformat(f"{day}T12:00").replace(tzinfo=ZONE)


def build(users: dict[str, Any], *, refresh: bool = True) -> dict[str, Any]:
    """The customers (by name) and their products; refreshed as of AS_OF unless told not to."""
    crete = make_product("Crete", price="900.00")
    rome = make_product("Rome", price="700.00")
    owners = {"north": users["manager"], "south": users["manager2"]}
    people: dict[str, Any] = {}
    for team, name, days, value in CUSTOMERS:
        owner = owners[team]
        person = make_contact(owner, first_name=name, email=f"{name.lower()}@example.lt")
        product = crete if team == "north" else rome
        for k, day in enumerate(days):
            # each order a little dearer than the last, so that spend varies within customers
            price = Decimal(value) * (1 + Decimal(k) * Decimal("0.25"))
            line = {"product": product.pk, "quantity": 1, "unit_price": str(price)}
            make_order(owner, person, None, lines=[line], order_date=at(day))
        people[name] = person
    if refresh:
        refresh_customers(as_of=AS_OF)
    return {"crete": crete, "rome": rome, **people}
