"""Whether a reply asks to stop messages: the word alone (any case, punctuation around it
ignored), in the languages Rapport speaks. Pure, no Django."""

import unicodedata

STOP_WORDS = frozenset(
    {
        # English (the carriers' standard opt-out words)
        "stop",
        "stopall",
        "unsubscribe",
        "cancel",
        "end",
        "quit",
        # Russian
        "стоп",
        "отписаться",
        "отписка",
        # Ukrainian
        "відписатися",
        "відписка",
        # Lithuanian
        "atsisakyti",
        "atsisakau",
        "stabdyti",
    }
)


def asks_to_stop(text: str) -> bool:
    word = unicodedata.normalize("NFKC", text).strip().strip(".!,;:-—()\"'«»").casefold()
    return word in STOP_WORDS
