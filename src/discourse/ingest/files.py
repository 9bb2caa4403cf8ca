"""Reading input files: discovery, bytes, compression, encodings, and why a file is refused."""

from __future__ import annotations

import errno
import fnmatch
import gzip
import hashlib
import io
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from charset_normalizer import from_bytes

__all__ = [
    "InputFile",
    "QuarantineEntry",
    "RejectedInput",
    "decode_text",
    "discover",
    "display_name",
    "gunzip_bounded",
    "sha256_bytes",
    "source_text",
]

GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"
#: Bytes inflated at a time when unpacking gzip (see :func:`gunzip_bounded`).
GZIP_CHUNK = 1 << 20
# Bytes that never occur in text; a few of them mean "binary" unless a UTF-16/32 BOM explains them.
_CONTROL = bytes(range(0, 9)) + bytes(
    [11, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31]
)


_WESTERN_SINGLE_BYTE = {
    "ascii",
    "latin_1",
    "iso8859_1",
    "iso8859_2",
    "iso8859_9",
    "iso8859_15",
    "cp1250",
    "cp1252",
    "cp1254",
    "cp1257",
    "mac_roman",
    "mac_latin2",
}


class RejectedInput(Exception):
    """A file or row that cannot be used; the message is the quarantine reason."""


@dataclass(frozen=True)
class QuarantineEntry:
    """One quarantined input (a whole file, or one row/line of it) with the reason."""

    path: str
    reason: str
    location: str = ""


@dataclass
class InputFile:
    """A discovered input file: its path relative to the input dir and, once read, its bytes."""

    path: Path
    rel: str
    skip_reason: str | None = None
    _data: bytes | None = field(default=None, repr=False)
    inner_name: str | None = None

    def read_bytes(self, max_bytes: int) -> bytes:
        """Read the file (once), transparently un-gzipping; raise :class:`RejectedInput`."""
        if self._data is not None:
            return self._data
        try:
            size = self.path.stat().st_size
        except OSError as exc:
            raise RejectedInput(f"cannot stat file: {exc.strerror or exc}") from None
        if size > max_bytes:
            raise RejectedInput(f"file is {size / 1e6:.1f} MB, above ingest.max_file_mb")
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise RejectedInput(f"unreadable file: {exc.strerror or exc}") from None
        self.raw_sha256 = sha256_bytes(data)
        if data.startswith(GZIP_MAGIC):
            data = gunzip_bounded(data, max_bytes)
            name = self.path.name
            self.inner_name = name[:-3] if name.lower().endswith(".gz") else name
        self._data = data
        return data

    @property
    def sha256(self) -> str:
        """SHA-256 of the file as stored on disk (compressed bytes for gzip)."""
        return getattr(self, "raw_sha256", "")

    @property
    def effective_name(self) -> str:
        """The name used to pick a reader: the inner name for gzip files."""
        return self.inner_name or self.path.name


def gunzip_bounded(data: bytes, max_bytes: int, chunk: int = GZIP_CHUNK) -> bytes:
    """Unpack gzip ``data`` (all members), stopping as soon as the output passes ``max_bytes``.

    The data is inflated ``chunk`` bytes at a time, so a small file that unpacks to gigabytes
    (a gzip bomb) costs at most about ``max_bytes`` of memory before it is refused.

    Raises
    ------
    RejectedInput
        Corrupt or truncated gzip data, or unpacked data above ``max_bytes``.
    """
    out = io.BytesIO()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data), mode="rb") as gz:
            while block := gz.read(chunk):
                if out.tell() + len(block) > max_bytes:
                    raise RejectedInput(
                        f"decompressed size is above ingest.max_file_mb (more than "
                        f"{max_bytes / 1e6:.1f} MB unpacked from {len(data):,} bytes); "
                        "stopped unpacking"
                    )
                out.write(block)
    except (OSError, EOFError, zlib.error) as exc:
        raise RejectedInput(f"corrupt gzip data: {exc}") from None
    return out.getvalue()


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def discover(root: Path, exclude: list[str], follow_symlinks: bool = False) -> list[InputFile]:
    """List every file under ``root`` in a stable order, marking the ones to skip and why.

    Nothing is left out silently: excluded files, symlinks not followed, and symlink loops
    are returned with a ``skip_reason`` so the manifest can list them.
    """
    found: list[InputFile] = []
    seen_dirs: set[tuple[int, int]] = set()

    def walk(directory: Path) -> None:
        try:
            st = directory.stat()
        except OSError as exc:
            found.append(_skip(root, directory, f"unreadable directory: {exc.strerror or exc}"))
            return
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:
            found.append(_skip(root, directory, "symlink loop: directory already visited"))
            return
        seen_dirs.add(key)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            found.append(_skip(root, directory, f"unreadable directory: {exc.strerror or exc}"))
            return
        for entry in entries:
            path = Path(entry.path)
            if entry.is_symlink() and not follow_symlinks:
                found.append(
                    _skip(root, path, "symbolic link not followed (ingest.follow_symlinks)")
                )
                continue
            if any(fnmatch.fnmatch(entry.name, pat) for pat in exclude):
                found.append(_skip(root, path, "excluded by ingest.exclude"))
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=follow_symlinks)
                is_file = entry.is_file(follow_symlinks=follow_symlinks)
            except OSError as exc:
                what = "symlink loop" if exc.errno == errno.ELOOP else "cannot stat"
                found.append(_skip(root, path, f"{what}: {exc.strerror or exc}"))
                continue
            if is_dir:
                walk(path)
            elif is_file:
                found.append(InputFile(path=path, rel=_rel(root, path)))
            elif entry.is_symlink():
                found.append(_skip(root, path, "broken symbolic link"))
            else:
                found.append(_skip(root, path, "not a regular file"))

    walk(root)
    return found


