"""Enumerations of the data model, stored as short strings and checked by the database."""

from enum import StrEnum


class IdType(StrEnum):
    RESIDENT = "resident"  # 居民身份证
    PASSPORT = "passport"  # 护照
    HK_MACAO = "hk_macao"  # 港澳居民来往内地通行证
    TAIWAN = "taiwan"  # 台湾居民来往大陆通行证


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"


class PracticeLevel(StrEnum):
    PHYSICIAN = "physician"  # 执业医师: location is a province
    ASSISTANT = "assistant"  # 执业助理医师: location is a county


class Category(StrEnum):
    CLINICAL = "clinical"  # 临床
    DENTAL = "dental"  # 口腔
    PUBLIC_HEALTH = "public_health"  # 公共卫生
    TCM = "tcm"  # 中医


class RegionLevel(StrEnum):
    PROVINCE = "province"
    PREFECTURE = "prefecture"
    COUNTY = "county"


class AccountStatus(StrEnum):
    CREATED = "created"  # signed up, contact not verified yet
    VERIFIED = "verified"  # phone or e-mail verified, waiting for the institution
    ACTIVE = "active"
    DISABLED = "disabled"


class RegistrationStatus(StrEnum):
    ACTIVE = "active"  # 有效
    SUSPENDED = "suspended"  # 暂停执业
    CANCELLED = "cancelled"  # 已注销


class FilingStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


class ApplicationType(StrEnum):
    FIRST = "first"  # 首次注册
    CHANGE = "change"  # 变更注册
    FILING_ADD = "filing_add"  # 多机构备案
    FILING_END = "filing_end"  # 备案终止
    CANCEL = "cancel"  # 注销注册
    REREGISTER = "reregister"  # 重新注册
    UPGRADE = "upgrade"  # 助师升医师
    ADD_SCOPE = "add_scope"  # 范围加注
    REISSUE = "reissue"  # 证书补办


class ApplicationStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # 待机构审核
    RETURNED = "returned"  # 机构退回
    PENDING_ACCEPTANCE = "pending_acceptance"  # 待受理
    CORRECTION = "correction"  # 补正中
    ACCEPTED = "accepted"  # 已受理
    APPROVED = "approved"  # 准予注册
    REFUSED = "refused"  # 不予注册
    NOT_ACCEPTED = "not_accepted"  # 不予受理
    WITHDRAWN = "withdrawn"  # 已撤回


OPEN_APPLICATION_STATUSES = (
    ApplicationStatus.DRAFT,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.RETURNED,
    ApplicationStatus.PENDING_ACCEPTANCE,
    ApplicationStatus.CORRECTION,
    ApplicationStatus.ACCEPTED,
)


class ProfileChangeStatus(StrEnum):
    PENDING = "pending"  # 待机构确认
    CONFIRMED = "confirmed"  # 已确认生效
    RETURNED = "returned"  # 机构退回
    WITHDRAWN = "withdrawn"  # 已撤回


class AssessmentKind(StrEnum):
    PERIODIC = "periodic"  # 定期考核
    TRAINING = "training"  # 两年规则培训考核


class AssessmentResult(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ABSENT = "absent"


class CodePurpose(StrEnum):
    SIGNUP = "signup"
    RECOVERY = "recovery"
    CHANGE_PHONE = "change_phone"
    CHANGE_EMAIL = "change_email"


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"


class MessageStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class JobStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


def values(enum: type[StrEnum]) -> list[str]:
    """Return the stored values of an enumeration, for CHECK constraints and choices."""
    return [member.value for member in enum]
