"""Every example rule in docs/segments.md is a valid rule (and counts in one statement)."""

import json
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.catalog.models import Category
from rapport.contacts.models import Contact
from rapport.segments import selectors

DOC = Path(__file__).resolve().parents[2] / "docs" / "segments.md"

pytestmark = pytest.mark.django_db


def test_the_documented_examples_are_valid_rules():
    Category.objects.create(pk=12, name="Summer holidays")
    examples = re.findall(r"```json\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)

    assert len(examples) == 4
    for text in examples:
        q = selectors.rule_filter(selectors.parse_rule(json.loads(text)), user=None)
        with CaptureQueriesContext(connection) as queries:
            assert Contact.objects.filter(q).count() == 0
        assert len(queries) == 1
