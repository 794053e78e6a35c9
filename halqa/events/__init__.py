"""The event trail (see docs/architecture.md, "Event trail").

    from halqa import events
    events.record(events.Verb.ROLE_CHANGED, actor=actor, target=membership,
                  before={"role": "member"}, after={"role": "expert"}, community=community)

`record` is called by a service INSIDE its transaction, so the event and the change commit or roll
back together. Listeners registered with `on_commit` are called with each event after its
transaction commits (the place from which notifications will be scheduled).
"""

from __future__ import annotations

from .trail import listen, on_commit, record, unlisten  # noqa: F401


def __getattr__(name):  # the vocabulary without importing models at package import time
    if name in ("Verb", "Event", "SECURITY_VERBS"):
        from . import models

        return getattr(models, name)
    raise AttributeError(name)
