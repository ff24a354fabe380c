"""What the review workspace shows, made from the queue: pending items and changed texts as the
API's models (the pages render the same models), items grouped by page and section with their
section and page approval forms, and the few URL helpers the forms need."""

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from service import review
from service.core.config import Config
from service.core.locales import direction
from service.core.models import SOURCE_LOCALE, Role, bound_targets, fingerprint, text_sha256
from service.core.policy import Policy
from service.quality.characters import reveal
from service.quality.meaning import marked
from service.render.html import inline_html
from service.review.confirming import kinds
from service.workspace.pending import Item
from service.workspace.queue import QueueCache
from service.workspace.schemas import (
    ApprovalOut,
    ChangeOut,
    DiffOut,
    EventOut,
    FindingOut,
    MarkOut,
    PendingItemOut,
    RunOut,
)

__all__ = ["back", "change_out", "event", "groups", "item_out", "with_params"]


def html_forms(forms: tuple[str, ...]) -> list[str]:
    """Each form as the patient reads it, with every invisible or bidi control character shown
    by its name (`reveal`), so that the reviewer sees what it would do."""
    return [inline_html(reveal(f)) for f in forms]


def marks(forms: tuple[str, ...], locale: str) -> list[MarkOut]:
    """The forms (joined by " / ") in runs, the negators marked, every hidden character shown."""
    return [MarkOut(text=reveal(t), negator=n) for t, n in marked(" / ".join(forms), locale)]


def item_out(item: Item, roles: tuple[Role, ...], policy: Policy) -> PendingItemOut:
    seg = item.segment
    confirm = sorted(kinds(item.findings))
    return PendingItemOut(
        locale=item.locale,
        page=item.page,
        id=seg.id,
        type=seg.type.value,
        critical=policy.critical(seg),
        section=seg.section,
        status=item.status.value,
        roles_needed=list(item.lack.roles),
        any_role=item.lack.any_role,
        your_roles=list(roles),
        meanings={r: policy.meaning(r, item.locale) for r in roles},
        english=list(seg.source_forms),
        translation=list(item.forms),
        english_html=html_forms(seg.source_forms),
        translation_html=html_forms(item.forms),
        targets=list(bound_targets(seg)) if item.locale == SOURCE_LOCALE else [],
        lang=item.locale,
        dir="rtl" if direction(item.locale) == "rtl" else "ltr",
        source_sha256=item.source_sha256,
        translation_sha256=item.translation_sha256,
        translator=item.translator,
        findings=[
            FindingOut(check=f.check, severity=f.severity.value, message=f.message)
            for f in item.findings
        ],
        confirm=confirm,
        english_marked=marks(seg.source_forms, "en") if confirm else [],
        translation_marked=marks(item.forms, item.locale) if confirm else [],
        approved=[
            ApprovalOut(reviewer=r.reviewer, role=r.role, at=r.reviewed_at) for r in item.lack.have
        ],
        diff=diff_out(item),
    )


def diff_out(item: Item) -> DiffOut | None:
    before = item.before
    if before is None:
        return None
    return DiffOut(
        reviewer=before.reviewer,
        role=before.role,
        at=before.reviewed_at,
        english=[RunOut(op=op, text=reveal(t)) for op, t in item.english_diff()],  # type: ignore[arg-type]
        translation=[RunOut(op=op, text=reveal(t)) for op, t in item.translation_diff()],  # type: ignore[arg-type]
    )


def change_out(change: review.Change, locale: str, now: Item | None = None) -> ChangeOut:
    """A text in `locale` as it is now; `now`, the queue's item for it, gives its diff."""
    english = change.segment.source_forms if change.segment else ()
    return ChangeOut(
        diff=diff_out(now) if now is not None else None,
        id=change.shown.segment_id,
        why=change.why,
        english=list(english),
        translation=list(change.forms),
        english_html=html_forms(english),
        translation_html=html_forms(change.forms),
        source_sha256=fingerprint(*english) if english else None,
        translation_sha256=text_sha256(change.segment, locale, change.forms)
        if change.segment and change.forms
        else None,
    )


def event(text: str | Mapping[str, Any]) -> EventOut:
    return EventOut.model_validate(json.loads(text) if isinstance(text, str) else dict(text))


def bulk(items: list[PendingItemOut], roles: tuple[Role, ...]) -> list[dict[str, Any]]:
    """Per role (of `roles`, the policy's): the texts among `items` that can be signed in it
    (two or more: one form)."""
    out = []
    for role in roles:
        # a text to confirm is signed on its own, with the confirmation
        able = [
            i for i in items if role in i.your_roles and i.status != "failing" and not i.confirm
        ]
        if len(able) > 1:
            out.append({"role": role, "meaning": able[0].meanings[role], "texts": able})
    return out


def groups(items: list[PendingItemOut], config: Config, cache: QueueCache) -> list[dict[str, Any]]:
    """Items by page (and locale), then by section, in queue order, with their bulk forms."""
    pages: dict[tuple[str, str], list[PendingItemOut]] = {}
    for item in items:
        pages.setdefault((item.locale, item.page), []).append(item)
    made = []
    for (locale, slug), members in pages.items():
        headings = cache.page_queue(config, slug, locale).headings
        by_section: dict[int, list[PendingItemOut]] = {}
        for item in members:
            by_section.setdefault(item.section, []).append(item)
        sections = [
            {
                "locale": locale,
                "page": slug,
                "key": str(n),
                "heading": headings.get(n, "Title and description" if n == 0 else f"Section {n}"),
                "texts": texts,
                "bulk": bulk(texts, config.policy.role_names),
            }
            for n, texts in by_section.items()
        ]
        made.append(
            {
                "locale": locale,
                "page": slug,
                "key": "all",
                "sections": sections,
                "bulk": bulk(members, config.policy.role_names),
            }
        )
    return made


def back(value: str | None) -> str:
    """Where a form sends the reviewer back to: a workspace page, never another site."""
    if value and value.startswith("/review/") and "//" not in value and "\\" not in value:
        return value
    return "/review/"


def with_params(url: str, **params: str) -> str:
    path, _, query = url.partition("?")
    kept = [(k, v) for k, v in parse_qsl(query) if k not in params]
    return f"{path}?{urlencode([*kept, *params.items()])}"
