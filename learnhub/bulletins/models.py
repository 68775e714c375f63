"""Monthly learning bulletins, their items, subscribers, and one delivery row per recipient."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from learnhub.core.database import Base, RowId, enum_type
from learnhub.core.time import utcnow


class BulletinStatus(enum.StrEnum):
    DRAFT = "draft"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    PUBLISHED = "published"


class ItemKind(enum.StrEnum):
    THEME = "theme"
    ACTION = "action"
    STORY = "story"
    FIGURE = "figure"


class SubscriberStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"


class SubscriberSource(enum.StrEnum):
    SIGNUP = "signup"
    IMPORT = "import"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED_TEMPORARY = "failed_temporary"
    FAILED_PERMANENT = "failed_permanent"


class Bulletin(Base):
    __tablename__ = "bulletins"
    __table_args__ = (
        # Publishing needs a second person: the approver is never the one who submitted.
        sa.CheckConstraint(
            "approved_by_id IS NULL OR submitted_by_id IS NULL "
            "OR approved_by_id <> submitted_by_id",
            name="second_person_approves",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int | None] = mapped_column(unique=True)  # given at publication
    period: Mapped[dt.date] = mapped_column(unique=True)  # the 1st of the month it covers
    title: Mapped[str] = mapped_column(sa.String(200))
    lead_markdown: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    status: Mapped[BulletinStatus] = mapped_column(
        enum_type(BulletinStatus, "bulletin_status"), default=BulletinStatus.DRAFT, index=True
    )
    # Frozen at publication so that the permanent page and the email never change afterwards.
    published_html: Mapped[str | None] = mapped_column(sa.Text)
    published_text: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    submitted_at: Mapped[dt.datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    approved_at: Mapped[dt.datetime | None]
    published_at: Mapped[dt.datetime | None]
    send_after: Mapped[dt.datetime | None]

    items: Mapped[list[BulletinItem]] = relationship(
        back_populates="bulletin",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="BulletinItem.position",
    )


class BulletinItem(Base):
    __tablename__ = "bulletin_items"
    __table_args__ = (sa.Index("ix_bulletin_items_bulletin_position", "bulletin_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bulletin_id: Mapped[int] = mapped_column(sa.ForeignKey("bulletins.id", ondelete="CASCADE"))
    kind: Mapped[ItemKind] = mapped_column(enum_type(ItemKind, "bulletin_item_kind"))
    position: Mapped[int] = mapped_column(default=0)
    heading: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    theme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("themes.id", ondelete="SET NULL"))
    action_id: Mapped[int | None] = mapped_column(sa.ForeignKey("actions.id", ondelete="SET NULL"))
    report_id: Mapped[int | None] = mapped_column(
        RowId, sa.ForeignKey("reports.id", ondelete="SET NULL")
    )

    bulletin: Mapped[Bulletin] = relationship(back_populates="items")


class Subscriber(Base):
    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)  # stored lower-cased
    status: Mapped[SubscriberStatus] = mapped_column(
        enum_type(SubscriberStatus, "subscriber_status"),
        default=SubscriberStatus.PENDING,
        index=True,
    )
    source: Mapped[SubscriberSource] = mapped_column(
        enum_type(SubscriberSource, "subscriber_source")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[dt.datetime | None]
    unsubscribed_at: Mapped[dt.datetime | None]


class Delivery(Base):
    __tablename__ = "deliveries"
    __table_args__ = (
        # One row per recipient per issue: a restart can never send the same issue twice.
        sa.UniqueConstraint("bulletin_id", "subscriber_id"),
        sa.Index("ix_deliveries_bulletin_status", "bulletin_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bulletin_id: Mapped[int] = mapped_column(sa.ForeignKey("bulletins.id", ondelete="CASCADE"))
    subscriber_id: Mapped[int] = mapped_column(
        sa.ForeignKey("subscribers.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_type(DeliveryStatus, "delivery_status"), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    last_attempt_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    message_id: Mapped[str | None] = mapped_column(sa.String(255))


class PublishedBulletinChanged(RuntimeError):
    """Something tried to change a published issue: its page and email are frozen for good."""


FROZEN_COLUMNS = (
    "number",
    "period",
    "title",
    "lead_markdown",
    "status",
    "published_html",
    "published_text",
    "published_at",
    "submitted_by_id",
    "approved_by_id",
)


def _was_published(bulletin: Bulletin) -> bool:
    history = sa.inspect(bulletin).attrs.status.history
    before = history.deleted or history.unchanged
    return bool(before) and before[0] == BulletinStatus.PUBLISHED


@sa.event.listens_for(Session, "before_flush")
def _refuse_changes_to_published_issues(
    session: Session, context: object, instances: object
) -> None:
    """The last line of defence behind the services' checks: a published issue is immutable."""
    for obj in session.dirty:
        if isinstance(obj, Bulletin) and _was_published(obj):
            state = sa.inspect(obj)
            changed = [name for name in FROZEN_COLUMNS if state.attrs[name].history.has_changes()]
            if changed:
                raise PublishedBulletinChanged(
                    f"Issue {obj.number} is published and cannot be changed ({', '.join(changed)})"
                )
    for obj in session.deleted:
        if isinstance(obj, Bulletin) and _was_published(obj):
            raise PublishedBulletinChanged(f"Issue {obj.number} is published and cannot be deleted")
    items = [
        o for o in (*session.new, *session.dirty, *session.deleted) if isinstance(o, BulletinItem)
    ]
    with session.no_autoflush:
        for item in items:
            parent = session.get(Bulletin, item.bulletin_id) if item.bulletin_id else None
            if parent is not None and _was_published(parent):
                raise PublishedBulletinChanged(
                    f"Issue {parent.number} is published: its items cannot be changed"
                )
