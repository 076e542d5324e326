"""Metadata, in one place: the fields cleanart promises, read from a header and a page.

One alias table (``FIELDS``) says which header keys each field is read from; one
normalisation turns the header into those fields; one merge fills what the header
left empty from the page's own ``<head>`` and from the lines rules moved out of the
body; and the Markdown header shows each field once, the normalised keys first and
then the header's other keys (never a key whose value became a field).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any

from .errors import CleanartWarning

IMAGE_KEYS = ("image", "headimg", "thumbnail", "cover", "banner", "featured_image", "top_img")
URL_KEYS = ("url", "link", "permalink", "original_url", "canonical")
LANGUAGE_KEYS = ("language", "lang", "locale")

# Each field, and the header keys (lowercase) it is read from, first found first.
# "url" is also read from "source" when that holds an address (some feeds name it so).
FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "date": ("date",),
    "updated": ("updated", "lastmod", "modified"),
    "author": ("author", "authors"),
    "categories": ("categories", "category"),
    "tags": ("tags", "tag", "keywords"),
    "image": IMAGE_KEYS,
    "url": URL_KEYS,
    "language": LANGUAGE_KEYS,
    # Lines earlier runs moved out of the body (cleanart's own output read back).
    "credits": ("credits",),
    "sources": ("sources",),
    "original_title": ("original_title",),
}
ALWAYS = ("title", "date", "updated", "author", "categories", "tags", "image", "url", "language")
# What the page's <head> says that is no metadata field (rule scopes use some of it).
PAGE_ONLY = ("description", "generator", "site", "page_type")
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
ADDRESS = re.compile(r"(https?:)?//")


def json_safe(value: Any) -> Any:
    """Make a parsed header JSON-serialisable (dates become ISO 8601 strings).

    Keys are written as YAML spelled them (``null``, ``true``), binary values as their
    UTF-8 text (or base64 when they are not text), and sets in sorted order, so the
    output is the same on every run.
    """
    if value.__class__ is str:  # most values
        return value
    if isinstance(value, dict):
        return {_key_text(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return [json_safe(v) for v in sorted(value, key=_sort_key)]
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # JSON has no NaN or infinity
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (bytes, bytearray)):
        return _bytes_text(bytes(value))
    return str(value)


def _key_text(key: Any) -> str:
    if key is None or isinstance(key, bool):
        return json.dumps(key)  # null, true, false: as YAML and JSON spell them
    if isinstance(key, (dt.date, dt.time)):
        return key.isoformat()
    return str(key)


def _sort_key(value: Any) -> tuple[str, str]:
    return (type(value).__name__, str(value))


def _bytes_text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        import base64

        return base64.b64encode(data).decode("ascii")


def as_text(value: Any) -> str | None:
    """A header value as a reader would write it: never Python's repr of a list or bytes."""
    if value is None:
        return None
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        items = value.values() if isinstance(value, dict) else value
        if isinstance(value, (set, frozenset)):
            items = sorted(value, key=_sort_key)
        return ", ".join(text for text in map(as_text, items) if text) or None
    safe = json_safe(value)
    if isinstance(safe, bool):
        return json.dumps(safe)
    return str(safe)


DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S %z",  # Jekyll: 2021-07-05 20:00:00 -0400
    "%Y-%m-%d %H:%M %z",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",  # Hexo: 2013/7/13 20:46:25
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
)


RFC822 = re.compile(
    r"^(?:[A-Za-z]{3},?\s+)?(\d{1,2})\s+([A-Za-z]{3})[a-z]*\s+(\d{4})\s+"
    r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(GMT|UTC|UT|Z|[+-]\d{4})?$"
)


def _rfc822(text: str) -> str | None:
    """RSS dates (``Wed, 28 Apr 2021 12:03:15 GMT``) without importing the email package."""
    match = RFC822.match(text)
    if not match or match.group(2).lower() not in MONTHS:
        try:
            import email.utils

            parsed = email.utils.parsedate_to_datetime(text)
            return parsed.isoformat() if parsed is not None else None
        except (TypeError, ValueError, IndexError):
            return None
    day, month, year, hour, minute, second, zone = match.groups()
    if zone in (None, "GMT", "UTC", "UT", "Z"):
        tz = dt.timezone.utc
    else:
        sign = 1 if zone[0] == "+" else -1
        tz = dt.timezone(sign * dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5])))
    try:
        return dt.datetime(
            int(year),
            MONTHS.index(month.lower()) + 1,
            int(day),
            int(hour),
            int(minute),
            int(second or 0),
            tzinfo=tz,
        ).isoformat()
    except ValueError:
        return None


