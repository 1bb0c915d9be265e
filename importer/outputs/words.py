"""Counted nouns in good English: `plural(1, "row")` is "1 row", `plural(3, "row")` "3 rows"."""

from __future__ import annotations

from collections.abc import Mapping


def plural(n: int, word: str, many: str | None = None) -> str:
    """`n word` with the noun in the singular for exactly one, else the plural (`many`, or word + s)."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


# How a line names the file's opt-out states: only a cancelled state is an opt-out; a bounce (Mailchimp's
# "cleaned") or a spam complaint says not to email someone, and no more.
OPT_OUT_WORDS = {"cancelled": "opted out", "bounced": "bounced", "complained": "complained"}
EVENT_WORDS = {"bounced": "bounce", "complained": "spam complaint"}  # not an unsubscribe


def ranked_states(states: Mapping[str, int]) -> list[tuple[str, int]]:
    """The states counted, most first, ties in Kit's order (cancelled, bounced, complained), none at 0."""
    order = list(OPT_OUT_WORDS)
    return sorted(((s, n) for s, n in states.items() if n),
                  key=lambda item: (-item[1], order.index(item[0]) if item[0] in order else len(order)))


def says_not_to_email(states: Mapping[str, int]) -> str:
    """What the file says of people in these states (cancelled, bounced...): `opted out` when each is an
    unsubscribe, else `not to email`, which is true of a bounce and of a spam complaint too."""
    return "opted out" if {s for s, _ in ranked_states(states)} <= {"cancelled"} else "not to email"


def in_the_file(states: Mapping[str, int], counted: bool = False) -> str:
    """`opted out`, `bounced`, or counted by the file's opt-out state when they differ (or when `counted`):
    `1 opted out`, `2 opted out, 1 bounced`; a line goes on `in the file ...`."""
    ranked = ranked_states(states)
    if not ranked:
        return "opted out"
    if len(ranked) == 1 and not counted:
        return OPT_OUT_WORDS.get(ranked[0][0], ranked[0][0])
    return ", ".join(f"{n:,} {OPT_OUT_WORDS.get(s, s)}" for s, n in ranked)


def kept_words(reason: str, state: str) -> str:
    """A kept_active reason (decide/unsubscribes.py's `Kept`) as a line says it of someone in this file state:
    a bounce or a spam complaint has a time, and an earlier run saw it, but it is no unsubscribe."""
    event = EVENT_WORDS.get(state)
    if event is None:
        return reason
    return (reason.replace("the file's unsubscribe time", f"the file's {event} time")
            .replace("saw the opt-out", f"saw the {event}"))
