"""What a dispatcher pass did: a light module, so `check` can report an empty queue without
loading the dispatcher, its renderers or the analysis."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class DeliveryReport:
    """One pass's counts; `pending` is the queue left after it (due later, or waiting for a
    channel that is down or not configured). `to_dict` is `check --json`'s "deliveries"."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    gone: int = 0
    pending: int = 0
    down: dict[str, str] = field(default_factory=dict)  # channel -> why it paused

    def to_dict(self) -> dict[str, int]:
        return {"sent": self.sent, "pending": self.pending, "failed": self.failed}