def display_name(name: str) -> str:
    r"""``name`` as printable UTF-8: bytes of a file name that are not UTF-8 become ``\xNN``.

    Python reads such a name with lone surrogates (the bytes ``caf\xe9.txt`` give the string
    ``'caf\udce9.txt'``), which cannot be written to JSON, CSV or Parquet. The display form
    spells each such byte as a backslash, ``x`` and two hex digits (``caf\xe9.txt``, with a
    real backslash), so the name can be written everywhere and still shows which bytes were
    there. A valid name is returned unchanged.
    """
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        try:
            raw = name.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # a surrogate that does not stand for a byte
            return name.encode("utf-8", "backslashreplace").decode("utf-8")
        return raw.decode("utf-8", "backslashreplace")
    return name


def _rel(root: Path, path: Path) -> str:
    return display_name(str(PurePosixPath(*path.relative_to(root).parts)))


def _skip(root: Path, path: Path, reason: str) -> InputFile:
    return InputFile(path=path, rel=_rel(root, path), skip_reason=reason)


def looks_binary(data: bytes) -> bool:
    """True when the bytes are not text: NUL or other control bytes in the first 8 KiB."""
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return False
    if b"\x00" in head:
        return True
    bad = sum(head.count(bytes([c])) for c in _CONTROL)
    return bad > max(2, len(head) // 200)


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode bytes to text, returning ``(text, encoding)``.

    Tries, in order: a byte-order mark (UTF-8/16/32), strict UTF-8, then charset detection
    (charset-normalizer) for legacy encodings such as cp1252 or Latin-1.

    Raises
    ------
    RejectedInput
        Empty input, binary data, or bytes no encoding explains.
    """
    if not data:
        raise RejectedInput("empty file")
    for bom, enc in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe\x00\x00", "utf-32"),
        (b"\x00\x00\xfe\xff", "utf-32"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError as exc:
                raise RejectedInput(
                    f"undecodable {enc} text: {exc.reason} at byte {exc.start}"
                ) from None
    if data.startswith(PARQUET_MAGIC) or looks_binary(data):
        raise RejectedInput("binary file (not text)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    matches = from_bytes(data[:1_000_000])
    best = matches.best()
    if best is None or best.encoding is None:
        raise RejectedInput("undecodable text: no encoding fits the bytes")
    enc = best.encoding
    # Short texts make detectors hesitate between single-byte encodings (Latin-1 "café" is also
    # valid cp775 "cafķ"); for the English data this toolkit targets, Windows-1252 (a superset of
    # Latin-1's printable range) is the usual truth, so it wins whenever the guess is one of its
    # Western look-alikes or it is among the candidates that fit the bytes equally well.
    near_best = {m.encoding for m in matches if m.chaos <= best.chaos + 0.01}
    if enc in _WESTERN_SINGLE_BYTE or "cp1252" in near_best:
        enc = "cp1252"
    try:
        return data.decode(enc), enc
    except UnicodeDecodeError:
        try:
            return data.decode("latin-1"), "latin-1"
        except UnicodeDecodeError as exc:  # pragma: no cover - latin-1 decodes all bytes
            raise RejectedInput(f"undecodable text: {exc}") from None


def source_text(path: str | Path) -> str:
    """The text that ``segments.source_start`` / ``source_end`` index, for a plain-text input.

    The file is read as the pipeline reads it (gzip unpacked, encoding detected) with line
    endings normalised to ``\\n``, so ``source_text(path)[start:end]`` is the passage a segment
    came from. HTML, tables and captions have no character offsets (tables give the row in
    ``source_location``, captions the cue times in ``time_start``/``time_end``).
    """
    from discourse.clean.normalize import normalise_newlines

    f = InputFile(path=Path(path), rel=Path(path).name)
    text, _ = decode_text(f.read_bytes(2**62))
    return normalise_newlines(text)
