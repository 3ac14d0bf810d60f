"""Personal promo codes issued by several processes at once for the same recipients, from a
code space small enough to collide often: one code per recipient, no code twice; and a
shared code's last uses raced for by several processes: never more uses than the limit."""

import json
import subprocess
import sys
import time

import pytest

from tests.activities.test_reminder_workers import PRELUDE
from tests.core.subprocess_env import run_python
from tests.core.test_schedule_workers import ROOT, database  # noqa: F401

pytestmark = pytest.mark.slow

SETUP = """
from rapport.accounts.models import User
from rapport.campaigns.models import Campaign, PromoCode
from rapport.contacts.models import Contact
PromoCode.objects.all().delete(); Campaign.objects.all().delete(); Contact.objects.all().delete()
owner = User.objects.filter(username="promo-test").first() or User.objects.create_user(
    "promo-test", password="x")
Contact.objects.bulk_create(Contact(first_name=f"P{i}", owner=owner) for i in range(150))
Campaign.objects.create(name="Codes", channel="email")
from rapport.campaigns.promo import promo_code_create
promo_code_create(code="LAST5", discount="percent", value=5, usage_limit=5)
"""
RACE = """
import json, time
from django.core.exceptions import ValidationError
from rapport.campaigns import promo
from rapport.campaigns.models import Campaign
from rapport.contacts.models import Contact
promo.LENGTH = 2  # 31 x 31 codes for 150 recipients: collisions are certain
campaign = Campaign.objects.get()
ids = list(Contact.objects.order_by("pk").values_list("pk", flat=True))
time.sleep(max(0, START - time.time()))
codes = {pk: promo.promo_code_issue(campaign=campaign, contact=pk, discount="percent",
                                    value=10).code for pk in ids}
won = 0
for _ in range(4):
    try:
        promo.promo_code_redeem(code="LAST5", contact_id=None)
        won += 1
    except ValidationError:
        pass
print(json.dumps({"codes": codes, "won": won}))
"""


def test_racing_processes_issue_one_distinct_code_per_recipient(database):  # noqa: F811
    run_python(SETUP, env=database)
    start = time.time() + 3
    children = [
        subprocess.Popen(  # noqa: S603 (our own command line)
            [sys.executable, "-c", PRELUDE + f"START = {start}\n" + RACE],
            env=database,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [child.communicate(timeout=180) for child in children]
    assert [child.returncode for child in children] == [0, 0, 0], outputs
    results = [json.loads(out) for out, _err in outputs]
    stored = json.loads(
        run_python(
            "import json\nfrom rapport.campaigns.models import PromoCode\n"
            "personal = PromoCode.objects.filter(kind='personal')\n"
            "print(json.dumps({'personal': list(personal.values_list('contact_id', 'code')),"
            " 'used': PromoCode.objects.get(code='LAST5').used}))",
            env=database,
        )
    )

    personal = dict(stored["personal"])
    assert len(personal) == len(stored["personal"]) == 150  # one per recipient
    assert len(set(personal.values())) == 150  # no code twice
    for result in results:  # every process was handed the same code for each recipient
        assert {int(pk): code for pk, code in result["codes"].items()} == personal
    assert sum(r["won"] for r in results) == stored["used"] == 5
