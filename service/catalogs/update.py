"""`init`, `update` and `compile` over a content tree: every template merged into every locale's
catalog, and every catalog compiled to the .mo beside it.

Each page is its own domain, so pages are independent: they are spread over the machine's cores
(a process per core, pages in contiguous runs so that one page's locales share one worker's
caches), and the outcomes come back in template order whatever the number of workers. A catalog
that cannot be read is reported with its file and line and the others are still updated.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from service.catalogs import catalog as catalogs
from service.catalogs.memory import Memory
from service.catalogs.prefill import MARK, Filled, fillable, prefill
from service.core.config import Config
from service.core.errors import L10nError
from service.core.workers import default_jobs
from service.core.yamlfile import atomic_write, edit_file
from service.po import PoFile
from service.po.parse import parse
from service.po.write import write

__all__ = [
    "Outcome",
    "compile_all",
    "init_locale",
    "sync",
    "templates",
    "update_all",
]

_English = tuple[str, str | None]  # (msgid, msgid_plural)

# Below this many templates a pool costs more than it saves.
_PARALLEL_FROM = 64


@dataclass(frozen=True)
class Outcome:
    """What happened to one catalog: created, updated, unchanged, exists (init), compiled, or
    failed (with the reason in `error`)."""

    path: str
    verb: str
    error: str = ""
    filled: Filled = field(default_factory=Filled)  # what translation memory put in (`prefill`)
    # For `update`'s memory pass: the page, the English (msgid, msgid_plural) of the entries
    # memory may fill in this catalog (`prefill.fillable`), whether it holds `memory:` comments
    # (worked out again), and the English of the page's template.
    domain: str = ""
    locale: str = ""
    wants: frozenset[_English] = frozenset()
    marked: bool = False
    english: frozenset[_English] = frozenset()


# Each locale's catalog folder, and as messages show it: worked out once, not per catalog.
Places = dict[str, tuple[Path, str]]


def _page(
    config: Config, pot: Path, places: Places, create_only: bool, memory: Memory | None = None
) -> list[Outcome]:
    """One template into each locale's catalog."""
    domain = pot.stem
    try:
        template = catalogs.read_po(pot, config.rel(pot))
    except L10nError as exc:
        return [Outcome(config.rel(pot), "failed", str(exc))]
    done = []
    english = frozenset((e.msgid, e.msgid_plural) for e in template.messages())
    for locale, (folder, shown_folder) in places.items():
        po, shown = folder / f"{domain}.po", f"{shown_folder}/{domain}.po"
        try:
            found = _catalog(
                config, po, shown, template, domain, locale, create_only, memory, english
            )
        except L10nError as exc:
            found = Outcome(shown, "failed", str(exc))
        done.append(replace(found, domain=domain, locale=locale, english=english))
    return done


def _wanted(po: PoFile, data: bytes | str) -> dict[str, Any]:
    """What `update`'s memory pass needs to know of a catalog as it now stands."""
    wants = frozenset((e.msgid, e.msgid_plural) for e in po.messages() if fillable(e))
    return {"wants": wants, "marked": _MARKED in _bytes(data)}


def _catalog(
    config: Config,
    po: Path,
    shown: str,
    template: PoFile,
    domain: str,
    locale: str,
    create_only: bool,
    memory: Memory | None,
    english: frozenset[tuple[str, str | None]],
) -> Outcome:
    """One catalog created or merged with its template (whose messages are `english`), and
    written unless a translator's save or another command changed it meanwhile (then merged
    again from what is there now)."""

    def edit() -> tuple[bytes | None, str | bytes | None, Outcome]:
        if not po.exists() and not po.is_symlink():
            fresh = catalogs.init_catalog(template, domain, locale)
            created = write(fresh)
            remembered, filled = _remember(config, created, fresh, shown, domain, locale, memory)
            return (
                None,
                created if remembered is None else remembered,
                Outcome(shown, "created", filled=filled, wants=english),
            )
        old = catalogs.read_catalog_bytes(po, shown)
        if create_only:
            return old, None, Outcome(shown, "exists")
        now, merged = catalogs.merged_catalog(old, shown, template, config.do_not_translate)
        data = old if merged is None else merged
        remembered, filled = _remember(config, data, now, shown, domain, locale, memory)
        merged = merged if remembered is None else remembered
        return old, merged, Outcome(shown, "updated", filled=filled, **_wanted(now, data))

    changed, outcome = edit_file(po, edit)
    if outcome.verb == "updated" and not changed:
        return replace(outcome, verb="unchanged")
    return outcome


def _remember(
    config: Config,
    data: bytes | str,
    parsed: PoFile | None,
    shown: str,
    domain: str,
    locale: str,
    memory: Memory | None,
) -> tuple[bytes | None, Filled]:
    """The catalog `data` (`parsed`, if it has been) with its untranslated entries filled from
    `memory` (`prefill`), or None when memory changes nothing in it (None: no memory, nothing
    done). An empty memory still takes away the `memory:` comments it no longer stands behind."""
    if memory is None or (not len(memory) and _MARKED not in _bytes(data)):
        return None, Filled()
    po = parsed if parsed is not None else parse(_bytes(data), shown)
    glossary = config.terminology.glossary(locale)
    filled, counts = prefill(po, domain, locale, memory, config.do_not_translate, glossary)
    return (None if filled is po else write(filled)), counts


