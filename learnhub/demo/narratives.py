"""Synthetic learning reports for the demo: varied practitioner narratives with planted themes.

Pure and deterministic: the same arguments always give the same reports, with no clock or I/O.
"""

import calendar
import dataclasses
import datetime
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

_T = TypeVar("_T")

SERVICE_AREAS = (
    "front-door",
    "assessment",
    "child-protection",
    "children-in-care",
    "care-leavers",
    "fostering",
    "residential",
    "disabled-children",
    "out-of-hours",
    "early-help",
    "youth-justice",
)
REPORTER_ROLES = (
    "social_worker",
    "senior_practitioner",
    "team_manager",
    "personal_adviser",
    "family_support",
    "residential",
    "business_support",
    "other",
)
EVENT_TYPES = ("near_miss", "no_harm", "harm", "good_practice")
SEVERITIES = ("low", "moderate", "serious", "severe")

RISING_PATTERN = "placement-sufficiency"

# Shares are of all reports in a month; together the planted patterns make up about a third.
_STEADY_PATTERN_SHARE = 0.045
_RISING_BASE_SHARE = 0.025
_RISING_RAMP = (0.06, 0.09, 0.12, 0.15, 0.18)
_GOOD_PRACTICE_SHARE = 0.08
_GOOD_PRACTICE = "good-practice"

_BLANK_AREA_RATE = 0.15
_BLANK_ROLE_RATE = 0.20
_IDENTIFIER_RATE = 0.04
_EXTRA_HINT_RATE_PATTERN = 0.25
_EXTRA_HINT_RATE_GENERAL = 0.5
_TREND_RISE = 0.6
_MONTH_NOISE = 0.15
# A month still under way has had less time to gather reports; the floor keeps it on the chart.
_PART_MONTH_FLOOR = 0.25
_MEAN_REPORTING_DELAY_DAYS = 9
_MAX_RECEIPT_MONTHS = 3


@dataclass(frozen=True)
class DemoReport:
    what_happened: str
    what_nearly_happened: str
    what_stopped_it: str
    what_made_it_likely: str
    what_would_help: str
    event_type: str
    potential_severity: str | None
    event_month: datetime.date
    received_on: datetime.date
    service_area: str | None
    reporter_role: str | None
    pattern: str | None
    factor_hints: tuple[str, ...]
    seed_key: str


@dataclass(frozen=True)
class _Scenario:
    """One kind of story: the fragments each answer is composed from, and who tends to tell it."""

    key: str
    hints: tuple[str, ...]
    areas: tuple[str, ...]
    roles: tuple[str, ...]
    children: tuple[str, ...]
    openers: tuple[str, ...]
    events: tuple[str, ...]
    details: tuple[str, ...]
    nearly: tuple[str, ...]
    stopped: tuple[str, ...]
    likely: tuple[str, ...]
    helps: tuple[str, ...]


_ALL_AREAS = SERVICE_AREAS
_ALL_ROLES = REPORTER_ROLES

_HANDOVER = _Scenario(
    key="handover-agency-turnover",
    hints=("agency-turnover", "handover", "chronology"),
    areas=("child-protection", "children-in-care", "assessment", "disabled-children"),
    roles=("social_worker", "social_worker", "senior_practitioner", "team_manager"),
    children=("young", "older"),
    openers=(
        "I picked up a child protection case when the agency worker holding it left at short "
        "notice.",
        "The case of {child} came to me after the agency social worker finished their contract "
        "with a week's notice.",
        "I was allocated {child} the day after the previous locum worker's last day.",
        "Our team lost two agency workers in the same month and their cases were shared out "
        "among the rest of us.",
        "I became {ordinal} allocated worker for {child} in eighteen months.",
        "{When}, I was handed a case that had been with three agency workers since the spring.",
    ),
    events=(
        "There was no transfer summary, and the chronology on the file stopped {gap} before the "
        "handover.",
        "The handover was a ten-minute phone call and a list of visit dates; the chronology had "
        "not been touched since the last review.",
        "The case notes were up to date but there was no chronology, so the history was spread "
        "across hundreds of entries.",
        "The outgoing worker's last note said 'see handover', but no handover document was ever "
        "saved to the file.",
        "I found out at the core group that the previous worker had agreed actions with the "
        "family that were not recorded anywhere.",
        "With no chronology to go on, I started the assessment again from the beginning and "
        "asked the family questions they had answered many times before.",
    ),
    details=(
        "Mum told me she had told her story to four different workers and asked why she should "
        "bother again.",
        "The school DSL mentioned a disclosure from earlier in the year that I could not find "
        "anywhere on the file.",
        "An earlier referral about a new partner in the household only turned up when I read the "
        "old strategy notes.",
        "The plan was due for review in two weeks and I was still working out what had been "
        "tried before.",
        "It took me most of a week to piece together what had already happened.",
        "The health visitor assumed we knew about the missed appointments because she had told "
        "the last worker.",
    ),
    nearly=(
        "A pattern of earlier concerns about {ref} could have been missed at the review "
        "conference, and the plan stepped down on half the picture.",
        "We nearly treated a long-standing concern as new and started again, losing months of "
        "work and the family's trust.",
        "The child protection conference could have gone ahead without the history of earlier "
        "injuries in front of it.",
        "A recommendation to end the plan could have been made with nobody aware of the earlier "
        "disclosure.",
        "A statutory visit could have been missed altogether because the schedule only lived in "
        "the previous worker's diary.",
    ),
    stopped=(
        "The school DSL rang me to ask whether I knew about the earlier disclosure.",
        "A senior practitioner who had worked with the family years ago recognised them and told "
        "me what had happened before.",
        "I spent two evenings reading the whole file back to the first referral before the "
        "conference.",
        "The IRO asked for a chronology before the review went ahead and moved it back a week.",
        "The previous worker answered an email from their new job and filled in the gaps.",
        "Mum herself mentioned the earlier plan, which sent me back through the archive.",
    ),
    likely=(
        "High agency use in the team, no protected time for handovers, and no standard for what "
        "a transfer summary must contain.",
        "Chronologies are treated as a job for when there is time, and with our caseloads there "
        "never is.",
        "Agency contracts can end with a week's notice, and nobody owns the handover when they do.",
        "Turnover means cases move every few months, and each move loses a little more of the "
        "history.",
        "The team has had four managers in two years, so nobody has been checking handovers.",
        "Each new worker ends up starting again, so the family's history is retold rather than "
        "built on.",
    ),
    helps=(
        "A short, required transfer summary and an up-to-date chronology before any case moves, "
        "checked by the manager.",
        "Protected handover time written into agency contracts, including a joint visit with the "
        "new worker.",
        "Keep chronologies live as part of everyday recording, not as a separate task before "
        "conferences.",
        "The new worker reads the chronology with a manager before meeting the family.",
        "More permanent posts: every handover is a risk, and we have far too many of them.",
    ),
)

_STRATEGY = _Scenario(
    key="strategy-without-police",
    hints=("strategy-discussion", "police-attendance"),
    areas=("front-door", "assessment", "child-protection", "out-of-hours"),
    roles=("social_worker", "team_manager", "team_manager", "senior_practitioner"),
    children=("young", "older"),
    openers=(
        "A referral came in through the front door about {child} with an unexplained bruise.",
        "The school DSL referred {child} after a disclosure in class.",
        "We received a police PPN about domestic abuse in a household with {child}.",
        "{When}, a strategy discussion was needed for {child} after a disclosure at school.",
        "A hospital ward rang about {child} who had been brought in with an injury the parents "
        "could not explain.",
    ),
    events=(
        "The strategy discussion went ahead without the police, because nobody from the unit "
        "could join at the time offered.",
        "The strategy meeting was held with just social care and the school; police were invited "
        "but the invite went to an inbox nobody watches.",
        "The strategy discussion was a phone call between my manager and me, and the police view "
        "was recorded as 'to follow'.",
        "The officer who joined had not seen the PPN and had no access to their systems, so we "
        "went ahead without any police information.",
        "Police could not attend for two days, so the decision to start section 47 enquiries was "
        "made without them.",
        "The strategy discussion agreed a single-agency section 47 because the police were "
        "dealing with an incident elsewhere.",
    ),
    details=(
        "Police held information about a new adult in the household that we did not have.",
        "It later turned out there had been a previous call-out to the address that would have "
        "changed our view.",
        "Nobody agreed who would tell the parents or when, so any joint visit was not coordinated.",
        "The record of the discussion listed actions for social care only.",
        "Health had not been asked either, and the GP knew of two earlier injuries.",
    ),
    nearly=(
        "We nearly made a single-agency visit that could have alerted the adult police were "
        "worried about and spoiled any criminal investigation.",
        "{Ref} could have been left at home that night on the strength of an incomplete picture.",
        "The child could have been interviewed twice, once by each agency, instead of once "
        "jointly.",
        "The section 47 enquiry could have been closed as unsubstantiated without the police "
        "information that contradicted the parents' account.",
        "An evidential interview could have been compromised because a parent was told too early.",
    ),
    stopped=(
        "The police officer who rang back later in the day asked us to reconvene before anyone "
        "visited.",
        "My manager insisted we reconvene the next morning with police and health before anyone "
        "went out.",
        "A police researcher in the MASH checked their systems on the off-chance and found the "
        "earlier call-out.",
        "The paediatrician would not discharge until a full strategy discussion with police had "
        "taken place.",
        "The school DSL asked who from the police had been part of the decision, and the answer "
        "made us stop.",
    ),
    likely=(
        "Police availability for strategy discussions is thin in the afternoons, and there is no "
        "agreed escalation when nobody can attend.",
        "Invitations go to shared inboxes that are not watched at the same pace as ours.",
        "Pressure to decide the same day pushes us to go ahead with whoever is available.",
        "There is no shared standard for the minimum attendance at a strategy discussion.",
        "The police safeguarding unit covers a big area and struggles with short-notice calls.",
    ),
    helps=(
        "An agreed rule that a strategy discussion without police is paused or escalated, not "
        "held.",
        "A named police contact for strategy discussions each day, with a number that is answered.",
        "Invitations with a reply-by time, and the chair recording who was invited and who could "
        "not come.",
        "A short template that prompts the chair to ask each agency what they know before any "
        "decision.",
        "A quarterly look at strategy discussion attendance by the safeguarding partnership.",
    ),
)

