"""`rapport import KIND FILE [--dry-run] [--mapping FILE] [--skip-invalid] [--user NAME]`."""

import time
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from rapport.core import imports, visibility
from rapport.core.tabular import Table
from rapport.core.text import loads_json

SHOWN_ERRORS = 200


def load_mapping(path: str) -> dict[str, Any]:
    """A mapping file: a JSON object {"column header": "field" or null (ignore)}."""
    try:
        mapping = loads_json(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise CommandError(
            _("Cannot read the mapping file %(p)s: %(e)s") % {"p": path, "e": exc}
        ) from exc
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in mapping.items()
    ):
        raise CommandError(
            _('The mapping file must be a JSON object like {"Column header": "field"}.')
        )
    return mapping


class Command(BaseCommand):
    help = "Import contacts, leads, orders or products from a CSV or XLSX file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", help="contacts, leads, orders or products")
        parser.add_argument("file", help="a CSV (any common encoding and delimiter) or XLSX")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report, write nothing"
        )
        parser.add_argument("--mapping", help='JSON file {"column header": "field"}')
        parser.add_argument(
            "--skip-invalid", action="store_true", help="import the valid rows, skip the rest"
        )
        parser.add_argument(
            "--user",
            help="the user the import acts as and who owns new records "
            "(default: the first active admin)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def _actor(self, username: str | None) -> Any:
        users = get_user_model().objects.filter(is_active=True)
        if username:
            user = users.filter(username=username).first()
            if user is None:
                raise CommandError(_("No active user %(u)s.") % {"u": username})
            return user
        user = users.filter(visibility.admins_q()).order_by("id").first()
        if user is None:
            raise CommandError(_("No active admin to import as; pass --user USERNAME."))
        return user

    def handle(self, *args: Any, **options: Any) -> None:
        kind = options["kind"]
        if kind not in imports.kinds():
            raise CommandError(
                _("Unknown kind %(k)s; choose from: %(kinds)s.")
                % {"k": kind, "kinds": ", ".join(imports.kinds())}
            )
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(_("Cannot read %(p)s: %(e)s") % {"p": path, "e": exc}) from exc
        mapping = load_mapping(options["mapping"]) if options["mapping"] else None
        actor = self._actor(options["user"])
        bar: Any = None

        def on_table(table: Table) -> None:
            nonlocal bar
            if not options["no_progress"]:
                from tqdm import tqdm

                bar = tqdm(total=table.estimated_rows, unit="rows", file=self.stderr._out)

        started = time.perf_counter()
        try:
            result = imports.import_file(
                kind=kind,
                data=data,
                filename=path.name,
                actor=actor,
                mapping=mapping,
                dry_run=options["dry_run"],
                skip_invalid=options["skip_invalid"],
                progress=(lambda n: bar.update(n)) if not options["no_progress"] else None,
                on_table=on_table,
            )
        except PermissionError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            if bar is not None:
                bar.close()
        elapsed = time.perf_counter() - started
        if result.unreadable:
            # like a usage error: the command could not even start on this file
            raise CommandError(result.errors[0].message, returncode=2)
        if result.format:
            self.stdout.write(
                _("Read %(fmt)s %(enc)s %(delim)s; columns: %(cols)s")
                % {
                    "fmt": result.format.upper(),
                    "enc": result.encoding,
                    "delim": repr(result.delimiter) if result.delimiter else "",
                    "cols": ", ".join(f"{h} → {f or '-'}" for h, f in result.mapping.items()),
                }
            )
        for error in result.errors[:SHOWN_ERRORS]:
            where = _("row %(n)s") % {"n": error.row} if error.row else _("file")
            column = f" [{error.column}]" if error.column else ""
            self.stdout.write(f"  {where}{column}: {error.message}")
        if result.error_count > SHOWN_ERRORS:
            self.stdout.write(
                _("  … and %(n)d more errors.") % {"n": result.error_count - SHOWN_ERRORS}
            )
        message = f"{result.summary()} ({elapsed:.1f} s)"
        if result.committed or (result.dry_run and result.ok):
            self.stdout.write(self.style.SUCCESS(message))
        else:
            self.stdout.write(self.style.ERROR(message))
            raise CommandError(_("The import had errors."), returncode=1)
