"""Sign-in throttling: slows password guessing without letting an attacker lock a user out.

The policy (all counts are failed sign-ins in the last 15 minutes, kept in the database so
every web process shares them; see core/ratelimit.py for how the client address is found):

1. One account from one address: from the 3rd failure on, each further attempt must wait a
   growing delay after the last failure (1 s, 2 s, 4 s … up to 60 s); after 10 failures the
   pair is refused until the oldest of them is 15 minutes old. A success clears the pair.
2. One address, any accounts: after 30 failures it is refused until the oldest is 15
   minutes old (password spraying across many accounts).
3. One account, any addresses: after 10 failures, sign-ins from addresses that have never
   signed in to it (in the last 31 days) wait a growing delay after the last failure, up to
   60 s. Never a hard block: the account's owner, on a known address, is not slowed at all,
   and on a new one waits a minute at most, while a distributed guesser gets one try a
   minute for the whole account.

The check runs before the password is verified, so the right password does not work while
a pair is blocked, and a refused attempt costs no password hashing.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from rapport.core import ratelimit

WINDOW = dt.timedelta(minutes=15)
PAIR_LIMIT = 10
ADDRESS_LIMIT = 30
ACCOUNT_LIMIT = 10
DELAY_FROM = 3  # failures of a pair before delays start
MAX_DELAY = 60  # seconds
KNOWN_FOR = dt.timedelta(days=31)


@dataclass(frozen=True)
class Verdict:
    wait_seconds: int  # 0: the attempt may go ahead

    @property
    def allowed(self) -> bool:
        return self.wait_seconds == 0


def _account(username: str) -> str:
    return username.strip().casefold()


def _keys(username: str, address: str) -> dict[str, str]:
    account = _account(username)
    return {
        "pair": ratelimit.event_key("login-pair", account, address),
        "address": ratelimit.event_key("login-addr", address),
        "account": ratelimit.event_key("login-acct", account),
        "known": ratelimit.event_key("login-known", account, address),
    }


def _delay(failures: int, start: int) -> int:
    return min(2 ** (failures - start), MAX_DELAY) if failures >= start else 0


def _seconds_until(moment: dt.datetime, now: dt.datetime) -> int:
    return max(int((moment - now).total_seconds() + 0.999), 0)


def check(*, username: str, address: str) -> Verdict:
    """Whether a sign-in attempt for `username` from `address` may be tried now."""
    now = timezone.now()
    since = now - WINDOW
    keys = _keys(username, address)
    waits = [0]
    pair = ratelimit.recent_events(keys["pair"], since=since)
    if pair.count >= PAIR_LIMIT and pair.first is not None:
        waits.append(_seconds_until(pair.first + WINDOW, now))
    elif pair.last is not None:
        waits.append(
            _seconds_until(pair.last + dt.timedelta(seconds=_delay(pair.count, DELAY_FROM)), now)
        )
    by_address = ratelimit.recent_events(keys["address"], since=since)
    if by_address.count >= ADDRESS_LIMIT and by_address.first is not None:
        waits.append(_seconds_until(by_address.first + WINDOW, now))
    account = ratelimit.recent_events(keys["account"], since=since)
    if account.count >= ACCOUNT_LIMIT and account.last is not None:
        known = ratelimit.recent_events(keys["known"], since=now - KNOWN_FOR).count > 0
        if not known:
            delay = _delay(account.count, ACCOUNT_LIMIT - 1)
            waits.append(_seconds_until(account.last + dt.timedelta(seconds=delay), now))
    return Verdict(max(waits))


def failed(*, username: str, address: str) -> None:
    keys = _keys(username, address)
    ratelimit.record_event(keys["pair"], keys["address"], keys["account"])


def succeeded(*, username: str, address: str) -> None:
    """Clear the pair's failures and remember the address as known for the account."""
    keys = _keys(username, address)
    ratelimit.forget_events(keys["pair"], keys["known"])
    ratelimit.record_event(keys["known"])