_RECORDING = _Scenario(
    key="recording-system-hides-history",
    hints=("recording-system", "hidden-history"),
    areas=("front-door", "assessment", "child-protection", "children-in-care", "disabled-children"),
    roles=("social_worker", "business_support", "senior_practitioner", "team_manager"),
    children=("baby", "young", "older"),
    openers=(
        "Since we moved to the new case recording system, records open on a summary page with no "
        "sign of earlier history.",
        "{Child} was referred again six weeks after the switch to the new case recording system.",
        "I was doing a quick check on a contact about {child} for the front door.",
        "I was preparing the paperwork for a review for {child}.",
        "Business support asked me to check a record for {child} that had been migrated from the "
        "old system.",
    ),
    events=(
        "The warning flag about risk to visiting staff sat in a tab that only opens if you go "
        "looking for it.",
        "The previous child protection plan had been migrated as an attachment, so it did not "
        "show on the front screen.",
        "A warning about a violent adult linked to the household was held on a different record "
        "and did not show on the child's.",
        "The new system lists case notes newest first, twenty to a page, and the earlier concerns "
        "were on page nine.",
        "The alert that {ref} had been on a plan before was on the old system's front page but is "
        "three clicks deep in the new one.",
        "Records for brothers and sisters were not linked after migration, so concerns about an "
        "older sibling did not appear.",
    ),
    details=(
        "Nothing on the screen I was looking at suggested anything was missing.",
        "I only found it because I remembered the family from before the switch.",
        "The training on the system covered entering information but not where migrated history "
        "ends up.",
        "Colleagues I asked had not known the tab existed either.",
        "The chronology tool only draws on entries made since the migration.",
    ),
    nearly=(
        "The contact could have been closed as a first referral when it was actually the fifth.",
        "A worker could have visited alone, unaware of the warning about a violent adult.",
        "The case could have been stepped down to early help without anyone seeing the earlier "
        "plan.",
        "The review could have gone ahead with a chronology that started eighteen months too late.",
    ),
    stopped=(
        "A business support colleague who had worked on the migration knew where old alerts "
        "ended up and told me.",
        "The family's health visitor mentioned the previous plan during a routine call.",
        "I had a nagging feeling and searched the attachments by hand.",
        "My manager asked whether there was any earlier history and I went looking.",
        "Another agency's own records showed the earlier plan, and they asked about it.",
    ),
    likely=(
        "The system puts migrated history and alerts out of sight, and the screens we use every "
        "day do not show them.",
        "The migration was planned as a data task rather than a practice one, so nobody tested "
        "whether a busy duty worker would see the history.",
        "We were trained to put information in, not to find it.",
        "Warnings are attached to people rather than households, and the links did not survive "
        "the move.",
    ),
    helps=(
        "A banner on the front screen of any record with a previous plan, an alert or a warning "
        "about a linked adult.",
        "Repair sibling and household links on migrated records, and check a sample by hand.",
        "A short guide and a five-minute team huddle on where migrated history lives.",
        "Involve practitioners in testing system changes with real scenarios before go-live.",
    ),
)

_OUT_OF_HOURS = _Scenario(
    key="out-of-hours-cover",
    hints=("out-of-hours", "information-access"),
    areas=("out-of-hours", "out-of-hours", "out-of-hours", "children-in-care", "residential"),
    roles=("social_worker", "social_worker", "residential", "senior_practitioner", "other"),
    children=("older",),
    openers=(
        "{When_ooh}, I was on the emergency duty team when a call came in about {child}.",
        "{When_ooh}, EDT took a call from police about {child}.",
        "{When_ooh}, the residential home rang EDT because {child} had not come back.",
        "{When_ooh}, a foster carer rang the out-of-hours line about {child}.",
        "{When_ooh}, I was the only EDT social worker covering the whole area when a referral "
        "about {child} came in.",
    ),
    events=(
        "The case recording system would not connect from the EDT laptop, so I had no access to "
        "the plan or the safety plan.",
        "The day team had not left a handover note, although they knew things were likely to "
        "come to a head over the weekend.",
        "The missing-from-care protocol on file was out of date and the family contact numbers "
        "did not work.",
        "Nothing on the out-of-hours handover list mentioned the court order made that afternoon.",
        "The day team's note said 'see file', but EDT cannot open the file from home.",
        "Nobody had told EDT that mum was not allowed unsupervised contact, and she was asking "
        "to collect {ref}.",
    ),
    details=(
        "I had to decide on what I could piece together from the police and the caller.",
        "The on-call manager was dealing with another emergency and could not be reached for "
        "forty minutes.",
        "Everything I needed was known to the day team, but none of it reached me.",
        "I had three other calls waiting at the time.",
    ),
    nearly=(
        "{Ref} could have gone home with a parent who was not allowed unsupervised contact.",
        "{Ref} could have been placed overnight with a relative who had already been assessed as "
        "unsuitable.",
        "A missing episode could have been graded low risk when {ref} was known to be at risk of "
        "exploitation.",
        "{Ref} could have spent the night in a police station for want of anywhere else.",
    ),
    stopped=(
        "The police officer remembered the family and told me about the court order.",
        "The residential manager had a printed copy of the safety plan in the office.",
        "The foster carer had kept the placement information record and read me the key parts.",
        "I kept trying the on-call manager until I got through, and she knew the case.",
        "I held off and waited until I could confirm the position, which turned out to be right.",
    ),
    likely=(
        "EDT relies on day teams leaving handovers, with no prompt or checklist to do it before "
        "the weekend.",
        "Remote access to the case recording system out of hours is unreliable.",
        "One worker covers the whole area overnight, so there is no time to hunt for information.",
        "Day teams do not always think about what EDT will need at two in the morning.",
    ),
    helps=(
        "A Friday afternoon handover to EDT for every case where something is likely to happen "
        "over the weekend.",
        "Reliable remote access to the case recording system for EDT, tested every week.",
        "Safety plans and court orders summarised on one page that EDT can always see.",
        "A second EDT worker on bank holiday weekends.",
    ),
)

