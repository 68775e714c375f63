"""Monthly bulletins: assembling a draft, the editor's lead piece, a second person's approval, and
publication as a numbered issue that never changes afterwards.

Free of Flask request objects: callers pass the session, the acting user and the settings.
Rendering uses the app's Jinja environment, so it needs an app context but no request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo

import holidays
import nh3
import sqlalchemy as sa
from flask import current_app
from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy.orm import Session

from learnhub.actions.models import Action, ActionStatus
from learnhub.auth.models import User
from learnhub.bulletins.models import (
    Bulletin,
    BulletinItem,
    BulletinStatus,
    Delivery,
    DeliveryStatus,
    ItemKind,
)
from learnhub.core.text import one_line_problem
from learnhub.core.time import add_months, utcnow
from learnhub.core.words import shorten
from learnhub.disclosure.counts import publish_keyed, threshold
from learnhub.disclosure.text import shareable_answers, shareable_reports
from learnhub.reports.models import EventType, Report
from learnhub.themes.models import LearningStatus, Theme, ThemeMember, ThemeStatus
from learnhub.themes.sharing import shared_themes

MAX_LEAD_LENGTH = 20_000
MAX_TITLE_LENGTH = 200
MAX_STORIES = 5
# Tags the lead piece may use once its Markdown is rendered; everything else is stripped.
LEAD_TAGS = {
    "p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "h2", "h3", "h4", "code",
}  # fmt: skip
STORY_FIELDS = ("narrative", "what_stopped_it", "what_would_help")
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False})


# The scheduled send goes out at this local time on the month's first working day.
SEND_TIME = dt.time(9, 0)


@cache
def _bank_holidays(year: int) -> holidays.HolidayBase:
    # England and Wales share their bank holidays; "ENG" is the subdivision that lists them.
    return holidays.country_holidays("GB", subdiv="ENG", years=year)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def first_working_day(year: int, month: int) -> dt.date:
    day = dt.date(year, month, 1)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def send_moment(after: dt.datetime, timezone: str) -> dt.datetime:
    """When an issue published at ``after`` goes to subscribers: 09:00 on the next month's
    first working day that has not passed (this month's, if it is still to come; an issue
    published on 7 December goes on the first working day of January), unless an editor
    sends it sooner."""
    zone = ZoneInfo(timezone)
    local = after.astimezone(zone)
    month = local.date().replace(day=1)
    for _ in range(2):
        day = first_working_day(month.year, month.month)
        moment = dt.datetime.combine(day, SEND_TIME, zone)
        if moment >= local:
            return moment
        month = add_months(month, 1)
    raise AssertionError("unreachable: next month's first working day is always ahead")


def scheduled_send(bulletin: Bulletin, timezone: str) -> dt.datetime | None:
    """When a published issue goes out (a moment in the service's time zone)."""
    if bulletin.send_after is not None:
        moment = bulletin.send_after
        moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(ZoneInfo(timezone))
    if bulletin.published_at is None:
        return None
    published_at = bulletin.published_at
    if published_at.tzinfo is None:
        published_at = published_at.replace(tzinfo=dt.UTC)
    return send_moment(published_at, timezone)


class BulletinError(Exception):
    """The bulletin cannot do what was asked; ``message`` says why in plain words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def render_lead(markdown_text: str) -> Markup:
    """The editor's Markdown as safe HTML: raw HTML is not rendered, then nh3 strips what is left
    outside a small list of tags (no images, scripts, styles or event handlers; http(s) links)."""
    html = _markdown.render(markdown_text or "")
    clean = nh3.clean(
        html,
        tags=LEAD_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above


def month_title(period: dt.date) -> str:
    return f"Learning bulletin: {period:%B %Y}"


def bulletin_for(session: Session, period: dt.date) -> Bulletin | None:
    return session.scalar(sa.select(Bulletin).where(Bulletin.period == period.replace(day=1)))


def _in_month(value: dt.datetime | dt.date | None, period: dt.date) -> bool:
    if value is None:
        return False
    day = value.date() if isinstance(value, dt.datetime) else value
    return period <= day < add_months(period, 1)


def month_themes(session: Session, period: dt.date) -> list[Theme]:
    """Accepted themes decided this month, and those the panel is actively learning from."""
    accepted = session.scalars(
        sa.select(Theme).where(Theme.status == ThemeStatus.ACCEPTED).order_by(Theme.id)
    )
    return [
        theme
        for theme in accepted
        if _in_month(theme.decided_at, period)
        or theme.learning_status == LearningStatus.ACTIVE_LEARNING
    ]


def month_actions(session: Session, period: dt.date) -> list[Action]:
    return list(
        session.scalars(
            sa.select(Action)
            .where(
                Action.status == ActionStatus.COMPLETED,
                Action.completed_on >= period,
                Action.completed_on < add_months(period, 1),
            )
            .order_by(Action.completed_on, Action.id)
        )
    )


@dataclass(frozen=True)
class Figure:
    label: str
    shown: str  # "12", "0" or "fewer than 5": never a suppressed number


def month_figures(session: Session, period: dt.date, k: int) -> list[Figure]:
    """Reports received in the month, in total and by event type, published as the dashboard
    publishes its figures (``learnhub.disclosure.counts``): the types are a line with the total
    beside it, so a lone small type takes the next smallest with it, and shown counts are
    rounded to the nearest k."""
    rows = session.execute(
        sa.select(Report.event_type, sa.func.count())
        .where(Report.received_on >= period, Report.received_on < add_months(period, 1))
        .group_by(Report.event_type)
    )
    counts = {EventType(kind): int(n) for kind, n in rows.all()}
    cells, total = publish_keyed({kind: counts.get(kind, 0) for kind in EventType}, k)
    figures = [Figure("Reports received", total.label(k))]
    figures += [Figure(EVENT_TYPE_NAMES[kind], cells[kind].label(k)) for kind in EventType]
    return figures


EVENT_TYPE_NAMES = {
    EventType.NEAR_MISS: "Near misses",
    EventType.NO_HARM: "Went wrong, no one harmed",
    EventType.HARM: "Went wrong, a child or family affected",
    EventType.GOOD_PRACTICE: "Good practice",
}


def story_text(report: Report) -> str:
    """A story is built ONLY from the reviewer-confirmed redacted answers."""
    answers = shareable_answers(report)
    if answers is None:
        raise BulletinError("Only de-identified reports can be shared as stories")
    parts = [answers[name].strip() for name in STORY_FIELDS]
    return "\n\n".join(part for part in parts if part)


def story_candidates(session: Session, bulletin: Bulletin) -> list[Report]:
    """De-identified reports up to the end of the month that no other issue has used."""
    used_elsewhere = sa.select(BulletinItem.report_id).where(
        BulletinItem.kind == ItemKind.STORY,
        BulletinItem.bulletin_id != bulletin.id,
        BulletinItem.report_id.is_not(None),
    )
    return list(
        session.scalars(
            sa.select(Report)
            .where(
                *shareable_reports(),
                Report.deidentified_on < add_months(bulletin.period, 1),
                Report.id.not_in(used_elsewhere),
            )
            .order_by(Report.deidentified_on.desc(), Report.id.desc())
            .limit(50)
        )
    )


@dataclass(frozen=True)
class StoryCandidate:
    """A de-identified report as the story picker shows it: when, which themes, what it says."""

    report_id: int
    deidentified_on: dt.date | None
    event_month: dt.date | None
    themes: list[str]
    excerpt: str  # the first sentences, cut at a word
    text: str  # the whole story as the bulletin would print it


EXCERPT_LENGTH = 280


def candidate_themes(session: Session, reports: list[Report]) -> dict[int, list[str]]:
    """For each report, the titles of the shared themes it belongs to (as the public sees them)."""
    if not reports:
        return {}
    rows = session.execute(
        sa.select(ThemeMember.report_id, Theme)
        .join(Theme, Theme.id == ThemeMember.theme_id)
        .where(
            ThemeMember.report_id.in_([r.id for r in reports]),
            Theme.status == ThemeStatus.ACCEPTED,
        )
    ).all()
    themes = list({theme.id: theme for _, theme in rows}.values())
    shared = shared_themes(session, themes)
    found: dict[int, list[str]] = {}
    for report_id, theme in rows:
        found.setdefault(report_id, []).append(shared[theme.id].title)
    return found


def story_candidate_views(session: Session, bulletin: Bulletin) -> list[StoryCandidate]:
    reports = story_candidates(session, bulletin)
    themes = candidate_themes(session, reports)
    views = []
    for report in reports:
        answers = shareable_answers(report) or {}
        text = story_text(report) if answers else ""
        views.append(
            StoryCandidate(
                report_id=report.id,
                deidentified_on=report.deidentified_on,
                event_month=getattr(report, "event_month", None),
                themes=sorted(themes.get(report.id, [])),
                excerpt=shorten((answers.get("narrative") or text).strip(), EXCERPT_LENGTH),
                text=text,
            )
        )
    return views


def require_draft(bulletin: Bulletin) -> None:
    if bulletin.status == BulletinStatus.PUBLISHED:
        raise BulletinError(f"Issue {bulletin.number} is published and cannot be changed")
    if bulletin.status != BulletinStatus.DRAFT:
        raise BulletinError("Return the issue to draft before changing it")


def assemble_draft(session: Session, period: dt.date, k: int | None = None) -> Bulletin:
    """Build the month's draft, or refresh it while it is still a draft.

    Themes, actions and figures are re-read each time; the stories the editor picked stay,
    their text refreshed from the reports' current de-identified versions.
    """
    period = period.replace(day=1)
    k = threshold() if k is None else k
    bulletin = bulletin_for(session, period)
    if bulletin is None:
        bulletin = Bulletin(period=period, title=month_title(period), lead_markdown="")
        session.add(bulletin)
        session.flush()
    require_draft(bulletin)
    stories = [item for item in bulletin.items if item.kind == ItemKind.STORY]
    picked = [item.report_id for item in stories if item.report_id is not None]
    for item in list(bulletin.items):
        bulletin.items.remove(item)
    session.flush()
    items: list[BulletinItem] = []
    themes = month_themes(session, period)
    shared = shared_themes(session, themes)
    for theme in themes:
        items.append(
            BulletinItem(
                kind=ItemKind.THEME,
                heading=shared[theme.id].title[:MAX_TITLE_LENGTH],
                body=theme.summary,
                theme_id=theme.id,
            )
        )
    for action in month_actions(session, period):
        body = action.description
        if action.completion_evidence:
            body += f"\n\nWhat changed: {action.completion_evidence}"
        items.append(
            BulletinItem(
                kind=ItemKind.ACTION,
                heading=f"Done by {action.owner}"[:MAX_TITLE_LENGTH],
                body=body,
                action_id=action.id,
            )
        )
    items += _story_items(session, picked)
    for figure in month_figures(session, period, k):
        items.append(BulletinItem(kind=ItemKind.FIGURE, heading=figure.label, body=figure.shown))
    for position, item in enumerate(items):
        item.position = position
        bulletin.items.append(item)
    session.flush()
    return bulletin


def _story_items(session: Session, report_ids: list[int]) -> list[BulletinItem]:
    if not report_ids:
        return []
    reports = session.scalars(
        sa.select(Report).where(Report.id.in_(report_ids)).order_by(Report.id)
    )
    items = []
    for report in reports:
        if shareable_answers(report) is None:
            continue  # its de-identification was withdrawn: it may no longer be shared
        items.append(
            BulletinItem(
                kind=ItemKind.STORY,
                heading="A story from practice",
                body=story_text(report),
                report_id=report.id,
            )
        )
    return items


def pick_stories(session: Session, bulletin: Bulletin, report_ids: list[int]) -> None:
    """Replace the draft's stories with these de-identified reports, then refresh the draft."""
    require_draft(bulletin)
    allowed = {report.id for report in story_candidates(session, bulletin)}
    chosen = list(dict.fromkeys(report_ids))
    if any(report_id not in allowed for report_id in chosen):
        raise BulletinError("Choose stories only from the de-identified reports listed")
    if len(chosen) > MAX_STORIES:
        raise BulletinError(f"Choose up to {MAX_STORIES} stories")
    for item in [item for item in bulletin.items if item.kind == ItemKind.STORY]:
        bulletin.items.remove(item)
    session.flush()
    position = len(bulletin.items)
    for offset, item in enumerate(_story_items(session, chosen)):
        item.position = position + offset
        bulletin.items.append(item)
    session.flush()
    assemble_draft(session, bulletin.period)


def update_draft(bulletin: Bulletin, title: str, lead_markdown: str) -> None:
    require_draft(bulletin)
    title = title.strip()
    if not title:
        raise BulletinError("Enter a title")
    if len(title) > MAX_TITLE_LENGTH:
        raise BulletinError(f"Title must be {MAX_TITLE_LENGTH} characters or fewer")
    # The title becomes the email's Subject and the feed's entry title: one line only.
    if problem := one_line_problem("Title", title):
        raise BulletinError(problem)
    if len(lead_markdown) > MAX_LEAD_LENGTH:
        raise BulletinError(f"Lead piece must be {MAX_LEAD_LENGTH:,} characters or fewer")
    bulletin.title = title
    bulletin.lead_markdown = lead_markdown.replace("\r\n", "\n")


def submit(bulletin: Bulletin, user: User) -> None:
    require_draft(bulletin)
    if not bulletin.lead_markdown.strip():
        raise BulletinError("Write the lead piece before sending the issue for approval")
    bulletin.status = BulletinStatus.AWAITING_APPROVAL
    bulletin.submitted_by_id = user.id
    bulletin.submitted_at = utcnow()


def approve(bulletin: Bulletin, user: User) -> None:
    if bulletin.status != BulletinStatus.AWAITING_APPROVAL:
        raise BulletinError("Only an issue waiting for approval can be approved")
    if bulletin.submitted_by_id == user.id:
        raise BulletinError(
            "A second editor must approve this issue: you sent it for approval yourself"
        )
    bulletin.status = BulletinStatus.APPROVED
    bulletin.approved_by_id = user.id
    bulletin.approved_at = utcnow()


def return_to_draft(bulletin: Bulletin) -> None:
    if bulletin.status not in (BulletinStatus.AWAITING_APPROVAL, BulletinStatus.APPROVED):
        raise BulletinError("Only an issue waiting for approval or approved can go back to draft")
    bulletin.status = BulletinStatus.DRAFT
    bulletin.submitted_by_id = bulletin.approved_by_id = None
    bulletin.submitted_at = bulletin.approved_at = None


def publish(session: Session, bulletin: Bulletin, user: User) -> None:
    """Number the issue and freeze its page and email text; nothing changes it afterwards."""
    if bulletin.status != BulletinStatus.APPROVED:
        raise BulletinError("An issue must be approved by a second editor before publication")
    if bulletin.approved_by_id is None or bulletin.approved_by_id == bulletin.submitted_by_id:
        raise BulletinError("A second editor must approve this issue before publication")
    latest = session.scalar(sa.select(sa.func.max(Bulletin.number))) or 0
    bulletin.number = latest + 1
    bulletin.published_at = utcnow()
    moment = send_moment(bulletin.published_at, current_app.config["TIMEZONE"])
    bulletin.send_after = moment.astimezone(dt.UTC)
    bulletin.published_html, bulletin.published_text = render_issue(bulletin)
    bulletin.status = BulletinStatus.PUBLISHED
    session.flush()


@dataclass(frozen=True)
class IssueView:
    """What the templates show: the same for the preview, the web page and the email."""

    bulletin: Bulletin
    lead_html: Markup
    themes: list[BulletinItem]
    actions: list[BulletinItem]
    stories: list[BulletinItem]
    figures: list[BulletinItem]


def issue_view(bulletin: Bulletin) -> IssueView:
    def of(kind: ItemKind) -> list[BulletinItem]:
        return [item for item in bulletin.items if item.kind == kind]

    return IssueView(
        bulletin=bulletin,
        lead_html=render_lead(bulletin.lead_markdown),
        themes=of(ItemKind.THEME),
        actions=of(ItemKind.ACTION),
        stories=of(ItemKind.STORY),
        figures=of(ItemKind.FIGURE),
    )


def render_issue(bulletin: Bulletin) -> tuple[str, str]:
    """The issue's body as an HTML fragment and as plain text (frozen at publication)."""
    env = current_app.jinja_env
    view = issue_view(bulletin)
    html = env.get_template("bulletins/_issue.html").render(issue=view)
    text = env.get_template("email/bulletin_body.txt").render(issue=view)
    return html, text


def issue_body(bulletin: Bulletin) -> tuple[Markup, str]:
    """The published text if frozen, or the draft rendered now for a preview."""
    if bulletin.status == BulletinStatus.PUBLISHED and bulletin.published_html is not None:
        return Markup(bulletin.published_html), bulletin.published_text or ""  # noqa: S704
    html, text = render_issue(bulletin)
    return Markup(html), text  # noqa: S704 - rendered by our autoescaping templates


def published(session: Session) -> list[Bulletin]:
    return list(
        session.scalars(
            sa.select(Bulletin)
            .where(Bulletin.status == BulletinStatus.PUBLISHED)
            .order_by(Bulletin.number.desc())
        )
    )


def published_issue(session: Session, number: int) -> Bulletin | None:
    return session.scalar(
        sa.select(Bulletin).where(
            Bulletin.number == number, Bulletin.status == BulletinStatus.PUBLISHED
        )
    )


def latest_published(session: Session) -> Bulletin | None:
    return session.scalar(
        sa.select(Bulletin)
        .where(Bulletin.status == BulletinStatus.PUBLISHED)
        .order_by(Bulletin.number.desc())
        .limit(1)
    )


def delivery_counts(session: Session, bulletin_id: int) -> dict[str, int]:
    rows = session.execute(
        sa.select(Delivery.status, sa.func.count())
        .where(Delivery.bulletin_id == bulletin_id)
        .group_by(Delivery.status)
    )
    counts = {status.value: 0 for status in DeliveryStatus}
    counts.update({DeliveryStatus(status).value: int(n) for status, n in rows.all()})
    return counts
