"""Typed shapes of every API response (pydantic). The server prepares these once, at load time."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from service.site.coverage import CoverageRow

__all__ = [
    "CoverageOut",
    "ErrorOut",
    "HealthOut",
    "LocaleOut",
    "LocalesOut",
    "PageOut",
    "PageSummary",
    "PagesOut",
    "ProvenanceOut",
    "ReviewOut",
    "SegmentOut",
    "StateOut",
    "WithheldSegmentOut",
]


class ReviewOut(BaseModel):
    translator: str | None = Field(
        description="Last-Translator of the catalog when approved (author for English)"
    )
    reviewer: str
    role: str = Field(description="A role of l10n.yaml's `roles:` (linguistic, clinical, ...)")
    reviewed_at: str = Field(description="UTC, ISO 8601")


class SegmentOut(BaseModel):
    id: str = Field(description="Stable across rebuilds: derived from the English text")
    type: str = Field(
        description="title, description, heading, paragraph, list-item, blockquote, table-cell, "
        "or image (an image alone: `text` is its alt text, `html` the image)"
    )
    level: int | None = Field(None, description="Heading level")
    critical: bool = Field(description="Safety-critical statement, marked by the author")
    text: str = Field(description="The reviewed text exactly as approved (inline Markdown)")
    html: str = Field(description="`text` rendered as inline HTML")
    locale: str = Field(description="BCP 47 tag of the locale this text came from")
    fallback: bool = Field(description="True when `locale` is not the page's target locale")
    section: int = Field(description="0 for title and description, then one per heading")
    reviews: list[ReviewOut] = Field(
        description="The approvals that let it be served, one per role the policy asks of it "
        "(as shipped, safety-critical text has two: linguistic and clinical)"
    )
    withheld: Literal[False] = Field(default=False, description="False: this segment is served")


class WithheldSegmentOut(BaseModel):
    """A segment not served because its English is not approved: where it stands, never its text,
    so that a site rendering the JSON keeps the page's structure (a placeholder in its place)."""

    id: str = Field(description="Stable across rebuilds: derived from the English text")
    type: str = Field(description="As for a served segment: a withheld heading is a heading")
    level: int | None = Field(None, description="Heading level")
    critical: bool = Field(description="Safety-critical statement, marked by the author")
    section: int = Field(description="0 for title and description, then one per heading")
    withheld: Literal[True] = Field(
        default=True,
        description="True: its English awaits approval; no `text`, `html` or `locale`",
    )


class ProvenanceOut(BaseModel):
    """What the HTML page states under "About this page", as facts."""

    translators: list[str] = Field(
        description="Who translated the text shown (Last-Translator when approved; no e-mail)"
    )
    reviewers_by_role: dict[str, list[str]] = Field(
        description="The reviewers of that text, by the role they signed in (the roles of "
        "l10n.yaml, in its order; a role no one signed in is left out); which text each role "
        "signed: segments_by_role"
    )
    segments_by_role: dict[str, list[str]] = Field(
        description="For each role of reviewers_by_role, the ids of the translations shown that "
        "were signed in it, in page order; a role that signed fewer than every translation shown "
        "(translated_segments) reviewed only those: the HTML page marks them and says so"
    )
    translated_segments: list[str] = Field(
        description="The ids of every translation shown (the description left out), in page order"
    )
    linguistic_reviewers: list[str] = Field(
        description="Reviewers of that text in the role `linguistic` (reviewers_by_role's)"
    )
    clinical_reviewers: list[str] = Field(
        description="Reviewers of that text in the role `clinical` (reviewers_by_role's): of "
        "the segments segments_by_role names, not necessarily of the whole page"
    )
    translation_reviewed_at: str | None = Field(
        description="The latest approval of a translation shown (UTC, ISO 8601)"
    )
    english_reviewers: list[str] = Field(description="Who approved the English page")
    english_reviewed_at: str | None = Field(
        description="The latest approval of the English page as served (UTC, ISO 8601)"
    )
    demonstration: bool = Field(
        description="The translations are demonstration drafts (`demonstration: true` in "
        "l10n.yaml): a page that shows one says so"
    )


class PageOut(BaseModel):
    slug: str
    requested_locale: str | None = Field(description="The best-ranked tag the client asked for")
    target_locale: str = Field(description="The enabled locale negotiated for this request")
    locale: str = Field(description="The best locale actually served")
    direction: Literal["ltr", "rtl"]
    fallback_policy: Literal["segment", "page"]
    title: str | None
    description: str | None
    complete: bool = Field(description="Every segment reviewed in the target locale, none withheld")
    withheld: int = Field(
        description="Segments not served because their English is not approved (each is in "
        "`segments` as a withheld entry, without text)"
    )
    fallback_segments: int
    english_shown: Literal["none", "some", "safety", "all"] = Field(
        description="How much of the page (less the description) is shown in English: nothing, "
        "some parts, only safety sections held whole in English, or all of it; the HTML page's "
        "one notice says the same"
    )
    english_url: str
    english_html_url: str = Field(description="The English page as HTML")
    html_url: str
    translators: list[str]
    reviewers: list[str]
    last_reviewed_at: str | None
    held_sections: list[int] = Field(
        description="Safety-critical sections shown whole in English: a part lacks a reviewed translation"
    )
    provenance: ProvenanceOut
    segments: list[Annotated[SegmentOut | WithheldSegmentOut, Field(discriminator="withheld")]] = (
        Field(description="In page order; a withheld segment keeps its place, without text")
    )


class PageSummary(BaseModel):
    slug: str
    title: str | None
    title_locale: str
    complete: bool
    url: str
    html_url: str


class PagesOut(BaseModel):
    requested_locale: str | None
    target_locale: str
    pages: list[PageSummary]


class LocaleOut(BaseModel):
    tag: str = Field(description="BCP 47")
    gettext: str = Field(description="Folder name under locales/")
    name: str = Field(description="Native name, from CLDR")
    english_name: str
    direction: Literal["ltr", "rtl"]
    chain: list[str]
    reviewed_share: float = Field(
        description="Share of the messages of the published pages that a patient asking for "
        "this locale is served in it, counted in the release in service (a release made "
        "before releases counted them: the coverage table's `served` over `total`)"
    )


class LocalesOut(BaseModel):
    locales: list[LocaleOut]


class CoverageOut(BaseModel):
    rows: list[CoverageRow]


class StateOut(BaseModel):
    sha256: str = Field(description="Hash of every response the server gives (their ETags)")
    built_at: str = Field(description="When this state was built (UTC, to the millisecond)")


class HealthOut(BaseModel):
    status: Literal["ok", "degraded", "starting"] = Field(
        description="`starting`: the server has just started on a release store that holds a "
        "release and serves it while it reads the content tree; until it has, `blocked` and "
        "`refused` are empty, `withheld` is 0, `errors` holds only what is wrong with the "
        "release store or the read, and coverage and the workspace answer 503"
    )
    errors: list[str] = Field(
        description="Catalogs, ledgers or pages that failed to load, at file:line"
    )
    blocked: list[str] = Field(
        description="Approved translations an error-level check keeps off the page"
    )
    refused: list[str] = Field(
        default_factory=list,
        description="Ledger approvals the review policy does not count (an undeclared reviewer, "
        "a role or locale not theirs, the text's translator, one person in both roles of safety "
        "text), at file:line: never served",
    )
    withheld: int = Field(description="English segments awaiting source approval, across pages")
    state: StateOut | None = Field(
        default=None, description="The state in service: what it serves, and when it was built"
    )


class ErrorOut(BaseModel):
    detail: str = Field(description="Why, in one line; a value over its limit is not repeated")
