"""Translation memory gathered from a loaded tree: exactly the translations the serving rule would
show today (`service.site.resolve.reviewed_text`), bound to the English they were approved for.

A translation is remembered when its ledger holds approvals that match today's English and today's
msgstr and that the policy counts (so never a draft, a fuzzy entry, a revoked text or one the
policy does not let count), it passes every error-level check and `msgfmt -c` now, its English is
approved too, and no withdrawal in force takes it off its page as publishing applies withdrawals
(`service.release.withdraw.stops`: the segment everywhere or in that locale, the page in that
locale, or the page everywhere; a page withdrawal for `en` alone changes no page, and no memory).

Earlier wordings (`Remembered.earlier`): a translation whose English is no longer on its page
(the English changed since) is remembered for the translator's comments only as an approval still
in force in its ledger records it (its English and msgstr, checked against the hashes the
approval binds), while the catalog's live entry for it, if it still has one, holds exactly that
text and is not fuzzy, and when no error-level check refuses it. Plural messages are left out (the
ledger does not record msgid_plural).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from concurrent.futures import ProcessPoolExecutor

from service.catalogs.memory import Memory, Remembered
from service.catalogs.update import Wanted
from service.core.config import Config
from service.core.models import (
    SOURCE_LOCALE,
    Key,
    Ledger,
    LoadedCatalog,
    Page,
    Segment,
    fingerprint,
)
from service.core.workers import default_jobs, fork_context
from service.quality.checks import Unit, blocking
from service.release.store import Withdrawal
from service.release.withdraw import in_force, stops
from service.site.resolve import reviewed_text
from service.site.store import Tree, load_tree

__all__ = ["gather", "gather_pages"]


def _record(
    tree: Tree, page: Page, seg: Segment, locale: str, catalog: LoadedCatalog, ledger: Ledger
) -> Remembered | None:
    config = tree.config
    found = reviewed_text(
        seg,
        locale,
        {locale: catalog},
        {locale: ledger},
        config.policy,
        config.do_not_translate,
        page.author,
        config.terminology,
    )
    if found is None:
        return None
    return Remembered(
        locale=locale,
        page=page.slug,
        segment=seg.id,
        msgctxt=seg.context,
        msgid=seg.source,
        msgid_plural=seg.source_plural,
        msgstr=found.forms,
        source_sha256=found.reviews[0].source_sha256,
        reviewers=tuple(r.reviewer for r in found.reviews),
        at=max(r.reviewed_at for r in found.reviews),
        references=seg.references,
        singular=catalog.singular if seg.source_plural is not None else 0,
    )


def _english_approved(tree: Tree, page: Page, seg: Segment) -> bool:
    english = tree.ledgers.get((SOURCE_LOCALE, page.slug))
    ledgers = {SOURCE_LOCALE: english} if english is not None else {}
    policy = tree.config.policy
    return reviewed_text(seg, SOURCE_LOCALE, {}, ledgers, policy, author=page.author) is not None


def _earlier(
    tree: Tree, page: Page, key: Key, locale: str, catalog: LoadedCatalog, ledger: Ledger
) -> Remembered | None:
    """An approval in force of a singular English no longer on the page, as its ledger recorded
    it (hashes checked), if the catalog's live entry for it (if any) still holds exactly that
    translation, not fuzzy, and no error-level check refuses it."""
    msgctxt, msgid = key
    entry = catalog.entries.get(key)
    records = [
        r
        for r in ledger.for_key(key)
        if r.source_sha256 == fingerprint(msgid)
        and r.translation_sha256 == fingerprint(*r.msgstr)
        and (entry is None or (entry.translated and not entry.errors and entry.msgstr == r.msgstr))
    ]
    if not records or any(r.msgstr != records[0].msgstr for r in records):
        return None
    forms = records[0].msgstr
    config = tree.config
    glossary = config.terminology.glossary(locale)
    if blocking(Unit((msgid,), forms, locale, config.do_not_translate, (), glossary)):
        return None
    return Remembered(
        locale=locale,
        page=page.slug,
        segment=records[0].segment_id or "",
        msgctxt=msgctxt,
        msgid=msgid,
        msgid_plural=None,
        msgstr=forms,
        source_sha256=records[0].source_sha256,
        reviewers=tuple(r.reviewer for r in records),
        at=max(r.reviewed_at for r in records),
        earlier=True,
    )


def _page_records(
    tree: Tree, page: Page, stopped: Sequence[Withdrawal], needed: Wanted | None
) -> list[Remembered]:
    found = []
    english: dict[str, bool] = {}  # each segment's English approved? asked once, for every locale
    for locale in tree.config.locales:
        ledger = tree.ledgers.get((locale, page.slug))
        catalog = tree.catalogs.get((locale, page.slug))
        if locale == SOURCE_LOCALE or not ledger or not ledger.records or catalog is None:
            continue
        if stops(stopped, page.slug, locale, None):
            continue
        approved = {key for key, _role in ledger.records}
        seen = set()
        for seg in page.segments:
            if seg.key not in approved or seg.key in seen:
                continue
            seen.add(seg.key)
            if needed is not None and (locale, seg.source, seg.source_plural) not in needed:
                continue
            if stops(stopped, page.slug, locale, seg.id):
                continue
            if seg.id not in english:
                english[seg.id] = _english_approved(tree, page, seg)
            if not english[seg.id]:
                continue
            record = _record(tree, page, seg, locale, catalog, ledger)
            if record is not None:
                found.append(record)
        for key in sorted(approved - seen, key=lambda k: (k[0] or "", k[1])):
            earlier = _earlier(tree, page, key, locale, catalog, ledger)
            if earlier and not stops(stopped, page.slug, locale, earlier.segment or None):
                found.append(earlier)
    return found


def gather(
    tree: Tree, withdrawals: Sequence[Withdrawal] = (), needed: Wanted | None = None
) -> Memory:
    """Every translation of `tree` the serving rule shows today, less what `withdrawals` (the
    release store's, lifted or not) stop; with `needed` (what `update` may fill), only those of that English
    (the serving rule's checks are the cost), and the earlier wordings."""
    return Memory.of(_records(tree, tree.domains, withdrawals, needed))


def _records(
    tree: Tree, domains: Sequence[Page], withdrawals: Sequence[Withdrawal], needed: Wanted | None
) -> list[Remembered]:
    stopped = in_force(withdrawals)
    return [r for page in domains for r in _page_records(tree, page, stopped, needed)]


_PARALLEL_FROM = 16  # pages to read before worker processes pay for themselves


def gather_pages(
    config: Config,
    pages: Collection[str],
    withdrawals: Sequence[Withdrawal],
    needed: Wanted | None,
    jobs: int | None = None,
) -> Memory:
    """`gather` of the tree's pages `pages` (and its ui strings): when they are many, loaded
    and read in worker processes, a run of pages each (a page's memory comes from its own
    catalogs and ledgers alone; reading the ledgers and checking the translations is the cost)."""
    slugs = sorted(pages)
    workers = min(jobs or default_jobs(), len(slugs) // _PARALLEL_FROM)
    if workers <= 1:
        return gather(load_tree(config, only=slugs), withdrawals, needed)
    size = -(-len(slugs) // (workers * 4))  # a few runs per worker, so that none idles long
    runs = [slugs[i : i + size] for i in range(0, len(slugs), size)]
    with ProcessPoolExecutor(workers, mp_context=fork_context()) as pool:
        parts = pool.map(
            _run_records,
            [config] * len(runs),
            runs,
            [withdrawals] * len(runs),
            [needed] * len(runs),
            [index == 0 for index in range(len(runs))],  # the ui strings: by the first run only
        )
        return Memory.of(r for part in parts for r in part)


def _run_records(
    config: Config,
    slugs: Sequence[str],
    withdrawals: Sequence[Withdrawal],
    needed: Wanted | None,
    with_ui: bool,
) -> list[Remembered]:
    tree = load_tree(config, only=slugs)
    return _records(
        tree, tree.domains if with_ui else list(tree.pages.values()), withdrawals, needed
    )
