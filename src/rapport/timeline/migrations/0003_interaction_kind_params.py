"""Timeline rows as data: a `kind` and its `params`, worded in the reader's language when shown.

The English sentences code wrote so far (orders, order status changes, enquiries, calls, lead
conversions) are turned into kind + params by one UPDATE per kind, parsing the sentence with
the database's string functions: no Python loop, so ten million rows take one pass per kind.
Rows whose sentence does not match the English pattern exactly (written under a translated
interface, or by hand) keep their text as it is and are shown as written.
"""

# ruff: noqa: S608 (the SQL is built from this file's own names and patterns, no input)

from django.db import migrations, models

from rapport.core.migration_ops import AddFieldInPlace

# English labels the services wrote for order statuses, and their codes.
ORDER_STATUS_LABELS = {
    "Booked": "booked",
    "Paid": "paid",
    "Cancelled": "cancelled",
    "Refunded": "refunded",
}


def _dialect(vendor: str) -> dict[str, str]:
    if vendor == "postgresql":
        return {"pos": "strpos", "json": "jsonb_build_object", "int": "bigint"}
    return {"pos": "instr", "json": "json_object", "int": "integer"}


def _status_code(expression: str) -> str:
    whens = " ".join(f"WHEN '{label}' THEN '{code}'" for label, code in ORDER_STATUS_LABELS.items())
    return f"(CASE {expression} {whens} END)"


def statements(vendor: str) -> list[str]:
    """One UPDATE per kind. `s` is the summary; every pattern anchors on both ends."""
    d = _dialect(vendor)
    pos, json, int_ = d["pos"], d["json"], d["int"]
    table = "timeline_interaction"
    s = "summary"
    colon = f"{pos}({s}, ': ')"
    arrow = f"{pos}({s}, ' → ')"
    order_id = f"COALESCE(source_id, CAST(substr({s}, 8, {pos}({s}, ':') - 8) AS {int_}))"
    old_label = f"substr({s}, {colon} + 2, {arrow} - {colon} - 2)"
    new_label = f"substr({s}, {arrow} + 3)"
    paren = f"{pos}({s}, ' (')"
    return [
        # "Order #620: 1420.00 EUR"
        f"""UPDATE {table} SET kind = 'order.placed', summary = '',
            params = {json}('order', {order_id},
                'total', substr({s}, {colon} + 2, length({s}) - {colon} - 5),
                'currency', substr({s}, length({s}) - 2, 3))
            WHERE kind = '' AND channel = 'order' AND direction = 'inbound'
              AND {s} LIKE 'Order #%: % ___' AND {s} NOT LIKE '%→%'""",
        # "Order #620: Booked → Paid"
        f"""UPDATE {table} SET kind = 'order.status_changed', summary = '',
            params = {json}('order', {order_id},
                'old', {_status_code(old_label)}, 'new', {_status_code(new_label)})
            WHERE kind = '' AND channel = 'order' AND direction = 'internal'
              AND {s} LIKE 'Order #%: % → %'
              AND {_status_code(old_label)} IS NOT NULL
              AND {_status_code(new_label)} IS NOT NULL""",
        # "Enquiry: Looking for a week in Crete"
        f"""UPDATE {table} SET kind = 'lead.enquiry', summary = '',
            params = {json}('message', substr({s}, 10), 'form', '')
            WHERE kind = '' AND direction = 'inbound' AND {s} LIKE 'Enquiry: %'""",
        # "Lead converted; deal “Crete, 7 nights” opened"
        f"""UPDATE {table} SET kind = 'lead.converted', summary = '',
            params = {json}('lead', source_id, 'title', substr({s}, 23, length({s}) - 30))
            WHERE kind = '' AND channel = 'note' AND direction = 'internal'
              AND {s} LIKE 'Lead converted; deal “%” opened'""",
        # "Inbound call from +380 67 123 4567 (2:05)" / "Outbound call to …"
        f"""UPDATE {table} SET kind = 'call.logged', summary = '',
            params = {json}('number', replace(substr({s}, 19, {paren} - 19), ' ', ''))
            WHERE kind = '' AND channel = 'phone' AND direction = 'inbound'
              AND {s} LIKE 'Inbound call from % (%:__)'""",
        f"""UPDATE {table} SET kind = 'call.logged', summary = '',
            params = {json}('number', replace(substr({s}, 18, {paren} - 18), ' ', ''))
            WHERE kind = '' AND channel = 'phone' AND direction = 'outbound'
              AND {s} LIKE 'Outbound call to % (%:__)'""",
    ]


def structure_sentences(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for sql in statements(schema_editor.connection.vendor):
            cursor.execute(sql)  # no parameters: the LIKE patterns' % are literal


class Migration(migrations.Migration):
    dependencies = [
        ("timeline", "0002_no_redundant_indexes"),
    ]

    operations = [
        AddFieldInPlace(
            model_name="interaction",
            name="kind",
            field=models.CharField(
                blank=True, db_default="", default="", max_length=40, verbose_name="kind"
            ),
        ),
        AddFieldInPlace(
            model_name="interaction",
            name="params",
            field=models.JSONField(
                blank=True, db_default=models.Value("{}"), default=dict, verbose_name="parameters"
            ),
        ),
        migrations.AlterField(
            model_name="interaction",
            name="summary",
            field=models.CharField(blank=True, max_length=300, verbose_name="summary"),
        ),
        migrations.RunPython(structure_sentences, migrations.RunPython.noop, elidable=True),
    ]
