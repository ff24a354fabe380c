"""Typed shapes of the review API (`/v1/reviews…`): what a reviewer's script sends and gets back."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    model_validator,
)

from service.core.models import Role
from service.review import Shown

__all__ = [
    "ApproveIn",
    "ApprovedOut",
    "ChangeOut",
    "ConflictOut",
    "DiffOut",
    "EventOut",
    "FindingOut",
    "MarkOut",
    "PendingItemOut",
    "PendingOut",
    "RefusalOut",
    "RefusedOut",
    "RevokeIn",
    "RevokedOut",
    "ShownIn",
]

Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=200)]


def _declared(value: str, info: ValidationInfo) -> str:
    """A role the config in service declares (`roles` in the validation context)."""
    roles = (info.context or {}).get("roles")
    if roles is not None and value not in roles:
        raise ValueError(f"{value!r} is not a role of l10n.yaml ({', '.join(roles)})")
    return value


# A role a request names: one of l10n.yaml's `roles:`, checked against the config in service.
DeclaredRole = Annotated[
    str, StringConstraints(min_length=1, max_length=64), AfterValidator(_declared)
]


class ShownIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Text = Field(description="The segment id, as pending gives it")
    source_sha256: Sha256 = Field(description="SHA-256 of the English you were shown")
    translation_sha256: Sha256 = Field(
        description="SHA-256 of the translation you were shown (for `en`, of the English)"
    )


class ApproveIn(BaseModel):
    """One segment (`id` and its two hashes), or several at once (`items`: a section, a page)."""

    model_config = ConfigDict(extra="forbid")

    locale: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    page: Text
    role: DeclaredRole
    id: Text | None = None
    source_sha256: Sha256 | None = None
    translation_sha256: Sha256 | None = None
    items: list[ShownIn] | None = Field(
        None, min_length=1, max_length=500, description="Several segments, each bound the same way"
    )
    confirm_meaning: bool = Field(
        False,
        description="You confirm the translation keeps the English's meaning: needed for a text "
        "with confirm findings, recorded in the approval; one text at a time",
    )

    @model_validator(mode="after")
    def one_or_several(self) -> Self:
        single = (self.id, self.source_sha256, self.translation_sha256)
        if self.items is None and None in single:
            raise ValueError("give id, source_sha256 and translation_sha256, or items")
        if self.items is not None and any(v is not None for v in single):
            raise ValueError("give either id with its hashes, or items, not both")
        if self.confirm_meaning and self.items is not None and len(self.items) > 1:
            raise ValueError("confirm_meaning is given for one text at a time, not with items")
        return self

    def shown(self) -> list[Shown]:
        if self.items is not None:
            return [Shown(i.id, i.source_sha256, i.translation_sha256) for i in self.items]
        assert self.id and self.source_sha256 and self.translation_sha256
        return [Shown(self.id, self.source_sha256, self.translation_sha256)]


class RevokeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    locale: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    page: Text
    id: Text
    role: DeclaredRole
    reason: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)
    ] = Field(description="Why; kept in the page's history")


class EventOut(BaseModel):
    """An event as the ledger records it (its line, as JSON)."""

    seq: int
    prev: str
    at: str = Field(description="UTC, ISO 8601")
    event: Literal["approve", "revoke"]
    locale: str
    page: str
    id: str | None = None
    msgctxt: str | None = None
    msgid: str
    msgstr: str | list[str] | None = None
    source_sha256: str
    translation_sha256: str
    translator: str | None = None
    reviewer: str
    role: Role
    meaning: str | None = Field(None, description="What the signature means (approvals)")
    confirmed: list[str] | None = Field(
        None, description="The kinds of confirm finding the reviewer said keep the meaning"
    )
    reason: str | None = Field(None, description="Why (revocations)")


class RefusalOut(BaseModel):
    id: str
    reason: str = Field(description="Why, in words: the policy's reason or the failing check")


class ApprovedOut(BaseModel):
    events: list[EventOut] = Field(description="The approve events recorded, one per text")
    refused: list[RefusalOut] = Field(description="Texts of the request that were not approved")


class RevokedOut(BaseModel):
    events: list[EventOut]


class RefusedOut(BaseModel):
    detail: str
    refused: list[RefusalOut] = Field(default_factory=list)


class RunOut(BaseModel):
    op: Literal["=", "-", "+"] = Field(description="kept, removed, added")
    text: str


class DiffOut(BaseModel):
    """Against the last approval of this text's earlier version."""

    reviewer: str
    role: Role
    at: str
    english: list[RunOut] = Field(description="Empty when the English is the same")
    translation: list[RunOut] = Field(description="Empty when the translation is the same")


class ChangeOut(BaseModel):
    """A text that is not what you were shown, as it is now."""

    id: str
    why: str
    english: list[str] = Field(description="The English now (empty: no longer on the page)")
    translation: list[str] = Field(description="The text to approve now (empty: none ready)")
    english_html: list[str]
    translation_html: list[str]
    source_sha256: str | None
    translation_sha256: str | None
    diff: DiffOut | None = Field(
        None, description="The text now against the last approval of its earlier version"
    )


class ConflictOut(BaseModel):
    detail: str
    changes: list[ChangeOut] = Field(default_factory=list)


class MarkOut(BaseModel):
    text: str
    negator: bool = Field(description="A negator (shown highlighted)")


class FindingOut(BaseModel):
    check: str
    severity: Literal["error", "warning", "confirm"] = Field(
        description="error: cannot be approved; confirm: approvable only by confirming that the "
        "meaning is kept; warning: for your attention"
    )
    message: str


class ApprovalOut(BaseModel):
    reviewer: str
    role: Role
    at: str


class PendingItemOut(BaseModel):
    locale: str
    page: str
    id: str
    type: str
    critical: bool = Field(
        description="Safety-critical text as the policy counts it (`critical text:`)"
    )
    section: int
    status: Literal["new", "changed", "partial", "failing"]
    roles_needed: list[Role] = Field(description="Roles the text still needs (any one: any_role)")
    any_role: bool
    your_roles: list[Role] = Field(description="The roles you may sign it in now")
    meanings: dict[str, str] = Field(description="What your signature means, per role")
    english: list[str] = Field(description="The English (two forms for a plural)")
    translation: list[str] = Field(description="The text to approve (for `en`, the English)")
    english_html: list[str]
    translation_html: list[str]
    targets: list[str] = Field(
        description="For `en`: the link and image targets the approval binds too, as "
        '`[label]: <href> "title"` and `image: <src> "title"`'
    )
    lang: str
    dir: Literal["ltr", "rtl"]
    source_sha256: str
    translation_sha256: str
    translator: str | None = Field(description="Last-Translator (for English, the page's author)")
    findings: list[FindingOut]
    confirm: list[str] = Field(
        default=[], description="Kinds of finding your approval must confirm (confirm_meaning)"
    )
    english_marked: list[MarkOut] = Field(default=[], description="The English, negators marked")
    translation_marked: list[MarkOut] = Field(
        default=[], description="The translation, negators marked"
    )
    approved: list[ApprovalOut] = Field(description="Approvals of this exact text that count")
    diff: DiffOut | None


class PendingOut(BaseModel):
    locale: str
    page: str | None
    status: str | None
    offset: int
    limit: int
    total: int = Field(description="Items matching the filters, across all result pages")
    counts: dict[str, int] = Field(description="Items per status, before the status filter")
    hidden: int = Field(description="Texts that need a role of yours that you may not sign")
    items: list[PendingItemOut]
    next: str | None = Field(description="The next result page, if any")