_INTERPRETER = _Scenario(
    key="interpreter-not-booked",
    hints=("interpreter", "language-needs"),
    areas=(
        "assessment",
        "child-protection",
        "children-in-care",
        "early-help",
        "disabled-children",
    ),
    roles=(
        "social_worker",
        "social_worker",
        "family_support",
        "personal_adviser",
        "business_support",
    ),
    children=("young", "older"),
    openers=(
        "I had arranged a home visit to the family of {child}; the family's first language is "
        "{language}.",
        "The child protection conference for {child} was set for a Monday morning, and mum's "
        "first language is {language}.",
        "An assessment visit was booked for {child}, whose parents speak {language}.",
        "A review for {child} was arranged at short notice; both parents speak {language}.",
        "The core group for {child} fell in a week when the usual interpreter was away; dad's "
        "first language is {language}.",
    ),
    events=(
        "The interpreter was requested but the booking was never confirmed, and nobody noticed "
        "until everyone had arrived.",
        "No interpreter had been booked, and an older sibling offered to interpret for the "
        "parents.",
        "The interpreter who arrived spoke a different dialect and struggled to follow.",
        "The interpreting service cancelled on the morning of the meeting and there was no "
        "back-up.",
        "The booking was for a telephone interpreter, but the family had no phone signal in the "
        "flat.",
        "The interpreter booked was from the same small community and knew the family socially.",
    ),
    details=(
        "Mum nodded through the written agreement, and I was not at all sure she understood what "
        "she was agreeing to.",
        "We went ahead with a translation app and gestures because the meeting had already been "
        "rearranged twice.",
        "{Ref} ended up translating parts of a conversation about their own safety.",
        "The family's English was fine for small talk, which made it easy to assume it was fine "
        "for a safety plan.",
    ),
    nearly=(
        "{Ref} could have been asked to interpret a conversation about their own abuse.",
        "Mum could have signed a safety agreement she did not understand, and the plan could have "
        "been built on it.",
        "The conference could have gone ahead with the parents unable to follow decisions being "
        "made about their children.",
        "We could have recorded the family as not engaging when they simply did not understand "
        "what was asked.",
    ),
    stopped=(
        "I stopped the visit and rebooked with a confirmed interpreter for the next day.",
        "The chair adjourned the conference for an hour while business support found a telephone "
        "interpreter.",
        "A colleague who speaks the language checked mum's understanding and raised the concern.",
        "Dad said clearly that he had not understood and asked for it to be done again.",
    ),
    likely=(
        "Interpreter bookings go through a separate process that nobody owns once the request is "
        "made.",
        "There are very few interpreters in some languages, so a late cancellation leaves no "
        "cover.",
        "Diary pressure makes it tempting to go ahead rather than rearrange again.",
        "No confirmation comes back to the worker, so silence looks like a booking.",
    ),
    helps=(
        "A confirmation to the worker and the chair for every interpreter booking, with a check "
        "the day before.",
        "A clear rule that children and relatives never interpret in safeguarding conversations.",
        "Telephone or video interpreting as an agreed back-up, with the number on every "
        "invitation.",
        "Ask families about language and dialect, and any interpreter they would not want, at "
        "first contact.",
    ),
)

_PLACEMENT = _Scenario(
    key=RISING_PATTERN,
    hints=("placement-sufficiency", "unregistered-setting", "budget-authority"),
    areas=("children-in-care", "children-in-care", "fostering", "residential", "out-of-hours"),
    roles=("social_worker", "team_manager", "team_manager", "residential", "senior_practitioner"),
    children=("older",),
    openers=(
        "{Child} needed a placement the same day after a family breakdown.",
        "We were told at midday that the foster placement for {child} was ending that afternoon.",
        "{Child} was ready to leave hospital but had nowhere to go.",
        "{When}, the placements team had been searching for a home for {child} for three days.",
        "{Child} was taken into police protection late in the afternoon.",
    ),
    events=(
        "No registered placement could be found, and {ref} spent the night in our office with two "
        "workers.",
        "By the evening the only option was a rented flat staffed by an agency, an unregistered "
        "setting nobody had seen.",
        "The placements team sent out over forty referrals and received no offers.",
        "The only offer was a children's home two hundred miles away, far from school and family.",
        "{Ref} slept on a sofa in the contact centre while we kept ringing round.",
        "The cost of the only available bed needed a director's signature, and nobody at that "
        "level could be reached until the next morning.",
    ),
    details=(
        "Staff who had already worked a full day stayed on until midnight.",
        "{Ref} was frightened and kept asking where they would sleep.",
        "This is the third time this month our team has been in the same position.",
        "The matching information was a two-line email, so the provider knew almost nothing "
        "about the risks.",
    ),
    nearly=(
        "{Ref} could have been placed with strangers by a provider unaware of their history of "
        "self-harm.",
        "{Ref} could have been placed a long way from home, losing school, friends and family "
        "contact at once.",
        "{Ref} could have gone missing overnight from the office with nobody clearly responsible "
        "for their care.",
        "A placement could have been agreed without anyone checking the staff or the building.",
    ),
    stopped=(
        "A foster carer who already knew {ref} agreed to an emergency night.",
        "Two workers stayed with {ref} all night while the team manager kept calling providers.",
        "The residential manager rearranged rooms to take {ref} in for a few nights as an "
        "emergency.",
        "The head of service agreed the cost over the phone at eleven at night.",
        "The placements officer kept ringing round after their shift ended and found a bed just "
        "before midnight.",
    ),
    likely=(
        "Not enough local foster carers or children's home places, especially for teenagers with "
        "complex needs.",
        "Decisions on high-cost placements sit with senior managers who cannot be reached out of "
        "hours.",
        "Searches start late because placement endings are not planned.",
        "Providers can choose between many referrals for every bed.",
    ),
    helps=(
        "An emergency bed held in reserve for same-day need, funded centrally.",
        "Delegate spending authority for emergency placements to the on-call manager.",
        "Recruit and support more local foster carers for teenagers.",
        "Plan placement endings earlier so searches do not start on the day.",
        "A proper matching summary that travels with every referral.",
    ),
)

_SUPERVISION = _Scenario(
    key="supervision-to-do-list",
    hints=("supervision", "reflection-time", "caseload"),
    areas=(
        "assessment",
        "child-protection",
        "children-in-care",
        "early-help",
        "care-leavers",
        "disabled-children",
    ),
    roles=("social_worker", "social_worker", "senior_practitioner", "personal_adviser"),
    children=("young", "older"),
    openers=(
        "I had supervision for the first time in {sup_gap}, and it lasted forty minutes for "
        "{caseload} children.",
        "My supervision this month was cancelled twice and then held in a corridor.",
        "I am holding {caseload} children, and supervision has become a list of overdue tasks.",
        "I was worried about {child} for weeks but never found the space in supervision to say so.",
        "Supervision was spent going through the performance report line by line.",
    ),
    events=(
        "We went through overdue visits and assessments, and there was no time to talk about how "
        "any of the families were actually doing.",
        "I wanted to talk about my unease about {ref}, but the agenda was the timeliness report.",
        "There was no time to reflect on a case where my view of the family had not changed in a "
        "year.",
        "The supervision record said 'case discussed, no change', which was true but said nothing.",
        "My manager was covering two teams and had to leave halfway through for a strategy "
        "discussion.",
    ),
    details=(
        "Nobody asked how I was coping after a difficult visit the week before.",
        "I realised later that I had been telling myself the same story about the family for "
        "months.",
        "The group supervision we used to have was stopped when the team got busy.",
        "I have no time to read files before visits, let alone think about them.",
    ),
    nearly=(
        "My fixed view of the family could have gone unchallenged while things at home got worse.",
        "A drifting case could have stayed on a plan for another six months without anyone asking "
        "why.",
        "I could have missed the signs that {ref} was never seen alone at visits.",
        "I was close to going off sick, which would have meant another handover for every family "
        "I work with.",
    ),
    stopped=(
        "A senior practitioner offered an informal reflective session and asked a question that "
        "changed how I saw the case.",
        "A new manager restarted group supervision, and the team challenged my thinking kindly.",
        "The IRO asked at the review why nothing had changed in months, which made me look again.",
        "A colleague noticed I was struggling and made me take an hour away from emails to talk "
        "it through.",
    ),
    likely=(
        "Managers supervise too many people and cover vacancies, so supervision shrinks to case "
        "management.",
        "Performance reports set the agenda, and reflection feels like a luxury.",
        "Caseloads leave time for doing but none for thinking.",
    ),
    helps=(
        "Protect reflective supervision separately from case management oversight.",
        "Bring back monthly group supervision for the team.",
        "Keep the number of supervisees per manager low enough for real supervision.",
        "Record supervision as reflection and decisions, not only a list of tasks.",
    ),
)

_PATTERNS = (
    _HANDOVER,
    _STRATEGY,
    _RECORDING,
    _OUT_OF_HOURS,
    _INTERPRETER,
    _PLACEMENT,
    _SUPERVISION,
)
PATTERN_IDS = tuple(scenario.key for scenario in _PATTERNS)

