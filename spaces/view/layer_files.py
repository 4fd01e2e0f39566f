"""Big map layers travel as files the browser fetches once, not inside every chart message (issue 12, finding 11).

Streamlit's pydeck chart resends its whole JSON on every rerun, parses it with JSON5 (a parser written in
JavaScript, character by character), and deck.gl rebuilds a layer whenever its data is a new object, even when
nothing in it changed. At 6,000 plots an industry filter resent 1.35 MB of unchanged plot polygons, and most of
the 0.84 s a planner waited went into parsing and re-tessellating them. deck.gl compares a layer whose data
is a URL by that string: same URL, no work. So each big layer's data is written once, named by the hash of
its content, into the ``map-data`` folder of the app's static folder (``server.enableStaticServing``), and
the chart gets its relative URL (``app/static/map-data/<hash>.json``, which also works under a
``server.baseUrlPath``). A change that leaves the plots alone no longer touches them; a change that does
gives a new file, parsed by the browser's own JSON parser.

What the files hold is exactly what the chart message held, so a visitor who can open the map can read
them and nothing more. Files are kept up to ``keep_bytes`` in all, the least recently used deleted first.
When the folder cannot be written, the layer keeps its data inline, as before, and the server log says why.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

LOGGER = logging.getLogger(__name__)

FOLDER = "map-data"
# Below this a layer stays inline: a fetch costs a round trip, and small layers parse fast anyway.
MIN_BYTES = 32_000
# All files together; at 1M plots a city-scale cells file is ~3 MB, so this keeps dozens of filter states.
KEEP_BYTES = 256 * 2**20
# Data objects remembered with their file, so that a rerun handing the same (cached) list again does not
# serialise it again: 32 ms for 6,000 plots on every rerun otherwise.
REMEMBERED = 16


def layer_json(data) -> bytes:
    """The JSON of a layer's data, as the chart would have sent it (compact, UTF-8, keys sorted)."""
    return json.dumps(data, sort_keys=True, default=default_serialize, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True)
class LayerFiles:
    """Where layer files go (``directory``) and the URL the browser fetches them by (``url_prefix`` + name)."""

    directory: Path
    url_prefix: str
    min_bytes: int = MIN_BYTES
    keep_bytes: int = KEEP_BYTES
    # id(data) -> (data, file name): the same object again is the same content, if nobody changed it in between,
    # which holds for what the app's caches hand out (read-only).
    _known: dict = field(default_factory=dict, compare=False, repr=False)

    def url_for(self, data) -> str | None:
        """The URL of a file holding ``data``, written if new; None when ``data`` is small or cannot be written.

        ``data`` must not change after this call: the same object is taken for the same content."""
        known = self._known.get(id(data))
        if known is not None and known[0] is data and self._touch(self.directory / known[1]):
            return f"{self.url_prefix}{known[1]}"
        body = layer_json(data)
        if len(body) < self.min_bytes:
            return None
        name = f"{hashlib.sha256(body).hexdigest()[:32]}.json"
        path = self.directory / name
        try:
            if not self._touch(path):  # when it exists, used again: kept longer
                self._write(path, body)
        except OSError as error:
            LOGGER.warning("map layer kept inline: %s cannot be written (%s)", self.directory, error.strerror or error)
            return None
        self._known[id(data)] = (data, name)
        while len(self._known) > REMEMBERED:
            del self._known[next(iter(self._known))]
        return f"{self.url_prefix}{name}"

    @staticmethod
    def _touch(path: Path) -> bool:
        """Mark ``path`` used now; False when it is gone (pruned by another server process)."""
        try:
            os.utime(path)
        except OSError:
            return False
        return True

    def publish(self, layers: list[pdk.Layer]) -> list[pdk.Layer]:
        """``layers`` with each big layer's data replaced by the URL of its file (the layers are changed in place)."""
        for layer in layers:
            if getattr(layer, "use_binary_transport", False) or not isinstance(layer.data, (list, dict)):
                continue
            url = self.url_for(layer.data)
            if url is not None:
                layer.data = url
        return layers

    def _write(self, path: Path, body: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        # Written beside its final name and renamed: a browser (or another server process) never reads half a file.
        handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".part")
        renamed = False
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(body)
            os.replace(temporary, path)
            renamed = True
        finally:
            if not renamed:
                Path(temporary).unlink(missing_ok=True)
        self.prune(keep=path)

    def prune(self, keep: Path | None = None) -> list[Path]:
        """Delete the least recently used files until all together hold at most ``keep_bytes``; never ``keep``."""
        files = []
        for path in self.directory.glob("*.json"):
            try:
                stat = path.stat()
            except FileNotFoundError:  # deleted meanwhile by another server process
                continue
            files.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in files)
        removed = []
        for _, size, path in sorted(files):
            if total <= self.keep_bytes:
                break
            if path == keep:
                continue
            path.unlink(missing_ok=True)
            total -= size
            removed.append(path)
        return removed
