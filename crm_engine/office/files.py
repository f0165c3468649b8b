"""Files (F2): my files and shared files, stored inside the workspace.

Rules:
- Files live in the workspace itself (a BLOB column), so backups, restores and
  hand-ins carry them and nothing is ever written beside the workspace on upload.
- A file is at most the setting `file_max_bytes` (10 MB by default) large. The
  size is checked before anything is read: from the file system for a path,
  from a declared `size` (or by seeking) for a file-like object.
- Names are plain file names: no folders, no `..`, no control characters, none
  of `< > : " / \\ | ? *`, no Windows device names (CON, NUL …). A name like
  `../../etc/passwd` is refused, never silently rewritten. Saving a file out
  writes only inside the folder given, and never over an existing file.
- Each user's file names are unique among their own files.
- A file is its owner's; `shared` files are readable by everyone. Others' unshared
  files follow the sharing policy for kind `file` (by default only the administrator's
  scope reaches them).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import unicodedata
from dataclasses import dataclass

import pandas as pd

from .. import validate
from ..errors import Conflict, InvalidInput, NotAllowed, NotFound
from ..i18n import Choices
from ..session import Area, Session, action, load_user, query
from ..statemachine import reasons

KIND = "file"
FORBIDDEN = set('<>:"/\\|?*')
DEVICE_NAMES = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
DEFAULT_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class FileInfo:
    id: int
    owner_id: int
    name: str
    size: int
    sha256: str
    shared: bool
    description: str | None
    uploaded_on: dt.date


COLUMNS = "id, owner_id, name, size, sha256, shared, description, uploaded_on"
FROM_SQL = "FROM files f JOIN users u ON u.id = f.owner_id"
# What `list(sort=…)` may sort by (name → SQL).
SORTABLE = {"uploaded_on": "f.uploaded_on", "name": "f.name", "size": "f.size"}


def safe_name(value, field: str = "file_name") -> str:
    """`value` if it is a plain, portable file name; otherwise a clear InvalidInput."""
    name = validate.text(value, field, max_length=200)
    name = unicodedata.normalize("NFC", name)
    for char in name:
        if char in FORBIDDEN or ord(char) < 32 or ord(char) == 127:
            raise InvalidInput("file.bad_char", field=field, value=value, char=repr(char))
    if not name.strip(". "):
        raise InvalidInput("file.only_dots", field=field, value=value)
    if name.endswith((".", " ")):
        raise InvalidInput("file.bad_ending", field=field, value=value)
    if name.split(".")[0].strip().upper() in DEVICE_NAMES:
        raise InvalidInput("file.device_name", field=field, value=value)
    if len(name.encode("utf-8")) > 255:
        raise InvalidInput("error.too_long", field=field, max=255)
    return name


def human_size(size: int) -> str:
    """1536 → '1.5 KB' (powers of 1024, as file managers show them)."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def _declared_size(handle) -> int | None:
    """The size a file-like object says it has, without reading it."""
    size = getattr(handle, "size", None)
    if isinstance(size, int) and not isinstance(size, bool):
        return size
    try:
        if handle.seekable():
            here = handle.tell()
            end = handle.seek(0, os.SEEK_END)
            handle.seek(here)
            return end - here
    except (AttributeError, OSError, ValueError):
        pass
    return None