_CASELOAD = _Scenario(
    key="caseload",
    hints=("caseload", "workload"),
    areas=(
        "assessment",
        "child-protection",
        "children-in-care",
        "disabled-children",
        "care-leavers",
    ),
    roles=("social_worker", "social_worker", "senior_practitioner", "personal_adviser"),
    children=("young", "older"),
    openers=(
        "I am holding {caseload} children at the moment, several of them on child protection "
        "plans.",
        "Our team has carried two vacancies for most of the year, and their cases have been "
        "shared among the rest of us.",
        "{When}, I had four statutory visits due and a court statement to file.",
        "I came back from leave to {caseload} cases and a backlog of recording.",
        "With the team short-staffed, I picked up three extra cases in one week.",
    ),
    events=(
        "A statutory visit to {child} slipped past its due date by {delay} without my noticing.",
        "I visited {child} but only had time to see them with their parents in the front room.",
        "The child in need review for {child} was postponed twice because I was on duty.",
        "I wrote up a home visit to {child} five days late and had forgotten part of what was "
        "said.",
        "An email from the school about {child} sat unread in my inbox for {delay}.",
        "I missed that {ref} had not been brought to two health appointments because the letters "
        "were in a pile I had not reached.",
    ),
    details=(
        "Each of these things is small on its own, but together they mean I am always behind.",
        "I did not raise it at the time because everyone in the team is in the same position.",
        "The performance report flagged it, but only after the fact.",
        "My diary had no gaps for anything unplanned that week.",
    ),
    nearly=(
        "A change at home could have gone unnoticed for weeks because nobody had seen {ref}.",
        "The plan could have drifted with nobody checking whether anything was changing for {ref}.",
        "Information from the school pointing to neglect could have gone unread until the next "
        "review.",
        "{Ref} could have gone unseen for over a month.",
    ),
    stopped=(
        "The school DSL chased me by phone when I had not replied.",
        "A colleague spotted the overdue visit on the team tracker and offered to do it.",
        "My manager went through my caseload in supervision and reallocated three cases.",
        "The family support worker visited in the meantime and told me what she had seen.",
    ),
    likely=(
        "Caseloads well above what the team can manage, with vacancies unfilled for months.",
        "Duty weeks take a whole week out of the diary, with no cover for planned work.",
        "Recording takes longer than the visits themselves.",
        "Nobody can say no to new cases because there is nobody else to take them.",
    ),
    helps=(
        "A caseload limit that is actually used when cases are allocated.",
        "Duty cover that does not take allocated workers away from their own children.",
        "Administrative help with recording and letters.",
        "A team tracker looked at weekly so overdue visits are spotted before they are missed.",
    ),
)

_THRESHOLD = _Scenario(
    key="threshold",
    hints=("threshold", "inconsistent-decisions"),
    areas=("front-door", "front-door", "early-help", "assessment"),
    roles=("social_worker", "team_manager", "senior_practitioner", "family_support"),
    children=("young", "older"),
    openers=(
        "A contact came into the front door from the school about {child}, the third in two "
        "months.",
        "{When}, the MASH received a police PPN about {child} living with domestic abuse.",
        "An early help worker asked the front door to step up the case of {child}.",
        "The health visitor referred {child} because of worries about neglect.",
    ),
    events=(
        "One duty manager said it met the threshold for an assessment; the next day another said "
        "it was for early help.",
        "The contact was closed as information only because each referral on its own looked low "
        "level.",
        "The case went back and forth between early help and social care three times in a month.",
        "It was judged below threshold partly because the referrer had not used the right form.",
        "The decision was made on the referral alone, without a check with the school or the GP.",
    ),
    details=(
        "The family received three letters with three different decisions.",
        "Nobody looked at the contacts together, so the pattern was not seen.",
        "The early help worker was left holding a case they felt was beyond their role.",
        "Referrers tell us they no longer know what to expect when they ring.",
    ),
    nearly=(
        "Neglect could have been left with early help while things got worse for {ref}.",
        "{Ref} could have fallen between two services with nobody holding the case.",
        "The family could have given up on us, tired of being assessed and then told nothing "
        "would happen.",
    ),
    stopped=(
        "The early help worker escalated through the professional disagreement process.",
        "A senior practitioner at the front door read all the contacts together and saw the "
        "pattern.",
        "The school DSL challenged the decision and asked for a manager to review it.",
        "A weekly audit of closed contacts picked it up.",
    ),
    likely=(
        "Threshold guidance that is open to interpretation, applied differently by different "
        "managers.",
        "The volume at the front door means each contact is looked at on its own.",
        "Rotating duty managers with no shared discussion of borderline decisions.",
    ),
    helps=(
        "Regular threshold calibration sessions for front door managers, using real cases.",
        "A prompt to check the contact history before any decision to close.",
        "A joint decision, rather than a referral back, when early help and social care disagree.",
    ),
)

_DISGUISED = _Scenario(
    key="disguised-compliance",
    hints=("disguised-compliance", "family-engagement"),
    areas=("child-protection", "child-protection", "assessment", "early-help"),
    roles=("social_worker", "family_support", "senior_practitioner"),
    children=("young", "older"),
    openers=(
        "The parents of {child} had been on a child protection plan for neglect for nine months.",
        "At every visit to {child} the house was tidy and the parents were welcoming.",
        "The family of {child} agreed to every action at every core group.",
        "Dad told us he had stopped drinking and was attending a programme.",
        "Mum said her former partner had moved out and no longer visited {child}.",
    ),
    events=(
        "Visits were always arranged in advance, and nobody had seen the home unannounced in "
        "months.",
        "The parents said they had completed the parenting course, but nobody had checked with "
        "the provider.",
        "We accepted that the partner had moved out because he was never there when we called.",
        "The core group kept recording progress based on what the parents told us.",
        "School attendance was falling while the parents reported that everything was improving.",
    ),
    details=(
        "{Ref} was quiet and well presented at every visit, which we took as reassurance.",
        "It was easy to like the family, and the warm relationship felt like progress.",
        "We were close to recommending that the plan end at the next conference.",
    ),
    nearly=(
        "The plan could have ended while the neglect carried on.",
        "{Ref} could have stayed in a home with an adult we had never assessed.",
        "We could have closed the case on what we were told rather than on what had changed.",
    ),
    stopped=(
        "An unannounced visit found the home in a very different state.",
        "The school DSL put the attendance figures in front of the core group.",
        "The course provider confirmed the parents had attended once.",
        "A call to the police from a neighbour, passed on by the MASH, showed the partner was "
        "still there.",
    ),
    likely=(
        "Measuring progress by attendance at meetings and agreement to actions, not by change for "
        "the child.",
        "Visits always pre-arranged because of diary pressure.",
        "A warm relationship with the family made it hard to stay curious.",
        "Looking back it was disguised compliance, and the way we measure progress made it easy "
        "to miss.",
    ),
    helps=(
        "Check progress with the services involved, not only with the family.",
        "A mix of planned and unannounced visits in every child protection plan.",
        "Use reflective supervision to ask what has actually changed for the child.",
    ),
)

_FIXED_THINKING = _Scenario(
    key="fixed-thinking",
    hints=("fixed-thinking", "confirmation-bias"),
    areas=("assessment", "child-protection", "children-in-care", "disabled-children"),
    roles=("social_worker", "senior_practitioner", "team_manager"),
    children=("young", "older"),
    openers=(
        "The family of {child} had been known to us for years as struggling with poverty rather "
        "than as a risk.",
        "Early in the assessment of {child} we formed a view that mum was the protective parent.",
        "When {child} came into care, the first assessment put the problems down to behaviour at "
        "school.",
        "We had decided early on that the marks on {child} were accidental and linked to the "
        "child's disability.",
    ),
    events=(
        "Every new piece of information was read as fitting the story we already had.",
        "When a new concern came in, it was filed as consistent with previous concerns and "
        "nothing changed.",
        "Nobody went back to test the first explanation, even when {ref}'s account changed.",
        "A comment from {ref} about being scared at bedtime was recorded but never explored.",
    ),
    details=(
        "Looking back, the signs were there for months.",
        "The chronology, when we finally wrote it, told a different story from the one we had "
        "been telling ourselves.",
        "Three workers reached the same view, partly because each read the last one's "
        "assessment first.",
    ),
    nearly=(
        "A pattern of harm could have been explained away as accidental.",
        "We could have kept offering the same support while the risk grew.",
        "{Ref} could have been left unprotected because the explanation had been settled too "
        "early.",
    ),
    stopped=(
        "A new worker with fresh eyes asked why we were so sure.",
        "A paediatrician's report did not fit, and we finally stopped to think.",
        "In group supervision a colleague argued the opposite case, and the team saw the family "
        "differently.",
        "The IRO challenged the plan at the review.",
    ),
    likely=(
        "No time to step back, reflect and test our thinking.",
        "A habit of building on the previous assessment rather than starting from the child.",
        "Supervision that looks at tasks rather than at what we might be getting wrong.",
    ),
    helps=(
        "Build 'what else could explain this?' into assessment templates and supervision.",
        "A fresh pair of eyes on every long-running case every six months.",
        "Write the chronology early and read it as a whole.",
    ),
)

