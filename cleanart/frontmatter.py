"""Stage 2, split: separate the metadata header from the body and normalise it.

Header dialects are small handlers tried in order (as python-frontmatter does), but
this stage also survives what scrapers really write: a BOM, CRLF, leading blank
lines, Hexo's header without the leading ``---`` and its ``;;;`` JSON form, and
YAML that is not valid YAML (re-read line by line, with a warning).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable

import yaml

# libyaml's loader when PyYAML has it (ten times faster), the same safe subset either way.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class HeaderError(ValueError):
    """A header cleanart cannot read; ``line`` is 1-based in the input file."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line

    def __str__(self) -> str:
        text = super().__str__()
        return f"line {self.line}: {text}" if self.line else text


@dataclass
class Split:
    header: dict[str, Any]
    body: str
    dialect: str | None  # "yaml", "toml", "json", "hexo-json", "hexo-yaml" or None
    body_line: int = 1  # 1-based line of the input where the body starts
    warnings: list[str] = field(default_factory=list)
    key_lines: dict[str, int] = field(default_factory=dict)  # top-level key -> input line


# --- dialect handlers ------------------------------------------------------------

YAML_OPEN = re.compile(r"\A---[ \t]*\n")
YAML_CLOSE = re.compile(r"^---[ \t]*$\n?", re.M)
TOML_OPEN = re.compile(r"\A\+\+\+[ \t]*\n")
TOML_CLOSE = re.compile(r"^\+\+\+[ \t]*$\n?", re.M)
HEXO_JSON_CLOSE = re.compile(r"^;;;[ \t]*$\n?", re.M)
HEXO_YAML_CLOSE = re.compile(r"^---[ \t]*$\n?", re.M)
KEY_LINE = re.compile(r"^[A-Za-z_][\w-]*[ \t]*:(?:[ \t]|$)")
JSON_KEY_LINE = re.compile(r'^\s*"[^"\n]+"\s*:')


def _split_yaml(text: str):
    opened = YAML_OPEN.match(text)
    if not opened:
        return None
    close = YAML_CLOSE.search(text, opened.end())
    if not close:
        return None
    return "yaml", text[opened.end() : close.start()], opened.end(), close.end()


def _split_toml(text: str):
    opened = TOML_OPEN.match(text)
    if not opened:
        return None
    close = TOML_CLOSE.search(text, opened.end())
    if not close:
        return None
    return "toml", text[opened.end() : close.start()], opened.end(), close.end()


def _split_json(text: str):
    if not text.startswith("{"):
        return None
    try:
        _, end = json.JSONDecoder().raw_decode(text)
    except ValueError:
        return None
    rest = re.match(r"[ \t]*(?:\n|\Z)", text[end:])
    if not rest:
        return None
    return "json", text[:end], 0, end + rest.end()


def _split_hexo_json(text: str):
    if not JSON_KEY_LINE.match(text):
        return None
    close = HEXO_JSON_CLOSE.search(text)
    if not close:
        return None
    return "hexo-json", text[: close.start()], 0, close.end()


def _split_hexo_yaml(text: str):
    """Hexo's header without the opening ``---``: ``title: x`` lines, then ``---``."""
    if not KEY_LINE.match(text):
        return None
    close = HEXO_YAML_CLOSE.search(text)
    if not close:
        return None
    head = text[: close.start()]
    # Every non-blank line must look like YAML (a key, a list item or an indented
    # continuation); otherwise this is a document with a thematic break, not a header.
    for line in head.splitlines():
        if line.strip() and not (KEY_LINE.match(line) or line[:1] in " \t-#"):
            return None
    return "hexo-yaml", head, 0, close.end()


SPLITTERS: tuple[Callable[[str], Any], ...] = (
    _split_yaml,
    _split_toml,
    _split_json,
    _split_hexo_json,
    _split_hexo_yaml,
)


