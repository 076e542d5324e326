"""Scraper records as inputs: JSON Lines (one page per line) and WARC archives.

A record file holds many inputs.  Reading it is split in two, so a large crawl can
be converted in parallel and in order: ``read`` (in the process that plans the run)
only finds the records, a raw JSON line or a WARC response's payload with its URL
and declared charset, and counts the records that are not inputs (non-HTML,
non-200); ``clean_record`` (in a worker) parses and converts one of them.

A record's source, in messages and in the JSON ``source`` key, is ``FILE:LINE``
for JSON Lines and ``FILE@OFFSET`` for WARC (the byte offset of the record, what
``warcio extract`` and CDX indexes take).  A record's fields become the header
of the input, so the usual metadata rules apply (``url``, ``link`` and
``permalink`` are the url, ``title``, ``date``, ``tags``...).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import IO, Iterator, Union

from .errors import CleanartError
from .storage import record_kind as kind

HTML_FIELDS = ("html", "body", "content", "raw")
HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class Fields:
    """Which fields of a JSON record hold the HTML, and which go into the header.

    ``meta`` None: every other string field.  Named fields are carried whatever
    their type (a list of tags stays a list).
    """

    html: tuple[str, ...] = HTML_FIELDS
    meta: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Record:
    """One record, found but not parsed: what a worker needs to convert it."""

    kind: str  # "jsonl" or "warc"
    source: str  # FILE:LINE or FILE@OFFSET
    file: str  # the record file, for -u
    relative: str  # the record file's path as mirrored under -o (names the output with the URL)
    number: int  # line number, or byte offset in a WARC
    data: bytes  # the JSON line, or the HTTP payload
    url: str | None = None  # WARC: the target URI
    charset: str | None = None  # WARC: the HTTP Content-Type charset
    date: str | None = None  # WARC: when the page was fetched


@dataclass(frozen=True)
class Skipped:
    """A record that is not an input (a PDF, a redirect, a 404); counted, not converted."""

    source: str
    reason: str


@dataclass(frozen=True)
class Bad:
    """A record file that cannot be read on from here (a broken gzip stream, a bad archive)."""

    source: str
    message: str


Item = Union[Record, Skipped, Bad]


def read(stream: IO[bytes], path: str, relative: str | None = None) -> Iterator[Item]:
    """The records of a record file opened as ``stream`` (binary), in file order."""
    relative = relative or os.path.basename(path)
    if kind(path) == "warc":
        yield from _read_warc(stream, path, relative)
    else:
        yield from _read_jsonl(stream, path, relative)


def _read_jsonl(stream: IO[bytes], path: str, relative: str) -> Iterator[Item]:
    import gzip

    if path.lower().endswith(".gz"):
        stream = gzip.GzipFile(fileobj=stream, mode="rb")
    number = 0
    try:
        for number, line in enumerate(stream, 1):
            if line.strip():
                yield Record("jsonl", f"{path}:{number}", path, relative, number, line)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:  # a truncated or corrupt .gz
        yield Bad(f"{path}:{number + 1}", f"cannot read on: {exc}")


def _read_warc(stream: IO[bytes], path: str, relative: str) -> Iterator[Item]:
    try:
        from warcio.archiveiterator import ArchiveIterator
    except ImportError:
        yield Bad(path, "reading WARC files needs warcio: pip install 'cleanart[warc]'")
        return
    records = ArchiveIterator(stream, arc2warc=True)
    offset = 0
    try:
        for record in records:
            found = _warc_payload(record)
            # Asked after the payload is read: warcio finds the offset by reading to the end.
            offset = records.get_record_offset()
            if found is None:
                continue
            source = f"{path}@{offset}"
            if isinstance(found, str):
                yield Skipped(source, found)
                continue
            yield Record(
                "warc",
                source,
                path,
                relative,
                offset,
                found,
                url=record.rec_headers.get_header("WARC-Target-URI"),
                charset=_charset(_content_type(record)),
                date=record.rec_headers.get_header("WARC-Date"),
            )
    except Exception as exc:  # warcio raises its own errors, zlib's and plain ValueErrors
        yield Bad(f"{path}@{offset}", f"cannot read the archive on: {type(exc).__name__}: {exc}")


def _content_type(record) -> str:
    headers = record.http_headers if record.rec_type == "response" else record.rec_headers
    return headers.get_header("Content-Type") or ""


def _warc_payload(record) -> bytes | str | None:
    """A WARC record's page (bytes), why it is skipped (str), or None: not a page at all."""
    if record.rec_type not in ("response", "resource", "revisit"):
        return None  # warcinfo, request, metadata, conversion: not pages
    if record.rec_type == "revisit":
        return "revisit record (no payload)"
    if record.rec_type == "response":
        if record.http_headers is None:
            return None  # a DNS or other non-HTTP response
        status = record.http_headers.get_statuscode()
        if status != "200":
            return f"HTTP status {status}"
    mime = _content_type(record).split(";")[0].strip().lower()
    if mime and mime not in HTML_TYPES:
        return f"not HTML ({mime})"
    data = record.content_stream().read()
    if not mime and not _looks_like_html(data):
        return "not HTML (no content type)"
    return data


CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)


def _charset(content_type: str) -> str | None:
    found = CHARSET.search(content_type)
    return found.group(1) if found else None


def _looks_like_html(data: bytes) -> bool:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html"))


# --- converting one record (in a worker) ------------------------------------------------


class BadRecord(CleanartError, ValueError):
    """A record that cannot be an input: not JSON, no HTML field, not text."""