_NOT_SEEN = _Scenario(
    key="child-not-seen",
    hints=("child-not-seen", "child-voice"),
    areas=("child-protection", "assessment", "children-in-care", "disabled-children", "fostering"),
    roles=("social_worker", "social_worker", "family_support", "senior_practitioner"),
    children=("young", "older"),
    openers=(
        "I visited {child} at home as part of a child in need plan.",
        "The child protection visit to {child} was booked for after school.",
        "{Child} had been seen by three professionals in the past month.",
        "I was asked to visit {child} after the school noticed a change in behaviour.",
    ),
    events=(
        "Mum would not let me see {ref} alone and I did not push it.",
        "{Ref} was asleep when I arrived, and the visit was recorded as the child seen.",
        "Every recent visit had been to the family together, and nobody had spoken to {ref} alone.",
        "The visit took place at the school gate with a parent there, and it went down as a "
        "statutory visit.",
        "Nobody had seen the bedroom because the parents said it was being decorated.",
    ),
    details=(
        "On paper the plan looked on track because the visits were in time.",
        "Only when I read back over the last six visits did I see that {ref} had never been "
        "spoken to alone.",
        "{Ref} does not use speech, and we had not thought about how to seek their views.",
    ),
    nearly=(
        "Whatever was happening to {ref} could have stayed hidden, because nobody had asked them "
        "on their own.",
        "The record could have shown {ref} as seen when nobody had actually talked with them.",
        "The worries {ref} was carrying could have gone unheard.",
    ),
    stopped=(
        "The school DSL arranged a room so I could see {ref} alone the following week.",
        "My manager asked in supervision when {ref} had last been seen alone.",
        "A teaching assistant who knew the child's communication system helped them tell us.",
        "A teacher told me {ref} had asked to speak to me with nobody else there.",
    ),
    likely=(
        "Visits are counted by whether they happened, not by whether the child was seen and heard.",
        "Parents set the terms for visits, and workers want to keep the relationship going.",
        "No communication support for children who do not use speech.",
    ),
    helps=(
        "Record at every visit whether the child was seen alone, and why not if they were not.",
        "Arrange to see children at school as a matter of routine.",
        "Access to communication aids and to staff who know the child's way of communicating.",
    ),
)

_CHILD_VOICE = _Scenario(
    key="child-voice",
    hints=("child-voice", "lived-experience"),
    areas=("children-in-care", "residential", "fostering", "care-leavers", "youth-justice"),
    roles=("social_worker", "residential", "residential", "personal_adviser", "other"),
    children=("older",),
    openers=(
        "The children in care review for {child} was held at the council offices in school hours.",
        "{Child} had moved between foster homes twice in six months.",
        "The care plan for {child} was rewritten after a change of school.",
        "{Child} in our residential home had a review coming up and had been sent a views form.",
    ),
    events=(
        "Nobody asked {ref} where the meeting should be or who should come, and they did not "
        "attend.",
        "The plan was written in professional language that {ref} said they could not follow.",
        "Nobody had asked {ref} what it was like to change school halfway through the year.",
        "The views form came back blank, and the review recorded 'views not obtained'.",
    ),
    details=(
        "When I asked later, {ref} said they had stopped bothering because nothing ever changed.",
        "The plan described someone I did not recognise from the young person I knew.",
        "{Ref} had strong views about seeing their brothers and sisters that were nowhere in the "
        "plan.",
    ),
    nearly=(
        "Decisions about sibling contact could have been made without {ref}'s views.",
        "{Ref} could have lost trust in the people making decisions about their life.",
        "A move could have gone ahead that {ref} had very good reasons to oppose.",
    ),
    stopped=(
        "The IRO visited {ref} before the review and changed the arrangements.",
        "An advocate helped {ref} put their views in writing.",
        "A residential support worker who knew {ref} well spoke up for them at the meeting.",
    ),
    likely=(
        "Meetings organised around professional diaries rather than the young person.",
        "Forms that are hard for children to answer, and nobody to help them.",
        "Frequent changes of worker, so nobody knows the young person well.",
    ),
    helps=(
        "Ask young people where and when their reviews should be held.",
        "Offer an advocate to every child in care before a review.",
        "Write plans to the young person, in their own words where possible.",
    ),
)

_INFO_SHARING = _Scenario(
    key="information-sharing",
    hints=("information-sharing", "multi-agency"),
    areas=("front-door", "assessment", "child-protection", "early-help", "youth-justice"),
    roles=("social_worker", "family_support", "team_manager", "other", "business_support"),
    children=("young", "older"),
    openers=(
        "The school DSL had been worried about {child} for weeks before anyone told us.",
        "Police attended a domestic incident at the home of {child}, but the PPN took {delay} to "
        "reach the front door.",
        "The school nurse noticed {child} had lost weight and recorded it in the health record.",
        "{Child} was excluded from school twice in a month.",
        "The GP surgery was told {child} was now living with a relative, but nobody told social "
        "care.",
    ),
    events=(
        "The information sat in one agency's system and never reached the others.",
        "Each agency assumed another had made the referral.",
        "The school emailed a secure address that no longer existed, and nobody noticed the "
        "bounce.",
        "Health colleagues were unsure whether they could share without consent, so they waited.",
        "Our own records held an earlier concern that we had not passed on to the school.",
    ),
    details=(
        "When we finally met, each agency had a piece of the picture and nobody had all of it.",
        "The family had moved across the boundary, and the records had not followed.",
        "By the time we found out, the situation had changed twice.",
    ),
    nearly=(
        "A serious concern could have gone unassessed because each agency held only part of it.",
        "{Ref} could have been left at risk for weeks while information sat in inboxes.",
        "A child protection enquiry could have started weeks later than it should have.",
    ),
    stopped=(
        "A multi-agency meeting called by the school brought everyone's information together.",
        "The MASH health practitioner checked the health record and rang us.",
        "The police domestic abuse officer followed up by phone when they heard nothing back.",
    ),
    likely=(
        "Uncertainty about when information can be shared without consent.",
        "Different systems in each agency and no shared view of the child.",
        "Secure email addresses that change without everyone being told.",
    ),
    helps=(
        "Short guidance for every agency: when in doubt, share for safeguarding and record why.",
        "A tested list of secure contact addresses, checked every quarter.",
        "A daily briefing between police, health, schools and social care at the front door.",
    ),
)

_NEW_STAFF = _Scenario(
    key="training-new-staff",
    hints=("training", "new-staff"),
    areas=_ALL_AREAS,
    roles=("social_worker", "social_worker", "social_worker", "other"),
    children=("young", "older"),
    openers=(
        "I am a newly qualified social worker in my second month.",
        "I joined the team three weeks ago and have not yet had an induction.",
        "Our team has had four new starters this quarter, and I am one of them.",
        "I moved across from adult services and had not worked in children's social care before.",
        "I qualified in the summer and this is my first statutory team.",
    ),
    events=(
        "I was asked to lead a section 47 enquiry for {child} without having done one before.",
        "I was given a case going to court without any training in writing court statements.",
        "Nobody had shown me how to record a strategy discussion on the case recording system.",
        "I had not been told how to escalate when another agency disagreed with our decision.",
        "Nobody had explained the missing-from-care protocol, so it was unclear when to call the "
        "police about {child}.",
    ),
    details=(
        "It felt impossible to say I did not know how, because everyone was so busy.",
        "The induction programme had been cancelled because of low numbers.",
        "The experienced workers I would usually ask had all left.",
    ),
    nearly=(
        "The enquiry could have missed key steps, such as seeing {ref} alone or checking with "
        "other agencies.",
        "A court statement could have gone in that did not set out the evidence properly.",
        "{Ref} could have been missing for hours before anyone raised the alarm.",
    ),
    stopped=(
        "A senior practitioner checked in on me and went through it step by step.",
        "My manager co-worked the first visit with me.",
        "A colleague in the next team took half an hour to show me.",
    ),
    likely=(
        "Induction squeezed by caseload pressure, with new staff given complex cases straight "
        "away.",
        "Too few experienced staff left in the team to support newer colleagues.",
        "A feeling that people ought to know already.",
    ),
    helps=(
        "A protected first-year caseload and co-working on complex cases.",
        "A practical induction checklist covering the key procedures, signed off by a mentor.",
        "Make it normal to say 'I have not done this before'.",
    ),
)

