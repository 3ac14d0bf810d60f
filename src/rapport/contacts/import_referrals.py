"""The contact import's `referred_by` column: which contact each row's referrer is.

A cell names the referrer by external id, e-mail or phone, of a contact already in Rapport
(one the importer may see) or on any row of the same file, before or after. Rows are
resolved once the whole file is read, as links between "nodes": an existing contact's id,
or -row for a contact the file creates (its id is known only once written). A referrer that
cannot be found, the contact itself, or a link closing a circle with the links already
stored is an error on the referring row."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from rapport.contacts.import_rows import ReferrerKeys
from rapport.contacts.models import Contact
from rapport.contacts.services.referrals import cycle_members
from rapport.core.imports import ImportContext


@dataclass
class Referrals:
    """What the import collects while reading rows, for `resolve`."""

    # value → contact id, as in the database (those the importer may see, when restricted)
    by_external: Mapping[str | None, int]
    by_email: Mapping[str, int]
    by_phone: Mapping[str, int]
    visible: set[int] | None
    # value → the first row of the file giving it
    file_external: Mapping[str, int]
    file_email: Mapping[str, int]
    file_phone: Mapping[str, int]
    row_node: dict[int, int] = field(default_factory=dict)  # accepted rows' nodes
    wanted: list[tuple[int, ReferrerKeys]] = field(default_factory=list)

    def accept(self, row: int, contact_id: int | None, referrer: ReferrerKeys | None) -> None:
        """A valid row: its contact (None: a new one) and the referrer its cell names."""
        self.row_node[row] = contact_id if contact_id is not None else -row
        if referrer is not None:
            self.wanted.append((row, referrer))

    def _in_database(self, keys: ReferrerKeys) -> int | None:
        found = self.by_external.get(keys.external_id)
        if found is None and keys.email:
            found = self.by_email.get(keys.email)
        if found is None and keys.phone:
            found = self.by_phone.get(keys.phone)
        if found is not None and self.visible is not None and found not in self.visible:
            return None
        return found

    def _in_file(self, keys: ReferrerKeys) -> int | None:
        row = self.file_external.get(keys.external_id)
        if row is None and keys.email:
            row = self.file_email.get(keys.email)
        if row is None and keys.phone:
            row = self.file_phone.get(keys.phone)
        return row

    def resolve(self, ctx: ImportContext) -> dict[int, int]:
        """node → referrer node for every row whose referrer was found; errors for the
        others (on the referring row, in the referred_by column)."""
        links: dict[int, int] = {}
        row_of: dict[int, int] = {}
        for row, keys in self.wanted:
            if row not in self.row_node:
                continue  # the row itself was refused
            node = self.row_node[row]
            target = self._in_database(keys)
            if target is None:
                file_row = self._in_file(keys)
                if file_row is not None and file_row not in self.row_node:
                    ctx.error(
                        row,
                        "referred_by",
                        _("The referrer is on row %(r)d, which has errors.") % {"r": file_row},
                    )
                    continue
                target = self.row_node.get(file_row) if file_row is not None else None
            if target is None:
                ctx.error(
                    row,
                    "referred_by",
                    _("No contact you can see has the external id, e-mail or phone %(v)s.")
                    % {"v": keys.external_id},
                )
                continue
            if target == node:
                ctx.error(row, "referred_by", _("A contact cannot refer themselves."))
                continue
            links[node] = target
            row_of[node] = row
        stored = dict(Contact.objects.exclude(referred_by=None).values_list("id", "referred_by_id"))
        circular = cycle_members({**stored, **links}).intersection(links)
        for node in sorted(circular, key=row_of.__getitem__):
            ctx.error(
                row_of[node],
                "referred_by",
                _(
                    "This referral goes round in a circle: the referrer was referred, directly "
                    "or through others, by this contact."
                ),
            )
            del links[node]
        return links


def real_id(node: int, new_ids: Mapping[int, int]) -> int:
    """A node's contact id: its own, or the id the import gave the row's new contact."""
    return node if node > 0 else new_ids[-node]


def link_new_contacts(links: Mapping[int, int], new_ids: Mapping[int, int]) -> None:
    """Set the referrer of the contacts the import created (existing ones are updated with
    their other fields, audited)."""
    rows: list[Any] = [
        (real_id(referrer, new_ids), real_id(node, new_ids))
        for node, referrer in links.items()
        if node < 0
    ]
    if not rows:
        return
    table = connection.ops.quote_name(Contact._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET referred_by_id = %s WHERE id = %s", rows)  # noqa: S608
