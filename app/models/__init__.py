"""All models, imported here so that Alembic and the app see every table."""

from .application import Application, ApplicationEvent
from .assessment import Assessment
from .audit import SecurityEvent
from .calendar import CertificateSerial, WorkdayEntry, WorkdayYear
from .codes import ActivationCode, VerificationCode
from .institution import Department, Institution
from .job import Job
from .message import Message
from .physician import Filing, Physician, PracticeRegistration, Qualification
from .profile_change import ProfileChange
from .reference import PracticeScope, Region
from .reminder import Reminder
from .summary import SummaryApplicationKey, SummaryFunnel, SummaryMember, SummaryQualified, SummarySubmitted
from .user import RegistryUser
from .window import RegistrationWindow

__all__ = [
    "ActivationCode",
    "Application",
    "ApplicationEvent",
    "Assessment",
    "CertificateSerial",
    "Department",
    "Filing",
    "Institution",
    "Job",
    "Message",
    "Physician",
    "PracticeRegistration",
    "PracticeScope",
    "ProfileChange",
    "Qualification",
    "Region",
    "RegistrationWindow",
    "Reminder",
    "RegistryUser",
    "SecurityEvent",
    "SummaryApplicationKey",
    "SummaryFunnel",
    "SummaryMember",
    "SummaryQualified",
    "SummarySubmitted",
    "VerificationCode",
    "WorkdayEntry",
    "WorkdayYear",
]
