"""Stages get a built-in key, so the ready-made pipelines' stages show in the reader's language.

Stages already named exactly like a built-in one (the demo's, or an English-speaking
administrator's "Won") take its key; any other name stays as typed.
"""

from django.db import migrations, models

# BuiltinStage's English names, copied here: a migration never imports app code.
BUILTIN = {
    "Enquiry": "enquiry",
    "Offer sent": "offer_sent",
    "Booking": "booking",
    "Request": "request",
    "Proposal": "proposal",
    "Negotiation": "negotiation",
    "Contract signed": "contract_signed",
    "Won": "won",
    "Lost": "lost",
}


def key_builtin_stages(apps, schema_editor):
    Stage = apps.get_model("sales", "Stage")
    for name, key in BUILTIN.items():
        Stage.objects.filter(name=name).update(key=key)


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0004_lead_search_postgresql"),
    ]

    operations = [
        migrations.AddField(
            model_name="stage",
            name="key",
            field=models.CharField(
                blank=True,
                choices=[
                    ("enquiry", "Enquiry"),
                    ("offer_sent", "Offer sent"),
                    ("booking", "Booking"),
                    ("request", "Request"),
                    ("proposal", "Proposal"),
                    ("negotiation", "Negotiation"),
                    ("contract_signed", "Contract signed"),
                    ("won", "Won"),
                    ("lost", "Lost"),
                ],
                default="",
                max_length=20,
                verbose_name="built-in stage",
            ),
        ),
        migrations.RunPython(key_builtin_stages, migrations.RunPython.noop),
    ]
