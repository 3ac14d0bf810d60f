"""`rapport hooks`: the webhook URLs providers call, and their registration.

    rapport hooks                       every hook URL and where it goes
    rapport hooks --check               also what Telegram and Viber have registered now
    rapport hooks --register telegram   register the hook with Telegram (or viber)
    rapport hooks --unregister viber    stop Viber calling Rapport

Exit status 1, with what to fix, when a registration or a check fails (campaigns/webhook_setup.py).
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from rapport.campaigns import webhook_setup
from rapport.campaigns.webhook_setup import REGISTERED, SetupError


class Command(BaseCommand):
    help = "Show the webhook URLs providers call; register them with Telegram and Viber."

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--register", choices=REGISTERED, help="register this provider's hook")
        group.add_argument("--unregister", choices=REGISTERED, help="remove this provider's hook")
        group.add_argument(
            "--check", action="store_true", help="ask Telegram and Viber what they have registered"
        )

    def handle(self, *args: object, **options: object) -> None:
        try:
            if options.get("register"):
                self.stdout.write(webhook_setup.register(str(options["register"])))
                return
            if options.get("unregister"):
                self.stdout.write(webhook_setup.unregister(str(options["unregister"])))
                return
            failed = False
            for hook in webhook_setup.hooks():
                state = _("configured") if hook.configured else _("not configured")
                self.stdout.write(f"{hook.provider} ({state})\n  {hook.url}\n  {hook.how}")
                if options.get("check") and hook.configured and hook.provider in REGISTERED:
                    try:
                        self.stdout.write("  " + webhook_setup.registered(hook.provider))
                    except SetupError as exc:
                        failed = True
                        self.stderr.write(f"  {exc}")
            if failed:
                raise CommandError(_("A provider could not be asked; see above."))
        except SetupError as exc:
            raise CommandError(str(exc)) from exc