def read_source(source, limit: int) -> tuple[bytes, str | None]:
    """The bytes of `source` (a path, bytes or a binary file-like) and a default name,
    refusing anything over `limit` bytes before reading it."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        _check_size(len(data), limit)
        return data, None
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if not os.path.isfile(path):
            raise InvalidInput("file.no_source", field="file", path=path)
        _check_size(os.path.getsize(path), limit)
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)  # the file may have grown since the stat
        _check_size(len(data), limit)
        return data, os.path.basename(path)
    if hasattr(source, "read"):
        declared = _declared_size(source)
        if declared is not None:
            _check_size(declared, limit)
        data = source.read(limit + 1)
        if not isinstance(data, (bytes, bytearray)):
            raise InvalidInput("file.not_binary", field="file")
        _check_size(len(data), limit)
        name = getattr(source, "name", None)
        return bytes(data), os.path.basename(name) if isinstance(name, str) else None
    raise InvalidInput("file.bad_source", field="file")


def _check_size(size: int, limit: int) -> None:
    if size > limit:
        raise InvalidInput("file.too_large", field="file", size=human_size(size), limit=human_size(limit))


def fetch(s: Session, file_id, *, write: bool = False) -> FileInfo:
    file_id = validate.record_id(file_id, "file")
    row = s.db.one(f"SELECT {COLUMNS} FROM files WHERE id = ?", [file_id])
    if row is None:
        raise NotFound("file.not_found", id=file_id)
    info = FileInfo(*row)
    mine = info.owner_id == s.user.id
    if not (mine or info.shared or s.can_read(KIND, info.owner_id)):
        raise NotFound("file.not_found", id=file_id)
    if write and not (mine or s.can_write(KIND, info.owner_id)):
        raise NotAllowed("file.not_yours", name=info.name, owner=load_user(s.db, info.owner_id).name)
    return info


class Files(Area):
    """`crm.files`: upload, share, download and list files."""

    ACTIONS = ("share", "rename", "save", "delete")
    human_size = staticmethod(human_size)   # for screens: sizes shown as the engine's messages show them

    @query
    def actions(self, file_id: int) -> dict[str, str | None]:
        """What you may do to this file now: share (or unshare), rename, save, delete → None, or why
        not (the verbs' own checks, in your language). Saving needs only that you may see it."""
        s = self._s
        info = fetch(s, file_id)
        writable = lambda: fetch(s, info.id, write=True)  # noqa: E731 - the same check the verbs run
        return reasons(s, {"share": writable, "rename": writable, "save": lambda: info, "delete": writable})

    @action
    def upload(self, source, *, name: str | None = None, shared: bool = False,
               description: str | None = None) -> FileInfo:
        """Store a file in the workspace: `source` is a path, bytes or a binary file object.

            crm.files.upload("quote.pdf")
            crm.files.upload(b"minutes …", name="meeting-notes.txt", shared=True)

        The name defaults to the file's own; refused over the size limit (setting `file_max_bytes`).
        """
        s = self._s
        limit = int(s.setting("file_max_bytes", DEFAULT_MAX_BYTES))
        if name is not None:
            name = safe_name(name)
        data, default_name = read_source(source, limit)
        name = name or safe_name(default_name)
        if not isinstance(shared, bool):
            raise InvalidInput("error.choice", field="file_shared", value=shared, choices=Choices(("True", "False")))
        description = validate.text(description, "file_description", required=False, max_length=500)
        existing = s.db.scalar("SELECT id FROM files WHERE owner_id = ? AND name = ?", [s.user.id, name])
        if existing:
            raise Conflict("file.exists", name=name, id=existing)
        file_id = s.db.next_id("files")
        digest = hashlib.sha256(data).hexdigest()
        s.db.execute("INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     [file_id, s.user.id, name, len(data), digest, shared, description, s.today(), data])
        s.audit("create", KIND, file_id, after={"name": name, "size": len(data), "sha256": digest, "shared": shared})
        return fetch(s, file_id)

    @query
    def get(self, file_id: int) -> FileInfo:
        """A file's details (not its content), if it is yours, shared, or within your scope."""
        return fetch(self._s, file_id)

    @query
    def read(self, file_id: int) -> bytes:
        """A file's content."""
        info = fetch(self._s, file_id)
        return self._s.db.scalar("SELECT content FROM files WHERE id = ?", [info.id])

    @action
    def save(self, file_id: int, folder, *, name: str | None = None) -> str:
        """Write a file out into the existing `folder` (under its own name or `name`); returns the path.

        Never writes outside `folder`, never over an existing file.
        """
        s = self._s
        info = fetch(s, file_id)
        folder = os.fspath(folder)
        if not os.path.isdir(folder):
            raise InvalidInput("file.no_folder", field="target_folder", path=folder)
        # The stored name was checked on upload; check again, as rows can arrive by restore.
        target_name = safe_name(name if name is not None else info.name)
        base = os.path.realpath(folder)
        target = os.path.join(base, target_name)
        if os.path.dirname(target) != base:
            raise InvalidInput("file.bad_char", field="file_name", value=target_name, char="/")
        content = s.db.scalar("SELECT content FROM files WHERE id = ?", [info.id])
        try:
            with open(target, "xb") as handle:  # "x": never replace a file (or follow a planted link)
                handle.write(content)
        except FileExistsError:
            raise Conflict("file.target_exists", path=target) from None
        except OSError as error:
            raise NotAllowed("export.io", path=target, detail=error.strerror) from None
        s.audit("export", KIND, info.id, note=target_name)
        return target

    @action
    def share(self, file_id: int, shared: bool = True) -> FileInfo:
        """Share a file of yours with everyone (`shared=False` makes it yours alone again)."""
        s = self._s
        info = fetch(s, file_id, write=True)
        if not isinstance(shared, bool):
            raise InvalidInput("error.choice", field="file_shared", value=shared, choices=Choices(("True", "False")))
        s.db.execute("UPDATE files SET shared = ? WHERE id = ?", [shared, info.id])
        s.audit("share" if shared else "unshare", KIND, info.id, before={"shared": info.shared}, after={"shared": shared})
        return fetch(s, info.id)

    @action
    def unshare(self, file_id: int) -> FileInfo:
        """Stop sharing a file."""
        return self.share(file_id, False)

    @action
    def rename(self, file_id: int, name: str) -> FileInfo:
        """Give a file of yours a new (safe, unused) name."""
        s = self._s
        info = fetch(s, file_id, write=True)
        name = safe_name(name)
        existing = s.db.scalar("SELECT id FROM files WHERE owner_id = ? AND name = ? AND id <> ?",
                               [info.owner_id, name, info.id])
        if existing:
            raise Conflict("file.exists", name=name, id=existing)
        s.db.execute("UPDATE files SET name = ? WHERE id = ?", [name, info.id])
        s.audit("update", KIND, info.id, before={"name": info.name}, after={"name": name})
        return fetch(s, info.id)

    @action
    def delete(self, file_id: int) -> None:
        """Delete a file of yours."""
        s = self._s
        info = fetch(s, file_id, write=True)
        s.db.execute("DELETE FROM files WHERE id = ?", [info.id])
        s.audit("delete", KIND, info.id, before={"name": info.name, "size": info.size, "sha256": info.sha256})

    @query
    def list(self, *, shared: bool | None = None, mine: bool = False, search: str | None = None,
             sort: str | None = None, descending: bool = False,
             limit: int | None = None, offset: int = 0) -> pd.DataFrame:
        """Files you may see — yours, shared ones, others' within your scope — newest first (or by
        `sort`, one of `SORTABLE`), paged (`limit` rows from `offset`), without their content.

        `shared=True` only shared files, `shared=False` only unshared ones; `mine=True` only yours;
        `search` is text in the file's name, its description or the owner's name.
        """
        where, params = self._filters(shared, mine, search)
        order = validate.order(sort, descending, SORTABLE, default="f.uploaded_on DESC, f.id DESC", tie="f.id")
        return self._s.db.df(
            "SELECT f.id, f.name, f.size, f.owner_id, u.name AS owner_name, f.shared, f.description, f.uploaded_on, "
            f"f.sha256 {FROM_SQL} WHERE {where} ORDER BY {order}{validate.page(limit, offset)}", params)

    @query
    def count(self, *, shared: bool | None = None, mine: bool = False, search: str | None = None) -> int:
        """How many files `list()` with the same filters returns (for paging)."""
        where, params = self._filters(shared, mine, search)
        return self._s.db.scalar(f"SELECT count(*) {FROM_SQL} WHERE {where}", params)

    def _filters(self, shared, mine, search) -> tuple[str, list]:
        s = self._s
        me = int(s.user.id)
        where = [f"(f.owner_id = {me} OR f.shared OR {s.scope(KIND, 'f.owner_id')})"]
        if shared is not None:
            where.append("f.shared" if shared else "NOT f.shared")
        if mine:
            where.append(f"f.owner_id = {me}")
        found, args = validate.matching(search, ("f.name", "f.description", "u.name"))
        return " AND ".join(where + found), args
