"""Imports every feature's models so that the metadata Alembic compares is complete."""

from learnhub.actions.models import Action
from learnhub.audit.models import AuditEvent
from learnhub.auth.models import ApiToken, User
from learnhub.bulletins.models import Bulletin, BulletinItem, Delivery, Subscriber
from learnhub.core.database import Base
from learnhub.core.models import JobLock, Setting
from learnhub.dashboard.models import (
    MonthlyCodes,
    MonthlyDelays,
    MonthlyReports,
    MonthlyTiers,
    RollupRefresh,
)
from learnhub.reports.models import (
    Report,
    ReporterMessage,
    ReportIdempotencyKey,
    ServiceArea,
    SpentSubmission,
)
from learnhub.taxonomy.models import (
    FactorChange,
    ReportFactor,
    ReviewerCoding,
    SuggestionModel,
    TaxonomyCode,
    TaxonomyCodeMapping,
    TaxonomyVersion,
)
from learnhub.themes.models import Theme, ThemeMember, ThemeRun

__all__ = [
    "Action",
    "ApiToken",
    "AuditEvent",
    "Base",
    "Bulletin",
    "BulletinItem",
    "Delivery",
    "FactorChange",
    "JobLock",
    "MonthlyCodes",
    "MonthlyDelays",
    "MonthlyReports",
    "MonthlyTiers",
    "Report",
    "ReportFactor",
    "ReportIdempotencyKey",
    "ReporterMessage",
    "ReviewerCoding",
    "RollupRefresh",
    "ServiceArea",
    "Setting",
    "SpentSubmission",
    "Subscriber",
    "SuggestionModel",
    "TaxonomyCode",
    "TaxonomyCodeMapping",
    "TaxonomyVersion",
    "Theme",
    "ThemeMember",
    "ThemeRun",
    "User",
]