_BUDGET = _Scenario(
    key="budget-authority",
    hints=("budget-authority", "decision-delay"),
    areas=("children-in-care", "care-leavers", "disabled-children", "fostering", "early-help"),
    roles=("social_worker", "team_manager", "personal_adviser", "family_support"),
    children=("young", "older"),
    openers=(
        "The family of {child} needed a short-break package urgently after mum became unwell.",
        "A care leaver I work with needed a deposit for a flat that was about to be let to "
        "someone else.",
        "A kinship carer looking after {child} needed help with a bed and school uniform.",
        "{Child} needed a few sessions with a therapist the family already knew and trusted.",
    ),
    events=(
        "The spending request had to go to a panel that meets monthly, and the next one was "
        "{delay} away.",
        "The cost was small, but anything outside the standard list needed a head of service's "
        "approval.",
        "The request was sent back twice for more information before anyone looked at it.",
        "Three managers had to sign the form, and one of them was on leave.",
    ),
    details=(
        "The practitioners who knew the family had no say in the decision.",
        "In the end the cost of waiting was higher than the cost of the thing itself.",
        "The family could not understand why something so simple took so long.",
    ),
    nearly=(
        "The arrangement holding things together could have broken down while we waited.",
        "The family could have reached crisis while the form went round.",
        "The one thing that was working could have been lost for the sake of a small sum.",
    ),
    stopped=(
        "The team manager paid from a small discretionary fund and sorted the paperwork later.",
        "A head of service approved it by email the same day when the team manager escalated.",
        "A local charity stepped in while the request was pending.",
    ),
    likely=(
        "Spending decisions held several levels away from the people who know the family.",
        "Approval processes designed for large packages being used for small, urgent costs.",
    ),
    helps=(
        "Delegated spending limits for team managers and personal advisers.",
        "A fast-track route for small, urgent costs, decided within a day.",
    ),
)

_BLAME = _Scenario(
    key="fear-of-blame",
    hints=("fear-of-blame", "organisational-climate"),
    areas=_ALL_AREAS,
    roles=("social_worker", "team_manager", "senior_practitioner", "residential"),
    children=("young", "older"),
    openers=(
        "After a child's death in another area was in the news, our service changed overnight.",
        "Following a critical inspection, our team was told every decision would be audited.",
        "I made a mistake last month in recording a decision about {child}.",
        "A practice review in our area was covered in the local press.",
    ),
    events=(
        "Workers started escalating everything to managers and making fewer decisions themselves.",
        "I did not report it straight away because I was worried about what would happen to me.",
        "Referrals were stepped up to child protection that did not need to be, to be on the "
        "safe side.",
        "Colleagues started writing case notes to protect themselves rather than to help the "
        "child.",
    ),
    details=(
        "Families found themselves under investigation when what they needed was help.",
        "The atmosphere made it hard to admit any uncertainty.",
        "Two experienced colleagues left within the month.",
    ),
    nearly=(
        "A small error could have stayed hidden and been repeated.",
        "Families could have been drawn into child protection enquiries they did not need, and "
        "lost trust in us.",
        "Important information could have been lost in long, defensive records.",
    ),
    stopped=(
        "My manager thanked me for raising the mistake and fixed it with me.",
        "A head of service came to our team meeting and said clearly that honest mistakes would "
        "be learnt from, not punished.",
        "Group supervision gave people a space to talk about their fears.",
    ),
    likely=(
        "A culture that looks for someone to blame when things go wrong.",
        "Media coverage that names and shames individual workers.",
        "Audit used to find fault rather than to learn.",
    ),
    helps=(
        "Leaders saying, and showing, that reporting mistakes is welcome.",
        "Share learning from near misses like this one without naming anyone.",
        "Audit that looks at what helps good practice, not only at what went wrong.",
    ),
)

_LEAVING_CARE = _Scenario(
    key="leaving-care",
    hints=("pathway-planning", "transition"),
    areas=("care-leavers",),
    roles=("personal_adviser", "personal_adviser", "social_worker", "team_manager"),
    children=("leaver",),
    openers=(
        "{Child} was due to move from a foster home to their own tenancy.",
        "I took over as personal adviser to {child} only weeks before they moved on.",
        "{Child} was leaving a residential home.",
        "{Child} had been in supported accommodation and was due to move on.",
    ),
    events=(
        "The pathway plan had not been updated in a year and said nothing about {ref}'s mental "
        "health.",
        "The move date was set before housing, benefits or a GP were in place.",
        "The pathway plan review went ahead without {ref} because the invitation went to an old "
        "number.",
        "Nobody had checked whether {ref} had a bank account or any ID.",
    ),
    details=(
        "{Ref} told me they felt pushed out of care with a week's notice.",
        "The benefits claim had been stuck for a month.",
        "The handover from the children in care social worker to me was a single email.",
    ),
    nearly=(
        "{Ref} could have moved into a flat with no money, no furniture and no GP.",
        "{Ref} could have been homeless within weeks of leaving care.",
        "Mental health support could have stopped at 18 with nothing in its place.",
    ),
    stopped=(
        "The foster carer agreed to {ref} staying put for a few more months.",
        "The leaving care manager delayed the move until the pathway plan was reviewed.",
        "{Ref} rang me the night before, and we made a plan together.",
    ),
    likely=(
        "Transitions driven by a birthday rather than by the young person's readiness.",
        "Pathway plans treated as paperwork rather than a living plan.",
        "Personal advisers with large caseloads picking young people up late.",
    ),
    helps=(
        "Allocate a personal adviser at 16, not weeks before 18.",
        "A move-on checklist covering money, ID, GP and housing, agreed with the young person.",
        "Staying put and staying close as the default offer.",
    ),
)

_YOUTH_JUSTICE = _Scenario(
    key="youth-justice",
    hints=("exploitation", "joint-planning"),
    areas=("youth-justice",),
    roles=("other", "social_worker", "team_manager"),
    children=("older",),
    openers=(
        "{Child} open to the youth justice service was due to be released from custody on a "
        "Friday.",
        "{Child} on a referral order had missed three appointments in a row.",
        "{Child} was arrested a long way from home carrying drugs for someone else.",
        "{Child} on a youth justice order had been reported missing four times in two months.",
    ),
    events=(
        "The social worker and the youth justice worker had not spoken since the case opened.",
        "A referral to the national referral mechanism had not been made, because each service "
        "thought the other would do it.",
        "Each service had its own plan, and neither plan mentioned the other.",
        "Nobody had put together what the police, the school and the youth justice service each "
        "knew about who {ref} was spending time with.",
    ),
    details=(
        "{Ref} had a history of going missing that the youth justice worker did not know about.",
        "{Ref} said later that they were scared of the people they were carrying for.",
        "The youth justice plan treated everything as a matter of compliance.",
    ),
    nearly=(
        "{Ref} could have been left with nowhere safe to go.",
        "{Ref} could have been treated as an offender rather than a victim of exploitation.",
        "{Ref} could have been breached and sent back to court.",
    ),
    stopped=(
        "The youth justice worker and the social worker made a joint visit and agreed one plan.",
        "A police officer recognised the signs of exploitation and made a referral.",
        "The youth justice worker rang round until a safe place to stay was confirmed.",
    ),
    likely=(
        "Planning for key moments, such as release or a court date, left to the last minute.",
        "Separate services working to different plans for the same young person.",
    ),
    helps=(
        "One joint plan for every young person open to both services.",
        "Planning for release or court that starts at least four weeks before.",
    ),
)

_GOOD_PRACTICE_STORY = _Scenario(
    key=_GOOD_PRACTICE,
    hints=("good-catch",),
    areas=_ALL_AREAS,
    roles=_ALL_ROLES,
    children=("young", "older"),
    openers=(
        "A contact about {child} came into the front door on a busy duty day and looked at first "
        "like a request for advice.",
        "{When}, the school DSL rang about {child}, who had a small mark and an explanation that "
        "did not quite fit.",
        "At a core group for {child}, the family support worker mentioned that {ref} went quiet "
        "whenever one adult was mentioned.",
        "{When}, a residential support worker noticed a change in {child} after a phone call.",
        "A newly qualified social worker visiting {child} felt something was not right but "
        "could not say what.",
        "A personal adviser noticed that a care leaver had stopped answering messages the week "
        "before a pathway plan review.",
    ),
    events=(
        "Instead of treating it as a one-off, they checked the history, found two earlier "
        "concerns, and spoke to the other professionals involved before anything was decided.",
        "They raised it straight away, and the team manager held a strategy discussion with "
        "police and health within the hour.",
        "A visit was arranged for the next day to see the young person alone, and they said "
        "something they had never said before.",
        "They wrote a one-page chronology that made the pattern obvious to everyone at the next "
        "meeting.",
        "They said out loud that they were not comfortable and asked for a second opinion, and "
        "the team made time for it.",
        "The team manager backed a visit that same evening, even though it meant rearranging the "
        "duty rota.",
    ),
    details=(
        "The whole thing took about two hours, and everyone involved said it felt like the "
        "system working as it should.",
        "What made the difference was that the worker felt safe to say 'I am not sure' out loud.",
        "The team had talked through a similar case in group supervision the month before.",
        "Everyone shared what they knew quickly, and nobody stood on ceremony about whose job it "
        "was.",
    ),
    nearly=(
        "Without that extra check it could have been recorded as advice only and the pattern "
        "missed.",
        "{Ref} could have stayed in a situation that was getting worse, with everyone assuming "
        "somebody else was acting.",
        "A worrying sign could have been written off as a one-off.",
    ),
    stopped=(
        "Professional curiosity, a manager who made time, and agencies who picked up the phone.",
        "A team where asking for a second look is seen as good practice, not a lack of confidence.",
        "Seeing the young person alone and listening to what they said, not what we expected "
        "them to say.",
        "Good relationships with the school DSL and the health visitor, built up over time.",
    ),
    likely=(
        "A busy week in which moving on quickly is the easy route.",
        "The family presented well, and the earlier concerns were all marked low level.",
        "Several agencies each held a small piece of the picture.",
    ),
    helps=(
        "Share this example at the next practice forum so others know this is what we want.",
        "Keep group supervision going; it is where the team learnt to think like this.",
        "Build protected time for chronologies into duty rotas.",
        "Thank the worker and the agencies involved, openly.",
    ),
)

