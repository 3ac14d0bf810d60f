"""A starting set-up an administrator then adjusts: weekday office hours and an SLA per
severity (minutes of business hours; critical complaints run round the clock)."""

import datetime as dt

from django.db import migrations

HOURS = [(weekday, dt.time(9), dt.time(18)) for weekday in range(5)]
POLICIES = [
    # severity, first response, resolution (minutes), business hours only
    ("low", 8 * 60, 40 * 60, True),
    ("normal", 4 * 60, 24 * 60, True),
    ("high", 2 * 60, 8 * 60, True),
    ("critical", 60, 8 * 60, False),
]


def add_defaults(apps, schema_editor):
    BusinessHours = apps.get_model("service", "BusinessHours")
    SlaPolicy = apps.get_model("service", "SlaPolicy")
    if not BusinessHours.objects.exists():
        BusinessHours.objects.bulk_create(
            BusinessHours(weekday=day, opens=opens, closes=closes) for day, opens, closes in HOURS
        )
    for severity, first, resolution, business_hours_only in POLICIES:
        SlaPolicy.objects.get_or_create(
            severity=severity,
            defaults={
                "first_response_minutes": first,
                "resolution_minutes": resolution,
                "business_hours_only": business_hours_only,
                "warning_percent": 80,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("service", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
