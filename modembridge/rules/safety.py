"""When an automatic reply must not be sent (pure).

Replies are gated, never the processing itself: an opt-out is recorded whatever these say.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class SafetyPolicy:
    """Auto-reply limits.

    Attributes:
        reply_limit: most auto-replies (rules + compliance) to one sender per `reply_window`.
        reply_window: the window of the limit; also how long a suspected bot stays muted.
        human_gap: an answer to our auto-reply sooner than this is not a person typing.
        fast_answers: this many of the last three auto-replies answered that fast = a bot.
    """

    reply_limit: int = 5
    reply_window: timedelta = timedelta(minutes=10)
    human_gap: timedelta = timedelta(seconds=2)
    fast_answers: int = 2


@dataclass(frozen=True)
class SenderHistory:
    """What the store knows about recent auto-replies to one sender.

    Attributes:
        auto_replies: auto-replies queued to the sender within the reply window.
        answer_gaps: for each recent auto-reply that was sent (newest first, within the
            window), the seconds until the sender's next message, or None if none came.
        handover_active: a person has the conversation (rules stay silent).
    """

    auto_replies: int = 0
    answer_gaps: tuple[float | None, ...] = ()
    handover_active: bool = False


def reply_block(
    history: SenderHistory, policy: SafetyPolicy, *, machine_sender: bool, compliance: bool
) -> str | None:
    """Why an auto-reply to this sender must not go out now, or None when it may.

    Compliance answers (STOP/START/JOIN confirmations, HELP) skip the loop guard: each
    answers a keyword the person typed, carriers expect them, and the per-sender limit
    still bounds them. Rule replies get every check.
    """
    if machine_sender:
        return "no auto-replies to short codes or alphanumeric senders"
    if history.auto_replies >= policy.reply_limit:
        minutes = int(policy.reply_window.total_seconds() // 60)
        return f"auto-reply limit reached ({policy.reply_limit} per {minutes} min)"
    if not compliance and looks_automated(history.answer_gaps, policy):
        return "the sender answers our auto-replies faster than a person could (loop guard)"
    return None


def looks_automated(gaps: Sequence[float | None], policy: SafetyPolicy) -> bool:
    """True when enough of the last three auto-replies were answered inhumanly fast."""
    limit = policy.human_gap.total_seconds()
    fast = sum(1 for gap in gaps[:3] if gap is not None and gap < limit)
    return fast >= policy.fast_answers
