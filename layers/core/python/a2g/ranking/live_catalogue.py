"""The published catalogue as a warm ranking function keeps it: read in full once, then kept current in place.

:class:`LiveCatalogue` holds one :class:`~a2g.ranking.ports.CatalogueEntry` per PRODUCTION agent and brings
it up to date before each request (:meth:`LiveCatalogue.refresh`):

* with a store that has the agents' write counter (``catalogue_marker`` / ``changes_since``, the real
  repository): one small GetItem of the marker, skipped when the last one is under ``marker_seconds``
  old; when the marker moved, one Query per status for the rows written since the newest one read
  (``_OVERLAP`` earlier), applied entry by entry — nothing is copied or re-read. The whole catalogue is
  read again only every ``full_refresh_seconds`` (a safety net) or when the marker's list of deleted ids
  was reset (``epoch``), and even then it is compared with what is kept and only the differences applied;
* with a store without them (older stores, fakes): read in full every ``cache_seconds``, applied the
  same way.

What changed is remembered per agent with a generation number, so each model's index
(:mod:`a2g.ranking.model_index`) asks for just the agents that changed since it last looked
(:meth:`LiveCatalogue.changed_since`) instead of diffing the catalogue.

Not thread-safe on its own: the service calls it under its lock.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta

from a2g.clock import iso
from a2g.ranking.ports import CatalogueEntry, CatalogueMarker, RankingStore

__all__ = ["LiveCatalogue"]

_OVERLAP = timedelta(seconds=5)
"""Incremental reads start this long before the newest `updated_at` seen: writers' clocks differ a little
(NTP: milliseconds) and a GSI shows a write a little late (typically under a second), so a row stamped
earlier than one already read can still arrive. Every row in the window is re-read on each change, so it
is kept short: a bulk import of thousands of agents within it would make each refresh read them all."""

_SETTLE_RECHECK = 1.0  # while settling after a move, changes are re-read at most this often (seconds)


class LiveCatalogue:
    """The PRODUCTION agents by id, kept current in place (see the module docstring)."""

    def __init__(
        self,
        store: RankingStore,
        monotonic: Callable[[], float],
        *,
        cache_seconds: float,
        full_refresh_seconds: float = 900.0,
        settle_seconds: float = 10.0,
        marker_seconds: float = 0.0,
    ) -> None:
        self._store = store
        self._monotonic = monotonic
        self._cache_seconds = cache_seconds
        self._full_refresh = full_refresh_seconds
        self._settle = settle_seconds
        self._marker_seconds = marker_seconds
        self._incremental = callable(getattr(store, "catalogue_marker", None)) and callable(
            getattr(store, "changes_since", None)
        )
        self.entries: dict[str, CatalogueEntry] = {}
        self.loaded = False
        self.generation = 0  # +1 per applied change of an agent's text, vector or presence
        # agent id -> the generation it last changed in, oldest first (an index reads it from the end)
        self._changes: OrderedDict[str, int] = OrderedDict()
        self._marker: CatalogueMarker | None = None
        self._newest = ""  # the newest `updated_at` read: where the next incremental read starts
        self._full_at = 0.0  # when the catalogue was last read in full
        self._marker_at = 0.0  # when the marker was last read
        self._read_at = 0.0  # when changes were last read
        self._settle_until = 0.0  # keep reading changes until then after the marker moved (GSI lag)

    # ------------------------------------------------------------------------------------------ reads
    def refresh(self) -> None:
        """Bring the entries up to date (one marker read in the common case)."""
        now = self._monotonic()
        if not self.loaded:
            self._read_all(now)
        elif self._incremental:
            if now - self._full_at < self._full_refresh:
                self._check(now)
            else:
                self._read_all(now)
        elif now - self._full_at >= self._cache_seconds:
            self._read_all(now)

    def changed_since(self, generation: int) -> tuple[list[CatalogueEntry], list[str]]:
        """The agents changed after ``generation``: (their current entries, the ids no longer published)."""
        changed: list[CatalogueEntry] = []
        removed: list[str] = []
        for agent_id in reversed(self._changes):
            if self._changes[agent_id] <= generation:
                break
            entry = self.entries.get(agent_id)
            if entry is None:
                removed.append(agent_id)
            else:
                changed.append(entry)
        return changed, removed

    # ------------------------------------------------------------------------------------- internals
    def _read_all(self, now: float) -> None:
        marker = self._store.catalogue_marker() if self._incremental else None  # type: ignore[attr-defined]
        removed = marker.removed if marker is not None else frozenset()
        seen: set[str] = set()
        read = getattr(self._store, "iter_production_agents", None)  # page by page where the store can
        for entry in read() if callable(read) else self._store.production_agents():
            if entry.agent_id in removed:
                continue
            seen.add(entry.agent_id)
            self._put(entry)
        for agent_id in [a for a in self.entries if a not in seen]:
            self._drop(agent_id)
        self._marker, self.loaded = marker, True
        self._full_at = self._marker_at = self._read_at = now

    def _check(self, now: float) -> None:
        """One GetItem of the marker; when it moved (or while settling after a move), a Query for the rows
        written since the newest one read, applied to the entries."""
        settling = now < self._settle_until
        if not settling and now - self._marker_at < self._marker_seconds:
            return
        marker = self._store.catalogue_marker(with_removed=False)  # type: ignore[attr-defined]
        self._marker_at = now
        previous = self._marker
        if previous is not None and marker.epoch != previous.epoch:  # `removed` was reset: read it all
            self._read_all(now)
            return
        moved = previous is None or marker.seq != previous.seq
        if not moved and (not settling or now - self._read_at < _SETTLE_RECHECK):
            return
        if moved:  # now the deleted ids too (kept until the next move, for the settling reads)
            marker = self._store.catalogue_marker()  # type: ignore[attr-defined]
            self._settle_until = now + self._settle
        elif previous is not None:
            marker = previous
        self._apply_changes()
        for agent_id in marker.removed:
            self._drop(agent_id)
        self._marker, self._read_at = marker, now

    def _apply_changes(self) -> None:
        since = "0"  # before any ISO time: an empty catalogue reads every row written so far
        if self._newest:
            try:
                since = iso(datetime.fromisoformat(self._newest) - _OVERLAP)
            except ValueError:
                since = "0"
        changes = self._store.changes_since(since)  # type: ignore[attr-defined]
        for change in sorted(changes, key=lambda c: c.version):
            known = self.entries.get(change.agent_id)
            if known is not None and known.version > change.version:
                continue  # an older write, re-read through the overlap or a lagging index
            self._newest = max(self._newest, change.updated_at)
            if change.entry is not None:
                if known is None or known.version != change.version:
                    self._put(change.entry)
            elif known is not None:
                self._drop(change.agent_id)

    def _put(self, entry: CatalogueEntry) -> None:
        """Keep `entry`; an index hears of it only when its text or vector changed (a colour, the last
        use, a version bump alone change just the view the answer shows)."""
        known = self.entries.get(entry.agent_id)
        if entry.updated_at:
            self._newest = max(self._newest, entry.updated_at)
        unchanged = known is not None and known.version == entry.version and known.public == entry.public
        if unchanged and _same_vector(known, entry):  # type: ignore[arg-type]
            return  # the entry kept stays (a full re-read's copy is dropped at once)
        self.entries[entry.agent_id] = entry
        if known is None or not _same_text(known, entry) or not _same_vector(known, entry):
            self._changed(entry.agent_id)

    def _drop(self, agent_id: str) -> None:
        if self.entries.pop(agent_id, None) is not None:
            self._changed(agent_id)

    def _changed(self, agent_id: str) -> None:
        self.generation += 1
        self._changes[agent_id] = self.generation
        self._changes.move_to_end(agent_id)


def _same_text(a: CatalogueEntry, b: CatalogueEntry) -> bool:
    return a.name == b.name and a.description == b.description and a.skills == b.skills


def _same_vector(a: CatalogueEntry, b: CatalogueEntry) -> bool:
    return a.embedding_model == b.embedding_model and a.embedding == b.embedding
