"""`rapport token create|list|revoke`: API tokens from the command line."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rapport.accounts import services
from rapport.accounts.models import ApiToken, User


class Command(BaseCommand):
    help = "Create, list or revoke API tokens. `create` prints the new token (shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Print a new API token for USERNAME.")
        create.add_argument("username")
        create.add_argument("--name", default="cli", help="What the token is for (default: cli).")
        listing = sub.add_parser("list", help="List a user's tokens (never their values).")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke", help="Revoke a token by its id or its prefix (rpt_…).")
        revoke.add_argument("token")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            user = self._user(options["username"])
            try:
                _token, raw = services.token_create(user=user, name=options["name"])
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
            self.stdout.write(raw)
        elif action == "list":
            user = self._user(options["username"])
            for token in ApiToken.objects.filter(user=user).order_by("-created_at", "-id"):
                state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
                used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
                self.stdout.write(
                    f"{token.pk}\t{token.key_prefix}…\t{token.name}\t{state}\tlast used: {used}"
                )
        else:
            services.token_revoke(actor=None, token=self._token(options["token"]))
            self.stdout.write(self.style.SUCCESS("Revoked."))

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        return user

    def _token(self, ref: str) -> ApiToken:
        tokens = ApiToken.objects.all()
        found = (
            tokens.filter(pk=int(ref))
            if ref.isdigit() and len(ref) < 19
            else tokens.filter(key_prefix=ref[:12])
        )
        if found.count() != 1:
            raise CommandError(f"No single token matches {ref!r}; see `rapport token list USER`.")
        return found.get()
