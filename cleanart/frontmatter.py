"""Stage 2, split: separate the metadata header from the body (metadata.py normalises it).

Header dialects are small handlers tried in order (as python-frontmatter does), but
this stage also survives what scrapers really write: a BOM, CRLF, leading blank
lines, Hexo's header without the leading ``---`` and its ``;;;`` JSON form, and
YAML that is not valid YAML (re-read line by line, with a warning).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable

import yaml

from .errors import CleanartWarning, HeaderError

# libyaml's loader when PyYAML has it (ten times faster), the same safe subset either way;
# every YAML cleanart reads (rule packs, detector.yaml, page_types.yaml) is read with it.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Split:
    header: dict[str, Any]
    body: str
    dialect: str | None  # "yaml", "toml", "json", "hexo-json", "hexo-yaml" or None
    body_line: int = 1  # 1-based line of the input where the body starts
    warnings: list[CleanartWarning] = field(default_factory=list)
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
    if "\r" in text:  # one scan for the character, not one per replacement (most text has none)
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
        warnings.append(CleanartWarning("header-unclosed", message, lead + 1))
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


def _duplicate_keys(root, first_line: int) -> list[CleanartWarning]:
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
            keys = [key.value for key, _ in node.value if isinstance(key, yaml.ScalarNode)]
            if len(set(keys)) == len(keys):  # the usual case: nothing to report here
                stack.extend(c for c in _children(node) if not isinstance(c, yaml.ScalarNode))
                continue
            first: dict[str, int] = {}
            for key, _ in node.value:
                if not isinstance(key, yaml.ScalarNode):
                    continue
                line = first_line + key.start_mark.line
                if key.value in first:
                    message = f"duplicate key {key.value!r} (first at line {first[key.value]}); "
                    message += "the last value is used"
                    warnings.append(CleanartWarning("duplicate-key", message, line))
                else:
                    first[key.value] = line
        stack.extend(c for c in _children(node) if not isinstance(c, yaml.ScalarNode))
    return warnings


def _load_yaml(raw: str, first_line: int, strict: bool):
    warnings: list[CleanartWarning] = []
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
        return lenient_yaml(raw), [CleanartWarning("header-aliases", message, first_line)]
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
            raise HeaderError(warnings[0].message, warnings[0].line)
        return _restore_comment_values(data, raw), warnings
    if strict:
        raise HeaderError(f"invalid YAML header: {problem}", line)
    message = f"header is not valid YAML ({problem}); read line by line"
    return lenient_yaml(raw), [CleanartWarning("header-yaml", message, line)]


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