_GENERAL = (
    _CASELOAD,
    _THRESHOLD,
    _DISGUISED,
    _FIXED_THINKING,
    _NOT_SEEN,
    _CHILD_VOICE,
    _INFO_SHARING,
    _NEW_STAFF,
    _BUDGET,
    _BLAME,
    _LEAVING_CARE,
    _YOUTH_JUSTICE,
)
_SCENARIOS = {scenario.key: scenario for scenario in (*_PATTERNS, _GOOD_PRACTICE_STORY)}

_SHARED_HINTS = (
    "caseload",
    "staffing",
    "supervision",
    "reflection-time",
    "information-sharing",
    "multi-agency",
    "threshold",
    "disguised-compliance",
    "fixed-thinking",
    "child-not-seen",
    "child-voice",
    "training",
    "new-staff",
    "budget-authority",
    "fear-of-blame",
    "recording-system",
    "handover",
    "communication",
    "family-engagement",
    "scheduling",
    "escalation",
    "workload",
)
_GOOD_PRACTICE_HINTS = (
    "professional-curiosity",
    "teamwork",
    "multi-agency",
    "supervision",
    "child-voice",
)

_WHEN = (
    "On a Friday afternoon",
    "Late on a Thursday",
    "On a Monday morning after a bank holiday weekend",
    "Towards the end of a long duty day",
    "On a day when half the team was on training",
    "Early one morning",
    "In a week when two of us were off sick",
    "Just before the end of the working day",
    "In the middle of a duty week",
    "On the day of the team's move to a new office",
)
_WHEN_OUT_OF_HOURS = (
    "Late on a Saturday night",
    "At two in the morning on a bank holiday",
    "On a Sunday evening",
    "In the early hours of a weekday",
    "Just after midnight on a Friday",
    "On a bank holiday afternoon",
)
_LANGUAGES = (
    "Tigrinya",
    "Dari",
    "Romanian",
    "Polish",
    "Arabic",
    "Kurdish Sorani",
    "Pashto",
    "Portuguese",
    "Urdu",
    "Somali",
    "Vietnamese",
    "Lithuanian",
    "British Sign Language",
)
_DELAYS = ("three days", "nearly a week", "ten days", "two weeks", "over a month", "five days")
_CHRONOLOGY_GAPS = ("four months", "six months", "nearly a year", "eight months")
_ORDINAL_WORKERS = ("the third", "the fourth", "the fifth")
_SUPERVISION_GAPS = ("seven weeks", "two months", "nearly three months", "ten weeks")

_CHILD_REFS = {
    "baby": "the baby",
    "young": "the child",
    "older": "the young person",
    "leaver": "the young person",
}

_NEAR_MISS_CLOSERS = (
    "It was caught before it reached {ref}.",
    "Nothing reached {ref} this time.",
    "It was picked up in time.",
)
_NO_HARM_OUTCOMES = (
    "As far as we know, no harm came to {ref} from it.",
    "It did reach the family, but {ref} was not harmed.",
    "It was not caught in time, but {ref} came to no harm.",
    "{Ref} was safe, though more by luck than design.",
)
_HARM_OUTCOMES = (
    "It did reach {ref}: the delay meant more time in a situation we already knew was not safe.",
    "By the time it was put right, {ref} had been harmed, though not seriously.",
    "{Ref} was affected: the arrangements meant to keep them safe were not in place for days.",
    "It did cause harm; {ref} was hurt in the gap, and the family's trust in us was damaged.",
)
_EVENT_WEIGHTS = {"near_miss": 0.62, "no_harm": 0.24, "harm": 0.14}
_SEVERITY_WEIGHTS = {
    "near_miss": {"low": 0.2, "moderate": 0.35, "serious": 0.3, "severe": 0.1, None: 0.05},
    "no_harm": {"low": 0.35, "moderate": 0.4, "serious": 0.18, None: 0.07},
    "harm": {"moderate": 0.35, "serious": 0.4, "severe": 0.2, None: 0.05},
    "good_practice": {None: 0.45, "moderate": 0.25, "serious": 0.25, "severe": 0.05},
}

# Made-up identifiers a reviewer should catch: phone numbers from the range set aside for drama,
# and postcodes starting with Q, which no real postcode area uses.
_PLANTED_NAMES = (
    "Kayden",
    "Tyler-Jay",
    "Lacey-Mae",
    "Jaxon",
    "Amelia-Rose",
    "Reuben",
    "Maisie",
    "Kai-Leigh",
)
_NAME_SENTENCES = (
    "{name} had said more than once that nobody listened.",
    "I think {name} noticed before any of us did.",
    "{name} asked me straight out whether it was going to happen again.",
)
_CASE_SENTENCES = (
    "The case number is {case} if the panel needs to look it up.",
    "It is all recorded under {case}.",
)
_PHONE_SENTENCES = (
    "The only number we had for mum was {phone}, and it went to voicemail.",
    "Dad's new mobile, {phone}, was on a sticky note and nowhere else.",
)
_POSTCODE_SENTENCES = (
    "The family had moved to a flat in {postcode} and the new address had not reached everyone.",
    "The new address in {postcode} was never added to the record.",
)


def generate_reports(
    count: int, today: datetime.date, months: int = 18, seed: int = 2026
) -> list[DemoReport]:
    """Make `count` reports over the `months` months ending with today's, oldest received first."""
    if count < 0 or months < 1:
        raise ValueError("count must be zero or more and months at least one")
    rng = random.Random(seed)  # noqa: S311 - demo data needs repeatability, not secrecy
    month_starts = _month_starts(today, months)
    volumes = _month_volumes(count, month_starts, today, rng)
    used_texts: set[str] = set()
    drafts = [
        _draft(rng, slot, month, today, used_texts)
        for month, slots in zip(month_starts, _month_slots(volumes, rng), strict=True)
        for slot in slots
    ]
    # Keys follow arrival order, the order a real service would have filed them in.
    drafts.sort(key=lambda draft: (draft.received_on, draft.event_month))
    return [
        dataclasses.replace(draft, seed_key=f"demo-{seed}-{position}")
        for position, draft in enumerate(drafts)
    ]


def _month_starts(today: datetime.date, months: int) -> list[datetime.date]:
    this_month = today.replace(day=1)
    return [_add_months(this_month, offset - months + 1) for offset in range(months)]