_MARKED = f"# {MARK}".encode()


def _bytes(data: bytes | str) -> bytes:
    return data.encode() if isinstance(data, str) else data


def _run(
    config: Config, pots: Sequence[Path], places: Places, create_only: bool, memory: Memory | None
) -> list[Outcome]:
    return [o for pot in pots for o in _page(config, pot, places, create_only, memory)]


def sync(
    config: Config,
    pots: Sequence[Path],
    locales: Sequence[str],
    create_only: bool = False,
    jobs: int | None = None,
    memory: Memory | None = None,
) -> Iterator[Outcome]:
    """Bring every catalog of `locales` in step with `pots`, in template order, filling
    untranslated entries from `memory` (`prefill`: fuzzy, never approved)."""
    folders = {locale: config.catalog_path(locale, "-").parent for locale in locales}
    places = {locale: (folder, config.rel(folder)) for locale, folder in folders.items()}
    workers = min(jobs or default_jobs(), max(1, len(pots) // _PARALLEL_FROM))
    if workers <= 1:
        for pot in pots:
            yield from _page(config, pot, places, create_only, memory)
        return
    size = -(-len(pots) // (workers * 4))  # a few runs per worker, so that none idles long
    runs = [pots[i : i + size] for i in range(0, len(pots), size)]
    # fork: workers inherit the loaded code and libunistring instead of importing them again
    with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
        for outcomes in pool.map(
            _run,
            [config] * len(runs),
            runs,
            [places] * len(runs),
            [create_only] * len(runs),
            [memory] * len(runs),
        ):
            yield from outcomes


def templates(config: Config) -> list[Path]:
    """Every template of the tree; none at all is an error that says what to run."""
    found = sorted(config.templates_dir.glob("*.pot"))
    if not found:
        raise L10nError("no templates in locales/templates; run `clinic-l10n extract` first")
    return found


def init_locale(config: Config, locale: str, jobs: int | None = None) -> Iterator[Outcome]:
    """Create the catalogs a newly enabled locale lacks; existing ones are left as they are."""
    return sync(config, templates(config), [locale], create_only=True, jobs=jobs)


def update_all(
    config: Config, jobs: int | None = None, memory: Memory | None = None
) -> Iterator[Outcome]:
    """Merge every template into every enabled locale's catalog, filling untranslated entries
    from `memory` as fuzzy guesses."""
    return sync(config, templates(config), list(config.locales), jobs=jobs, memory=memory)


Wanted = set[tuple[str, str, str | None]]  # (locale, msgid, msgid_plural) memory may fill
Recall = Callable[[Wanted, Collection[str]], Memory]  # the memory of that English, from those pages


def update_remembering(config: Config, recall: Recall, jobs: int | None = None) -> list[Outcome]:
    """`update_all`, then translation memory where it can fill something. The catalogs are
    merged first; only if some entry is one memory may fill (`prefill.fillable`), or holds
    `memory:` comments to work out again, is memory gathered: for that English alone, from the
    pages whose templates hold it and the pages to fill (`recall(wanted, pages)`), and those
    pages' catalogs are merged again with it. So a tree where nothing waits to be filled reads
    no ledger, and a new paragraph reads only the pages that share its English."""
    first = list(update_all(config, jobs))
    targets = {o.domain for o in first if o.wants or o.marked}
    if not targets:
        return first
    wanted = {(o.locale, *english) for o in first for english in o.wants}
    english = {(msgid, plural) for _, msgid, plural in wanted}
    pages = targets | {o.domain for o in first if o.english & english}
    memory = recall(wanted, pages)
    pots = [pot for pot in templates(config) if pot.stem in targets]
    again = {o.path: o for o in sync(config, pots, list(config.locales), jobs=jobs, memory=memory)}
    return [_both(o, again.get(o.path)) for o in first]


def _both(first: Outcome, second: Outcome | None) -> Outcome:
    """A catalog's outcome over both passes: what the merge did, and what memory put in."""
    if second is None or second.verb == "failed":
        return second or first
    if first.verb in ("created", "updated", "failed"):
        return replace(second, verb=first.verb, error=first.error)
    return second


def compile_all(config: Config) -> Iterator[Outcome]:
    """Compile every catalog to .mo beside it, locale by locale; a catalog `msgfmt -c` rejects
    is a failed outcome and not compiled, and the others are."""
    pots = templates(config)
    for locale in config.locales:
        for pot in pots:
            po = config.catalog_path(locale, pot.stem)
            if not po.exists():
                continue
            shown, mo = config.rel(po), po.with_suffix(".mo")
            try:
                atomic_write(
                    mo, catalogs.compile_catalog(catalogs.read_catalog_bytes(po, shown), shown)
                )
            except L10nError as exc:
                yield Outcome(shown, "failed", str(exc))
                continue
            yield Outcome(config.rel(mo), "compiled")