def parse(record: Record, fields: Fields = Fields()) -> tuple[dict, str | bytes, str | None]:
    """(header fields, body, declared charset) of a record; BadRecord when it has none."""
    if record.kind == "warc":
        header = {"url": record.url} if record.url else {}
        if record.date:
            header["fetched"] = record.date
        return header, record.data, record.charset
    return parse_object(load_json(record.data), fields)


def load_json(data: bytes):
    """A JSON Lines line's value; BadRecord when the line is not JSON in UTF-8."""
    try:
        return json.loads(data)
    except UnicodeDecodeError:
        raise BadRecord("not UTF-8 (a JSON Lines file is UTF-8)") from None
    except ValueError as exc:
        raise BadRecord(f"bad JSON: {exc}") from None


def parse_object(obj, fields: Fields = Fields()) -> tuple[dict, str, None]:
    """(header fields, HTML body, None) of a JSON record already decoded (a dict).

    Apart from ``parse`` because a Dask bag holds records as dicts already.
    """
    if not isinstance(obj, dict):
        raise BadRecord(f"a JSON {type(obj).__name__}, not an object")
    key = next((k for k in fields.html if k in obj), None)
    if key is None:
        raise BadRecord("no HTML field (looked for " + ", ".join(fields.html) + ")")
    body = obj[key]
    if not isinstance(body, str):
        raise BadRecord(f"field {key!r} holds a JSON {type(body).__name__}, not HTML text")
    if fields.meta is None:
        header = {k: v for k, v in obj.items() if k != key and isinstance(v, str)}
    else:
        header = {k: obj[k] for k in fields.meta if k in obj and k != key}
    return header, body, None


def decode(data: bytes, charset: str | None, encoding: str | None = None):
    """A WARC payload as text: --encoding, else a BOM, else the HTTP charset, else as files are.

    An HTTP charset Python does not know is ignored (the page's own ``<meta>``
    and detection decide), as browsers do.
    """
    from . import reader

    if encoding or not charset or any(data.startswith(bom) for bom, _ in reader.BOMS):
        return reader.decode(data, encoding)
    try:
        codec = reader.canonical(charset)
    except LookupError:
        return reader.decode(data)
    reader.refuse_binary(data)  # an image served as text/html is still refused
    return reader.decode(data, codec)


def clean_record(record: Record, options=None, fields: Fields = Fields()):
    """Convert one record: an ``Article`` whose header is the record's fields."""
    header, body, charset = parse(record, fields)
    return clean_parsed(header, body, charset, record.source, options)


def clean_parsed(header: dict, body: str | bytes, charset: str | None, source: str, options=None):
    """Convert a record already parsed (``parse``): the caller may have read its fields first."""
    from .api import Options, clean
    from .errors import StrictError

    options = options or Options()
    warnings: list = []
    if isinstance(body, bytes):
        decoded = decode(body, charset, options.encoding)  # reader.NotText for an image
        text, encoding, warnings = decoded.text, decoded.encoding, decoded.warnings
        if options.strict and warnings:
            raise StrictError(warnings)
    else:
        text, encoding = body, "utf-8"
    # The fields go in as a JSON header: one line, read by the usual header rules.
    document = json.dumps(header, ensure_ascii=False, default=str) + "\n" + text.lstrip("\ufeff")
    article = clean(document, source, options)
    article.encoding = encoding
    article.warnings[:0] = warnings
    return article


def header_url(header: dict) -> str | None:
    """The url a record's own fields give its article, or None when they name none.

    The header wins over the page, so this is the article's url, known before
    cleaning; without it the url may be the page's canonical link, known only after.
    """
    from .metadata import normalise

    return normalise(header)[0]["url"]


# --- naming outputs ---------------------------------------------------------------------

UNSAFE = re.compile(r"[^\w.-]+")


def output_name(record: Record, url: str | None, fmt: str) -> str:
    """``HOST/SLUG-HASH.EXT``: the page's host and last path segment, and a hash.

    The hash is of the URL and where the record lies (file and line or offset), so
    the name is the same on every run over the same file, and the same page
    fetched twice gives two files, never one overwriting the other.
    """
    import hashlib
    from urllib.parse import unquote, urlsplit

    from .writer import EXTENSIONS

    digest = hashlib.sha256(f"{record.relative}\n{record.number}\n{url or ''}".encode()).hexdigest()[:12]
    if url:
        parts = urlsplit(url)
        host = UNSAFE.sub("_", (parts.hostname or "").lower()).strip("._") or "no-host"
        segments = [s for s in parts.path.split("/") if s]
        stem = os.path.splitext(unquote(segments[-1]))[0] if segments else "index"
    else:
        host = "no-url"
        stem = os.path.basename(record.relative).split(".")[0] + f"-{record.number}"
    stem = UNSAFE.sub("-", stem).strip("-.")[:60] or "index"
    return f"{host}/{stem}-{digest}{EXTENSIONS[fmt]}"


def expand(task):
    """The tasks of a record file's task: one per record, in file order.

    Runs where the run is planned: it only finds the records (a worker parses and
    converts each).  A record that is not a page is a skipped task (counted in the
    summary); a file that cannot be read on is a failed task naming where it broke.
    """
    from . import storage
    from .batch import Task

    try:
        stream = storage.open_binary(task.path)
    except OSError as exc:
        yield Task(task.path, task.relative, exc.strerror or str(exc), "bad")
        return
    with stream:
        for item in read(stream, task.path, task.relative):
            if isinstance(item, Record):
                yield Task(item.source, task.relative, record=item)
            elif isinstance(item, Skipped):
                yield Task(item.source, task.relative, status="skip")
            else:
                yield Task(item.source, task.relative, item.message, "bad")
