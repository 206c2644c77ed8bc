"""The fixed lists reviewers choose reasons from, and how a choice becomes the recorded reason."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# 补正: what may be missing or wrong (every item is listed at once, plus free text)
CORRECTION_ITEMS = {
    "identity": _l("Proof of identity"),
    "qualification": _l("Physician qualification certificate"),
    "education": _l("Proof of education"),
    "photo": _l("Photo does not meet the requirements"),
    "health": _l("Health certificate"),
    "employment": _l("Proof of employment by the institution"),
    "training": _l("Proof of training and the passed assessment"),
}

# 不予注册: 《中华人民共和国医师法》第十六条
REFUSAL_GROUNDS = {
    "incapacity": _l("Art. 16 (1): no or limited capacity for civil conduct"),
    "criminal": _l("Art. 16 (2): criminal punishment completed less than two years ago, or barred from practising"),
    "revoked": _l("Art. 16 (3): practice certificate revoked less than two years ago"),
    "assessment": _l("Art. 16 (4): registration cancelled for failing the periodic assessment less than one year ago"),
    "other": _l("Art. 16 (5): other cases barred by laws and administrative regulations"),
}

# 注销注册 (ex officio): 《中华人民共和国医师法》(2021) 第十七条第一款, its six cases in the law's order
CANCELLATION_GROUNDS = {
    "death": _l("Art. 17 (1): death"),
    "criminal": _l("Art. 17 (2): criminal punishment"),
    "revoked": _l("Art. 17 (3): practice certificate revoked"),
    "assessment": _l("Art. 17 (4): failed the periodic assessment again after the suspension ended"),
    "inactive": _l("Art. 17 (5): practice discontinued for two years"),
    "other": _l("Art. 17 (6): other cases under laws and administrative regulations"),
}

LISTS = {"ask_correction": CORRECTION_ITEMS, "refuse": REFUSAL_GROUNDS}


def compose_reason(chosen: list[str], text: str | None, items: dict) -> str:
    """Return the recorded reason: the chosen items, numbered, then the free text."""
    lines = [f"{n}. {items[key]}" for n, key in enumerate((k for k in chosen if k in items), start=1)]
    extra = (text or "").strip()
    if extra:
        lines.append(extra if not lines else f"{len(lines) + 1}. {extra}")
    return "；".join(lines)
