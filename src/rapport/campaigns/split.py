"""Which group a campaign's recipient falls in (held out or not, which A/B variant), decided
by a hash of the campaign's id and the contact's id (no Django here).

The same (campaign, contact) always lands in the same bucket, so a preview, a launch, a
retried launch and a later report agree without storing a random draw. The hash is written
twice, here in Python and in `rapport.campaigns.targeting.bucket_sql` as SQL arithmetic that
SQLite and PostgreSQL evaluate alike (tests check they agree): integer multiplications and
remainders modulo the prime 2³¹−1, every intermediate product below 2⁶² so neither database
overflows (SQLite would turn to floating point, PostgreSQL would raise). Two squarings make
it non-linear, so consecutive contact ids do not fall into a regular pattern.

Each purpose draws with its own salt: the holdout (SALT_HOLDOUT) and the variant
(SALT_VARIANT) are independent, so every variant's recipients are a fair sample of the
treated group.
"""

from collections.abc import Sequence

PRIME = 2_147_483_647  # 2**31 - 1
BUCKETS = 100  # a bucket is one percent
SALT_HOLDOUT = 0
SALT_VARIANT = 1

# Odd multipliers below 2**31 (products with a value below PRIME stay below 2**62).
CONTACT_FACTOR = 1_103_515_245
CAMPAIGN_FACTOR = 2_027_384_611
SALT_FACTOR = 1_664_525
OFFSET = 1_013_904_223
SECOND_FACTOR = 1_799_040_217
SECOND_OFFSET = 374_761_393


def bucket(campaign_id: int, contact_id: int, salt: int) -> int:
    """The contact's bucket (0-99) in the campaign for the draw named by `salt`."""
    seed = (
        (contact_id % PRIME) * CONTACT_FACTOR % PRIME
        + (campaign_id % PRIME) * CAMPAIGN_FACTOR % PRIME
        + salt * SALT_FACTOR % PRIME
        + OFFSET
    ) % PRIME
    mixed = (seed * seed % PRIME) * SECOND_FACTOR % PRIME
    mixed = (mixed + SECOND_OFFSET) % PRIME
    return mixed * mixed % PRIME % BUCKETS


def held_out(campaign_id: int, contact_id: int, percent: int) -> bool:
    """Whether the contact is in the campaign's holdout of `percent` percent."""
    return bucket(campaign_id, contact_id, SALT_HOLDOUT) < percent


def variant_index(campaign_id: int, contact_id: int, shares: Sequence[int]) -> int:
    """The index of the contact's variant, given the variants' shares in percent (summing to
    100): variant k takes the buckets from the sum of the shares before it."""
    drawn = bucket(campaign_id, contact_id, SALT_VARIANT)
    upper = 0
    for index, share in enumerate(shares):
        upper += share
        if drawn < upper:
            return index
    return len(shares) - 1