def _add_months(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def _days_in_month(month: datetime.date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


def _month_volumes(
    count: int, month_starts: Sequence[datetime.date], today: datetime.date, rng: random.Random
) -> list[int]:
    """Split `count` over the months with a gentle rise, some noise and a part-month at the end."""
    last = max(len(month_starts) - 1, 1)
    weights = [
        (1 + _TREND_RISE * index / last) * rng.uniform(1 - _MONTH_NOISE, 1 + _MONTH_NOISE)
        for index in range(len(month_starts))
    ]
    elapsed = today.day / _days_in_month(today)
    weights[-1] *= max(elapsed, _PART_MONTH_FLOOR)
    return _largest_remainder(count, weights)


def _largest_remainder(total: int, weights: Sequence[float]) -> list[int]:
    scale = sum(weights)
    exact = [total * weight / scale for weight in weights]
    shares = [int(value) for value in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: (shares[i] - exact[i], i))
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    return shares


def _month_slots(volumes: Sequence[int], rng: random.Random) -> list[list[str | None]]:
    """Decide which story each report in each month tells: a pattern, good practice or neither.

    Fractions carry over from month to month, so overall shares land close to their targets while
    each month still varies a little.
    """
    carry: dict[str, float] = {}
    all_slots = []
    for index, volume in enumerate(volumes):
        slots: list[str | None] = []
        for key, share in _slot_shares(index, len(volumes)).items():
            wanted = carry.get(key, 0.0) + volume * share
            taken = min(int(wanted + rng.random()), volume - len(slots))
            carry[key] = wanted - taken
            slots.extend([key] * taken)
        slots.extend([None] * (volume - len(slots)))
        rng.shuffle(slots)
        all_slots.append(slots)
    return all_slots


def _slot_shares(month_index: int, months: int) -> dict[str, float]:
    shares = {scenario.key: _STEADY_PATTERN_SHARE for scenario in _PATTERNS}
    shares[RISING_PATTERN] = _rising_share(month_index, months)
    shares[_GOOD_PRACTICE] = _GOOD_PRACTICE_SHARE
    return shares


def _rising_share(month_index: int, months: int) -> float:
    ramp_start = months - len(_RISING_RAMP)
    if month_index < ramp_start:
        return _RISING_BASE_SHARE
    return _RISING_RAMP[month_index - ramp_start]


def _draft(
    rng: random.Random,
    slot: str | None,
    month: datetime.date,
    today: datetime.date,
    used_texts: set[str],
) -> DemoReport:
    scenario = _SCENARIOS[slot] if slot else rng.choice(_GENERAL)
    event_type = "good_practice" if slot == _GOOD_PRACTICE else _weighted(rng, _EVENT_WEIGHTS)
    story = _unused_story(rng, scenario, event_type, used_texts)
    is_pattern = slot is not None and slot != _GOOD_PRACTICE
    return DemoReport(
        **story,
        event_type=event_type,
        potential_severity=_weighted(rng, _SEVERITY_WEIGHTS[event_type]),
        event_month=month,
        received_on=_received_on(rng, month, today),
        service_area=None if rng.random() < _BLANK_AREA_RATE else rng.choice(scenario.areas),
        reporter_role=None if rng.random() < _BLANK_ROLE_RATE else rng.choice(scenario.roles),
        pattern=scenario.key if is_pattern else None,
        factor_hints=_factor_hints(rng, scenario, is_pattern),
        seed_key="",
    )


def _weighted(rng: random.Random, weights: Mapping[_T, float]) -> _T:
    choices = list(weights)
    return rng.choices(choices, weights=[weights[choice] for choice in choices])[0]


def _received_on(rng: random.Random, month: datetime.date, today: datetime.date) -> datetime.date:
    """The event falls on some day of its month; the report follows after a short, skewed delay."""
    last_day = _days_in_month(month)
    if (month.year, month.month) == (today.year, today.month):
        last_day = today.day
    event_day = month.replace(day=rng.randint(1, last_day))
    delay = datetime.timedelta(days=int(rng.expovariate(1 / _MEAN_REPORTING_DELAY_DAYS)))
    latest = _add_months(month, _MAX_RECEIPT_MONTHS) - datetime.timedelta(days=1)
    return min(event_day + delay, latest, today)


def _unused_story(
    rng: random.Random, scenario: _Scenario, event_type: str, used_texts: set[str]
) -> dict[str, str]:
    # Retrying keeps two demo reports from reading identically when the same fragments come up.
    for _ in range(8):
        story = _compose(rng, scenario, event_type)
        if story["what_happened"] not in used_texts:
            break
    used_texts.add(story["what_happened"])
    return story


def _compose(rng: random.Random, scenario: _Scenario, event_type: str) -> dict[str, str]:
    slots = _slot_values(rng, scenario)
    happened = [rng.choice(scenario.openers), rng.choice(scenario.events)]
    if rng.random() < 0.7:
        happened.append(rng.choice(scenario.details))
    outcome = _outcome(rng, event_type)
    if outcome:
        happened.append(outcome)
    nearly = _fill(rng.choice(scenario.nearly), slots)
    if event_type == "harm":
        nearly = "It could have been worse still: " + _lower_first(nearly)
    story = {
        "what_happened": _fill(" ".join(happened), slots),
        "what_nearly_happened": nearly,
        "what_stopped_it": _fill(rng.choice(scenario.stopped), slots),
        "what_made_it_likely": _fill(" ".join(_some(rng, scenario.likely)), slots),
        "what_would_help": _fill(" ".join(_some(rng, scenario.helps)), slots),
    }
    if rng.random() < _IDENTIFIER_RATE:
        field = "what_happened" if rng.random() < 0.8 else "what_stopped_it"
        story[field] = f"{story[field]} {_identifying_sentence(rng)}"
    return story


def _outcome(rng: random.Random, event_type: str) -> str | None:
    if event_type == "harm":
        return rng.choice(_HARM_OUTCOMES)
    if event_type == "no_harm":
        return rng.choice(_NO_HARM_OUTCOMES)
    if event_type == "near_miss" and rng.random() < 0.3:
        return rng.choice(_NEAR_MISS_CLOSERS)
    return None


def _some(rng: random.Random, fragments: Sequence[str]) -> list[str]:
    """One fragment, or now and then two, so the later answers vary in length as real ones do."""
    howmany = 2 if len(fragments) > 1 and rng.random() < 0.35 else 1
    return rng.sample(list(fragments), howmany)


def _slot_values(rng: random.Random, scenario: _Scenario) -> dict[str, str]:
    pool = rng.choice(scenario.children)
    child = _child_description(rng, pool)
    ref = _CHILD_REFS[pool]
    return {
        "child": child,
        "Child": _upper_first(child),
        "ref": ref,
        "Ref": _upper_first(ref),
        "When": rng.choice(_WHEN),
        "When_ooh": rng.choice(_WHEN_OUT_OF_HOURS),
        "language": rng.choice(_LANGUAGES),
        "caseload": str(rng.randint(24, 36)),
        "delay": rng.choice(_DELAYS),
        "gap": rng.choice(_CHRONOLOGY_GAPS),
        "ordinal": rng.choice(_ORDINAL_WORKERS),
        "sup_gap": rng.choice(_SUPERVISION_GAPS),
    }


def _child_description(rng: random.Random, pool: str) -> str:
    if pool == "baby":
        return f"a {rng.randint(4, 11)}-month-old baby"
    if pool == "leaver":
        age = rng.randint(17, 20)
        return rng.choice(
            (f"{_article(age)} {age}-year-old care leaver", f"a young person of {age} leaving care")
        )
    # School age, because many fragments mention school, disclosures or being seen alone.
    age = rng.randint(4, 11) if pool == "young" else rng.randint(12, 17)
    described = (
        ("girl", "boy", "with autism", "with complex health needs", "who is often absent")
        if pool == "young"
        else ("girl", "boy", "at risk of exploitation", "who often goes missing", "with ADHD")
    )
    suffix = rng.choice(("", "", *described))
    return f"{_article(age)} {age}-year-old {suffix}".rstrip()


def _article(age: int) -> str:
    return "an" if age in (8, 11, 18) else "a"


def _factor_hints(rng: random.Random, scenario: _Scenario, is_pattern: bool) -> tuple[str, ...]:
    """The scenario's own factors, now and then with one more from the shared list.

    The extra never completes another pattern's combination, so planted themes stay distinct.
    """
    hints = list(scenario.hints)
    if scenario.key == _GOOD_PRACTICE:
        hints.append(rng.choice(_GOOD_PRACTICE_HINTS))
    extra_rate = _EXTRA_HINT_RATE_PATTERN if is_pattern else _EXTRA_HINT_RATE_GENERAL
    if rng.random() < extra_rate:
        extra = rng.choice(_SHARED_HINTS)
        candidate = [*hints, extra] if extra not in hints else hints
        if not _completes_another_pattern(candidate, scenario.key):
            hints = candidate
    return tuple(hints)


def _completes_another_pattern(hints: Sequence[str], own_key: str) -> bool:
    return any(
        len(set(hints) & set(pattern.hints)) >= 2 for pattern in _PATTERNS if pattern.key != own_key
    )


def _identifying_sentence(rng: random.Random) -> str:
    kind = rng.choice(("name", "case", "phone", "postcode"))
    if kind == "name":
        return rng.choice(_NAME_SENTENCES).format(name=rng.choice(_PLANTED_NAMES))
    if kind == "case":
        return rng.choice(_CASE_SENTENCES).format(case=f"CR-{rng.randint(100000, 999999)}")
    if kind == "phone":
        return rng.choice(_PHONE_SENTENCES).format(phone=f"07700 900{rng.randint(0, 999):03d}")
    letters = "ABDEFGHJLNPRSTUWXYZ"
    postcode = (
        f"Q{rng.choice(letters)}{rng.randint(1, 19)} "
        f"{rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
    )
    return rng.choice(_POSTCODE_SENTENCES).format(postcode=postcode)


def _fill(template: str, slots: dict[str, str]) -> str:
    return template.format_map(slots)


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lower_first(text: str) -> str:
    # "I" and acronyms such as "IRO" keep their capitals mid-sentence.
    if text[:2] == "I " or text[1:2].isupper():
        return text
    return text[:1].lower() + text[1:]
