"""Writing output files without ever replacing one the user owns.

A summary written over a chair's edited report, or a demo that empties a
folder it was pointed at, loses work nobody can get back. So every command
that writes files goes through here: a new file is created exclusively (the
operating system refuses if anything is already at that path, so there is
no gap between checking and writing), and a folder the demo writes into
keeps a small record of the files it wrote, with their fingerprints, so a
second run may replace exactly those files and nothing else, and not even
those once someone has edited them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

from bot.errors import PanelError

OWNED_RECORD = ".vcop-demo-files.json"


class OutputRefused(PanelError):
    """Writing would replace or delete something vcop did not write; nothing was written."""


def _fingerprint(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_new(path: Path, data: bytes) -> None:
    """Create ``path`` holding ``data``; refuse if anything already exists there.

    A write that fails half-way removes the partial file, which is ours.
    """
    if path.is_dir():
        raise OutputRefused(f"{path} is a folder; give --output a file name, such as summary.md")
    try:
        handle = path.open("xb")
    except FileExistsError:
        raise OutputRefused(
            f"{path} already exists and vcop never replaces a file: choose another "
            "name with --output, or move that file away first"
        ) from None
    except FileNotFoundError:
        if path.parent.is_dir():
            raise OutputRefused(f"cannot create {path}; choose another --output") from None
        raise OutputRefused(
            f"the folder {path.parent} does not exist: create it first, or choose another --output"
        ) from None
    except OSError as exc:
        raise OutputRefused(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with handle:
            handle.write(data)
    except OSError as exc:
        with contextlib.suppress(OSError):
            path.unlink()
        raise OutputRefused(f"cannot write {path}: {exc.strerror or exc}") from None


def free_name(path: Path, numbered: str = "{stem} ({number}){suffix}") -> Path:
    """``path`` if nothing is there, else the first free ``stem (2).ext``, ``stem (3).ext``…

    ``numbered`` shapes the stepped-aside name: documents read as Word names its copies,
    while a backup, typed on a command line, takes ``stem-2.ext`` with no space to quote.
    """
    candidate, number = path, 1
    while candidate.exists():
        number += 1
        name = numbered.format(stem=path.stem, number=number, suffix=path.suffix)
        candidate = path.with_name(name)
    return candidate


class OwnedFolder:
    """A folder vcop writes its own files into, beside whatever else is there.

    ``.vcop-demo-files.json`` records each file vcop wrote and its
    fingerprint. A file may be replaced only if it is recorded and unchanged
    since; anything else in the folder is never touched.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.record_path = folder / OWNED_RECORD

    def _refuse(self, why: str) -> OutputRefused:
        return OutputRefused(
            f"the folder {self.folder} {why}; nothing was changed. Choose another "
            "folder with --output, or move those files away first"
        )

    def _record(self) -> dict[str, str]:
        try:
            loaded = json.loads(self.record_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            raise self._refuse(f"already holds {OWNED_RECORD}, which vcop did not write") from None
        files = loaded.get("files") if isinstance(loaded, dict) else None
        if not isinstance(files, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in files.items()
        ):
            raise self._refuse(f"already holds {OWNED_RECORD}, which vcop did not write")
        return dict(files)

    def _ours(self, name: str, record: dict[str, str]) -> bool:
        try:
            current = (self.folder / name).read_bytes()
        except OSError:
            return False
        return record.get(name) == _fingerprint(current)

    def check(self, names: Iterable[str]) -> None:
        """Refuse (before any work starts) if writing ``names`` would replace a file not ours."""
        if self.folder.exists() and not self.folder.is_dir():
            raise OutputRefused(
                f"{self.folder} is a file, not a folder; choose a folder with --output"
            )
        if not self.folder.exists():
            return
        record = self._record()
        taken = [
            name
            for name in names
            if (self.folder / name).exists() or (self.folder / name).is_symlink()
        ]
        foreign = [name for name in taken if not self._ours(name, record)]
        if foreign:
            raise self._refuse(
                f"already holds {', '.join(foreign)}, which this demo did not write "
                "(or which was changed since)"
            )

    def prepare(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputRefused(
                f"cannot create the folder {self.folder}: {exc.strerror or exc}"
            ) from None

    def write(self, name: str, data: bytes) -> Path:
        """Write ``name``: a new file, or one this folder's record says vcop wrote."""
        path = self.folder / name
        record = self._record()
        if path.exists() or path.is_symlink():
            if not self._ours(name, record):
                raise self._refuse(f"already holds {name}, which this demo did not write")
            path.unlink()
        write_new(path, data)
        record[name] = _fingerprint(data)
        self._save(record)
        return path

    def _save(self, record: dict[str, str]) -> None:
        """Replace the record atomically, so an interrupted run leaves the old one whole."""
        text = json.dumps({"written_by": "vcop demo", "files": record}, indent=2)
        temporary = self.folder / f"{OWNED_RECORD}.{os.getpid()}.tmp"
        write_new(temporary, text.encode("utf-8"))
        os.replace(temporary, self.record_path)