def normalise_date(value: Any) -> str | None:
    """An ISO 8601 string for a header date, or None when it cannot be read."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value  # epoch milliseconds
        try:
            return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).isoformat()
        except (ValueError, OverflowError, OSError):  # NaN, infinity, year 300000
            return None
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        # A date alone stays a date: the same ISO text as a YAML date, so a header
        # that cleanart wrote (where it is quoted) reads back unchanged.
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()
    except ValueError:
        pass
    if re.match(r"^[A-Za-z]{3},? ", text) or re.search(r"(GMT|UTC|[+-]\d{4})$", text):
        parsed = _rfc822(text)
        if parsed is not None:
            return parsed
    compact = re.sub(r"\s+", " ", text)
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(compact, fmt).isoformat().replace("T00:00:00", "")
        except ValueError:
            continue
    return None


def as_list(value: Any) -> list:
    """Categories and tags as a list; a comma- or space-separated string is split."""
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        return [v for v in json_safe(value) if v is not None and v != ""]
    text = as_text(value) or ""
    parts = re.split(r"\s*[,，、]\s*", text) if re.search(r"[,，、]", text) else text.split()
    return [p for p in parts if p]


def _clean_value(value: Any) -> str | None:
    """A header string as a reader should see it: no zero-width characters, no edge spaces."""
    if value is None:
        return None
    from .text import without_zero_width

    return without_zero_width(as_text(value) or "").strip() or None


def first_value(header: dict, keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = header.get(key)
        if value not in (None, "", []):
            return value
    return None


def _lowercase_keys(
    header: dict, key_lines: dict[str, int], warnings: list[CleanartWarning]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The header with lowercase keys (for keys that differ only in case, ``Title``), and
    each lowercase key's spelling in the header.

    A value beats an empty one, then ``title`` beats ``Title`` whatever their order:
    otherwise the later key would win, and a header cleanart wrote (its own ``title``
    first) would read back with the other value.
    """
    lower: dict[str, Any] = {}
    spelled: dict[str, str] = {}
    for key, value in header.items():
        name = _key_text(key)
        folded = name.lower()
        if folded in spelled:
            before = spelled[folded]
            empty, empty_before = _empty(value), _empty(lower[folded])
            wins = (empty_before and not empty) or (empty == empty_before and name == folded)
            kept = name if wins else before
            message = f"keys {before!r} and {name!r} differ only in case; {kept!r} is used"
            warnings.append(CleanartWarning("key-case", message, key_lines.get(folded)))
            if not wins:
                continue
        spelled[folded] = name
        lower[folded] = value
    return lower, spelled


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _sources(lower: dict[str, Any]) -> dict[str, str]:
    """The header key (lowercase) each field is read from, for the fields the header has."""
    used = {}
    for name, keys in FIELDS.items():
        key = next((k for k in keys if not _empty(lower.get(k))), None)
        if key is None and name == "url":
            source = lower.get("source")
            key = "source" if isinstance(source, str) and ADDRESS.match(source.strip()) else None
        if key is not None:
            used[name] = key
    return used


def normalise(
    header: dict[str, Any], key_lines: dict[str, int] | None = None
) -> tuple[dict[str, Any], list[CleanartWarning]]:
    """The metadata fields cleanart promises, from whatever keys the header used."""
    warnings: list[CleanartWarning] = []
    key_lines = key_lines or {}
    lower, _ = _lowercase_keys(header, key_lines, warnings)
    meta: dict[str, Any] = dict.fromkeys(ALWAYS)
    meta["categories"] = meta["tags"] = []
    for name, key in _sources(lower).items():
        value = lower[key]
        if name in ("date", "updated"):
            meta[name] = normalise_date(value)
            if meta[name] is None:
                kept = as_text(value)
                message = f"{name} {kept!r} is not a date cleanart can read; kept as given"
                warnings.append(CleanartWarning("date", message, key_lines.get(key)))
                meta[name] = kept
        elif name == "author":
            meta[name] = _author(value)
        elif name == "title":
            meta[name] = _clean_value(value)
        elif name in ("categories", "tags"):
            meta[name] = as_list(value)
        elif name in ("credits", "sources"):
            meta[name] = [as_text(v) for v in (value if isinstance(value, list) else [value])]
        elif name == "url" and key == "source":
            meta[name] = value.strip()
        else:
            meta[name] = as_text(value)
    return meta, warnings


def _author(value: Any) -> str | None:
    if isinstance(value, list):
        value = ", ".join(filter(None, (as_text(a) for a in value)))
    elif isinstance(value, dict):
        value = value.get("name") or json.dumps(json_safe(value), ensure_ascii=False)
    return _clean_value(value)


def merge(meta: dict[str, Any], page: dict[str, Any], moved: dict[str, Any]) -> dict[str, Any]:
    """The header's fields, completed from the page's <head> and from the lines rules moved.

    The header wins over the page; moved lines add to what the header listed."""
    for key, value in page.items():
        if key in PAGE_ONLY or not _empty(meta.get(key)):
            continue
        if key in ("date", "updated"):
            value = normalise_date(value) or value
        meta[key] = value
    for key, value in moved.items():
        if isinstance(value, list):
            meta[key] = list(dict.fromkeys(meta.get(key, []) + value))
        elif not meta.get(key):
            meta[key] = value
    return meta


def header_fields(meta: dict[str, Any], front_matter: dict[str, Any]) -> dict[str, Any]:
    """The Markdown header: each field once, the normalised fields first, then the
    header's other keys (a key whose value became a field, or an empty alias, is left out)."""
    fields = {k: meta[k] for k in FIELDS if not _empty(meta.get(k))}
    lower, spelled = _lowercase_keys(front_matter, {}, [])
    used = {spelled[key] for key in _sources(lower).values()}
    for key, value in front_matter.items():
        folded = key.lower()
        if key in used or folded in FIELDS:
            continue
        alias_of = next((name for name, keys in FIELDS.items() if folded in keys), None)
        if alias_of and (fields.get(alias_of) == value or (alias_of in fields and _empty(value))):
            continue
        fields[key] = value
    return fields
