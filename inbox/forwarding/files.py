"""Files sent along with a forward: checked on the way in, stored under random names in the data folder."""

from __future__ import annotations

import hashlib
import logging
import secrets
from pathlib import Path, PurePosixPath

from flask import current_app

from inbox.extensions import db
from inbox.forwarding.models import Forward, ForwardFile

log = logging.getLogger(__name__)
ZIP = b"PK\x03\x04"
# Extension -> (content type, the bytes a real file of that kind starts with; None: UTF-8 text).
ALLOWED = {
    ".pdf": ("application/pdf", b"%PDF-"),
    ".png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    ".jpg": ("image/jpeg", b"\xff\xd8\xff"),
    ".jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    ".txt": ("text/plain", None),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ZIP),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ZIP),
    ".odt": ("application/vnd.oasis.opendocument.text", ZIP),
}


class FileRefused(ValueError):
    pass


def limits() -> tuple[int, int]:
    settings = current_app.config["SETTINGS"]["forwarding"]
    return int(settings["max_attachment_bytes"]), int(settings["max_attachments"])


def folder() -> Path:
    path = Path(current_app.config["DATA_DIR"]) / "forward-files"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _clean_name(filename: str) -> str:
    name = PurePosixPath((filename or "").replace("\\", "/")).name.strip()
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>|:*?')
    return name[:200] or "anhang"


def check(filename: str, body: bytes) -> tuple[str, str]:
    """(clean name, content type) of an acceptable upload, or FileRefused with a German reason."""
    name = _clean_name(filename)
    max_bytes, _count = limits()
    if len(body) > max_bytes:
        raise FileRefused(f"{name}: Die Datei ist größer als {max_bytes // (1024 * 1024)} MB.")
    if not body:
        raise FileRefused(f"{name}: Die Datei ist leer.")
    kind = ALLOWED.get(PurePosixPath(name.lower()).suffix)
    if kind is None:
        raise FileRefused(f"{name}: Erlaubt sind PDF, PNG, JPEG, TXT, DOCX, XLSX und ODT.")
    content_type, magic = kind
    if not _content_matches(body, magic):
        raise FileRefused(f"{name}: Der Inhalt passt nicht zur Dateiendung.")
    return name, content_type


def _content_matches(body: bytes, magic: bytes | None) -> bool:
    if magic is not None:
        return body.startswith(magic)
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in body


def store(forward: Forward, filename: str, body: bytes) -> ForwardFile:
    name, content_type = check(filename, body)
    storage_name = secrets.token_hex(24)
    path = folder() / storage_name
    path.write_bytes(body)
    path.chmod(0o600)
    row = ForwardFile(organization_id=forward.organization_id, forward_id=forward.id, filename=name,
                      content_type=content_type, size=len(body), sha256=hashlib.sha256(body).hexdigest(),
                      storage_name=storage_name)
    db.session.add(row)
    db.session.flush()
    return row


def path_of(row: ForwardFile) -> Path:
    return folder() / row.storage_name
