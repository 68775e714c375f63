"""The audit trail's hash chain: intact after appends, broken at the first edited row."""

import pytest
import sqlalchemy as sa

from learnhub.audit import services as audit
from learnhub.audit.models import AuditEvent
from learnhub.core.extensions import db
from tests.factories import make_user


@pytest.mark.usefixtures("app")
def test_the_chain_holds_and_names_the_first_edited_entry() -> None:
    actor = make_user()
    events = [audit.record(db.session, actor, "read", "report", f"LR-{i}") for i in range(3)]
    db.session.commit()
    assert events[1].prev_hash == events[0].entry_hash
    assert audit.first_broken_entry(db.session) is None

    db.session.execute(
        sa.update(AuditEvent).where(AuditEvent.id == events[1].id).values(object_id="LR-other")
    )
    db.session.commit()
    db.session.expire_all()
    assert audit.first_broken_entry(db.session) == events[1].id


@pytest.mark.usefixtures("app")
def test_deleting_an_entry_breaks_the_chain_at_the_next() -> None:
    events = [audit.record(db.session, None, "create", "user", i) for i in range(3)]
    db.session.commit()
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == events[1].id))
    db.session.commit()
    assert audit.first_broken_entry(db.session) == events[2].id