def split(text: str, strict: bool = False) -> Split:
    """Split ``text`` into (header, body). The text has already lost its BOM."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lead = len(text) - len(text.lstrip("\n"))
    stripped = text[lead:]
    for splitter in SPLITTERS:
        found = splitter(stripped)
        if not found:
            continue
        dialect, raw, raw_start, body_start = found
        first_line = lead + stripped.count("\n", 0, raw_start) + 1
        header, warnings = _load(dialect, raw, first_line, strict)
        body_line = lead + stripped.count("\n", 0, body_start) + 1
        key_lines = {}
        for number, line in enumerate(raw.split("\n")):
            key = re.match(r"""^\s*["']?([A-Za-z_][\w-]*)["']?\s*[:=]""", line)
            if (key and not line.startswith((" ", "\t"))) or (key and dialect in ("json", "hexo-json")):
                key_lines.setdefault(key.group(1).lower(), first_line + number)
        return Split(header, stripped[body_start:], dialect, body_line, warnings, key_lines)
    warnings = []
    if YAML_OPEN.match(stripped) or TOML_OPEN.match(stripped):
        message = "header opened but never closed; treated as body text"
        if strict:
            raise HeaderError(message, lead + 1)
        warnings.append(f"line {lead + 1}: {message}")
    return Split({}, text, None, 1, warnings)


def _load(dialect: str, raw: str, first_line: int, strict: bool):
    if dialect in ("yaml", "hexo-yaml"):
        return _load_yaml(raw.replace("\t", "  "), first_line, strict)
    if dialect == "toml":
        try:
            import tomllib
        except ImportError:  # Python < 3.11
            import tomli as tomllib
        try:
            return tomllib.loads(raw), []
        except tomllib.TOMLDecodeError as exc:
            lineno = re.search(r"line (\d+)", str(exc))
            line = first_line + int(lineno.group(1)) - 1 if lineno else first_line
            raise HeaderError(f"invalid TOML header: {exc}", line) from None
    source = raw if dialect == "json" else "{" + raw.rstrip().rstrip(",") + "}"
    try:
        data = json.loads(source)
    except ValueError as exc:
        line = first_line + getattr(exc, "lineno", 1) - 1
        raise HeaderError(f"invalid JSON header: {exc.msg}", line) from None
    if not isinstance(data, dict):
        raise HeaderError("JSON header is not an object", first_line)
    return data, []


class _Loader(SAFE_LOADER):  # type: ignore[misc, valid-type]
    """The safe loader, except that an impossible date stays the text it was."""


def _timestamp(loader, node):
    """``0000-00-00`` or ``2021-02-30`` look like YAML dates but are none: keep the text.

    normalise() then warns that it cannot read the date, with its line, and the input
    still converts (as it does for ``99999-01-01``, which YAML leaves a string).
    """
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


def _float(loader, node):
    """``.nan`` and ``.inf`` stay as written: JSON has no such numbers, and no date is one."""
    value = yaml.constructor.SafeConstructor.construct_yaml_float(loader, node)
    return value if math.isfinite(value) else loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
_Loader.add_constructor("tag:yaml.org,2002:float", _float)

# A header is a few dozen values. Aliases can make a few lines stand for billions
# ("billion laughs"); past this many values once expanded, the aliases are refused.
MAX_EXPANDED_VALUES = 100_000


class _AliasBomb(Exception):
    """A header whose aliases expand past MAX_EXPANDED_VALUES, or refer to themselves."""


def _expanded_size(root) -> int:
    """How many values the node graph holds once aliases are expanded, without expanding.

    Shared nodes (anchors) are counted once per use from a memo, so this takes time in
    proportion to the distinct nodes; a node that contains itself raises _AliasBomb.
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            on_path.discard(key)
            size = 1 + sum(sizes[id(child)] for child in _children(node))
            if size > MAX_EXPANDED_VALUES:
                raise _AliasBomb(f"its aliases expand to more than {MAX_EXPANDED_VALUES:,} values")
            sizes[key] = size
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise _AliasBomb("an alias refers to the value that contains it")
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)
    return sizes[id(root)]


def _children(node) -> list:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _duplicate_keys(root, first_line: int) -> list[str]:
    """Warnings for keys given twice in one mapping (YAML keeps the last value silently)."""
    warnings = []
    seen_nodes: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, _ in node.value:
                if not isinstance(key, yaml.ScalarNode):
                    continue
                line = first_line + key.start_mark.line
                if key.value in first:
                    warnings.append(
                        f"line {line}: duplicate key {key.value!r} (first at line "
                        f"{first[key.value]}); the last value is used"
                    )
                else:
                    first[key.value] = line
        stack.extend(_children(node))
    return warnings


def _load_yaml(raw: str, first_line: int, strict: bool):
    warnings: list[str] = []
    problem, line, data = None, None, None
    loader = _Loader(raw)
    try:
        root = loader.get_single_node() if raw.strip() else None
        if root is not None:
            if "*" in raw:  # only aliases repeat values
                _expanded_size(root)
            warnings = _duplicate_keys(root, first_line)
            data = loader.construct_document(root)
    except _AliasBomb as exc:
        message = f"YAML aliases refused: {exc}; header read line by line"
        if strict:
            raise HeaderError(message, first_line) from None
        return lenient_yaml(raw), [f"line {first_line}: {message}"]
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        line = first_line + (mark.line if mark else 0)
        if "unhashable" not in (exc.problem or ""):
            # e.g. !!python/object: refused by the safe loader, never executed.
            raise HeaderError(f"unsafe or unknown YAML tag in header: {exc.problem}", line) from None
        problem = "a key is a list or a mapping, not a name"
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = first_line + (mark.line if mark else 0)
        problem = (getattr(exc, "problem", None) or "invalid YAML").strip()
    finally:
        loader.dispose()
    if data is None:
        data = {}
    if problem is None and not isinstance(data, dict):
        problem, line = "header is not a mapping of keys to values", first_line
    if problem is None:
        if strict and warnings:
            found = re.match(r"line (\d+): (.*)", warnings[0])
            raise HeaderError(found.group(2), int(found.group(1)))
        return _restore_comment_values(data, raw), warnings
    if strict:
        raise HeaderError(f"invalid YAML header: {problem}", line)
    return lenient_yaml(raw), [f"line {line}: header is not valid YAML ({problem}); read line by line"]


LENIENT_KEY = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:[ \t]*(.*)$")
LENIENT_ITEM = re.compile(r"^[ \t]*-[ \t]+(.*)$")


def lenient_yaml(raw: str) -> dict[str, Any]:
    """Read ``key: value`` lines and ``- item`` lists, stripping one layer of quotes."""
    data: dict[str, Any] = {}
    current = None
    for line in raw.splitlines():
        item = LENIENT_ITEM.match(line)
        if item and current is not None:
            if not isinstance(data[current], list):
                data[current] = []
            data[current].append(_scalar(item.group(1)))
            continue
        pair = LENIENT_KEY.match(line)
        if pair:
            current = pair.group(1)
            value = pair.group(2).strip()
            data[current] = _scalar(value) if value else None
    return data


def _scalar(value: str) -> Any:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    elif value.startswith("[") and value.endswith("]"):
        return [_scalar(v) for v in value[1:-1].split(",") if v.strip()]
    else:
        value = value.strip("'\"") if value[:1] in "'\"" else value
    lowered = value.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    return value


def _restore_comment_values(data: dict, raw: str) -> dict:
    """``title: #1 hit`` parses as an empty title; scrapers mean the literal text."""
    for key, value in data.items():
        if value is None and isinstance(key, str):
            found = re.search(rf"^{re.escape(key)}[ \t]*:[ \t]+(#.*)$", raw, re.M)
            if found:
                data[key] = found.group(1).strip()
    return data


# --- normalisation -----------------------------------------------------------------

IMAGE_KEYS = ("image", "headimg", "thumbnail", "cover", "banner", "featured_image", "top_img")
URL_KEYS = ("url", "link", "permalink", "original_url", "canonical")
LANGUAGE_KEYS = ("language", "lang", "locale")
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


def json_safe(value: Any) -> Any:
    """Make a parsed header JSON-serialisable (dates become ISO 8601 strings).

    Keys are written as YAML spelled them (``null``, ``true``), binary values as their
    UTF-8 text (or base64 when they are not text), and sets in sorted order, so the
    output is the same on every run.
    """
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


def _lowercase_keys(header: dict, key_lines: dict[str, int], warnings: list[str]) -> dict[str, Any]:
    """The header with lowercase keys, for keys that differ only in case (``Title``).

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
            where = f"line {key_lines[folded]}: " if folded in key_lines else ""
            warnings.append(f"{where}keys {before!r} and {name!r} differ only in case; {kept!r} is used")
            if not wins:
                continue
        spelled[folded] = name
        lower[folded] = value
    return lower


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def normalise(
    header: dict[str, Any], key_lines: dict[str, int] | None = None
) -> tuple[dict[str, Any], list[str]]:
    """The metadata fields cleanart promises, from whatever keys the header used."""
    warnings = []
    key_lines = key_lines or {}
    meta: dict[str, Any] = {}
    lower = _lowercase_keys(header, key_lines, warnings)
    title = first_value(lower, ("title",))
    meta["title"] = _clean_value(title)
    for key in ("date", "updated"):
        raw = first_value(lower, (key,) if key == "date" else ("updated", "lastmod", "modified"))
        if raw is None:
            meta[key] = None
            continue
        iso = normalise_date(raw)
        if iso is None:
            source_key = next((k for k in (key, "lastmod", "modified") if k in lower), key)
            where = f"line {key_lines[source_key]}: " if source_key in key_lines else ""
            kept = as_text(raw)
            warnings.append(f"{where}{key} {kept!r} is not a date cleanart can read; kept as given")
            meta[key] = kept
        else:
            meta[key] = iso
    author = first_value(lower, ("author", "authors"))
    if isinstance(author, list):
        author = ", ".join(filter(None, (as_text(a) for a in author)))
    elif isinstance(author, dict):
        author = author.get("name") or json.dumps(json_safe(author), ensure_ascii=False)
    meta["author"] = _clean_value(author)
    meta["categories"] = as_list(first_value(lower, ("categories", "category")))
    meta["tags"] = as_list(first_value(lower, ("tags", "tag", "keywords")))
    meta["image"] = as_text(first_value(lower, IMAGE_KEYS))
    url = first_value(lower, URL_KEYS)
    source = lower.get("source")
    if url is None and isinstance(source, str) and re.match(r"(https?:)?//", source.strip()):
        url = source.strip()  # some feeds name the article's address "source"
    meta["url"] = as_text(url)
    meta["language"] = as_text(first_value(lower, LANGUAGE_KEYS))
    # Lines earlier runs moved out of the body (cleanart's own output read back).
    for key in ("credits", "sources"):
        values = lower.get(key)
        if values:
            meta[key] = [as_text(v) for v in (values if isinstance(values, list) else [values])]
    if lower.get("original_title"):
        meta["original_title"] = as_text(lower["original_title"])
    return meta, warnings
