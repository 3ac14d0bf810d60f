"""A stamp: a template part rendered once with markers, filled per row with escaped values,
gives what rendering the part for each row would."""

from django.template.loader import render_to_string
from django.test import override_settings
from django.utils.safestring import mark_safe

from rapport.core.stamps import Stamp

PART = (
    '{% partialdef row %}<li data-n="{{ row.n }}"><a href="{{ prefix }}{{ row.n }}/">'
    "{{ row.name }}</a> {{ row.note }} {% translate 'Complete' %}</li>{% endpartialdef %}"
)
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "OPTIONS": {
            "loaders": [("django.template.loaders.locmem.Loader", {"t.html": PART})],
            "builtins": ["django.templatetags.i18n"],
        },
    }
]
ROWS = [
    {"n": 1, "name": 'Koval & "Sons" <b>', "note": mark_safe("<em>kept</em>")},
    {"n": 22, "name": "O'Neil", "note": ""},
]


@override_settings(TEMPLATES=TEMPLATES)
def test_a_filled_stamp_is_the_part_rendered_for_that_row():
    stamp = Stamp("t.html#row", ("n", "name", "note"), {"prefix": "/things/"})

    filled = [stamp.fill(row) for row in ROWS]

    assert filled == [
        render_to_string("t.html#row", {"prefix": "/things/", "row": row}) for row in ROWS
    ]
    assert filled[0] == (
        '<li data-n="1"><a href="/things/1/">Koval &amp; &quot;Sons&quot; &lt;b&gt;</a> '
        "<em>kept</em> Complete</li>"
    )
    assert filled[1] == '<li data-n="22"><a href="/things/22/">O&#x27;Neil</a>  Complete</li>'
