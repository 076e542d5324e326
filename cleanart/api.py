"""The public API: ``clean(raw) -> Article``, the whole pipeline on one input, in memory.

The command line is a thin layer over this.  Nothing here prints: problems that do
not stop the job are collected in ``Article.warnings`` (``CleanartWarning``: a code, a
message, a line); the ones that do raise a ``CleanartError`` (see errors.py: a
``HeaderError`` or ``RuleError`` carries the line).  ``strict=True`` turns every
warning into a failure, for the API exactly as for ``cleanart convert --strict``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from . import frontmatter, metadata, reader
from .errors import (
    CleanartError,
    CleanartWarning,
    DecodeError,
    HeaderError,
    OutputError,
    RuleError,
    StrictError,
)

FORMATS = {"md": "md", "markdown": "md", "txt": "txt", "text": "txt", "json": "json", "html": "html"}


@dataclass(frozen=True)
class Options:
    """How to clean and render. Defaults are what ``cleanart convert`` does."""

    encoding: str | None = None  # override detection
    strict: bool = False  # header problems and warnings become failures (StrictError)
    keep_indent: bool = False  # keep U+3000 / nbsp paragraph indentation
    links: bool = True
    images: bool = True
    front_matter: bool | None = None  # None: yes for md, no for txt
    rules: tuple[str, ...] = ()  # user rule files
    builtin_rules: bool = True
    keep_credits: bool = False
    main_content: bool = True  # whole pages: keep only the marked article element
    balance: str = "balanced"  # the boilerplate detector: precision, balanced, recall or off
    templates: Any = None  # learned templates by source (--learn), see cleaning.templates


@dataclass
class Article:
    """One cleaned input. ``markdown``, ``text`` and ``html`` are the body only."""

    meta: dict[str, Any]
    front_matter: dict[str, Any]
    encoding: str | None
    source: str
    warnings: list[CleanartWarning]
    actions: list  # cleaning.Action records, for explain
    options: Options
    _cleaned: Any = field(repr=False)

    @cached_property
    def html(self) -> str:
        from .render import to_html

        return to_html(self._cleaned.body)

    @cached_property
    def text(self) -> str:
        from .render import to_text

        return to_text(self._cleaned.body, self.options.keep_indent)

    @cached_property
    def markdown(self) -> str:
        from .render import to_markdown

        return to_markdown(self._cleaned.body, self.options.links, self.options.images)

    @cached_property
    def empty(self) -> bool:
        """No text left after cleaning (asked of the tree: Markdown output needs no plain text)."""
        from .dom import shows_text

        return not shows_text(self._cleaned.body)

    @cached_property
    def stats(self) -> dict[str, int]:
        from .text import stats

        body = self._cleaned.body
        images = sum(1 for _ in body.iter("img")) if self.options.images else 0
        links = sum(1 for a in body.iter("a") if a.get("href")) if self.options.links else 0
        return stats(self.text, images, links)

    @property
    def title(self) -> str | None:
        return self.meta.get("title")

    def header(self) -> dict[str, Any]:
        return metadata.header_fields(self.meta, self.front_matter)

    def to_dict(self) -> dict[str, Any]:
        """The JSON record (schema in the README)."""
        meta = self.meta
        record = {"source": self.source}
        for key in ("title", "date", "updated", "author", "categories", "tags", "image", "url", "language"):
            record[key] = meta.get(key)
        # Moved out of the body by rules; "sources" because "source" is the input path.
        record["credits"] = meta.get("credits", [])
        record["sources"] = meta.get("sources", [])
        record["original_title"] = meta.get("original_title")
        # A whole page's kind (page_types.yaml): article unless it says it is another.
        page = self._cleaned.page
        record["page_type"] = (page.get("page_type") or "article") if page else None
        record["encoding"] = self.encoding
        record["front_matter"] = self.front_matter
        record["text"] = self.text
        record["markdown"] = self.markdown
        record["stats"] = self.stats
        return record

    def render(self, fmt: str, pretty: bool = False) -> str:
        """The whole output for one input in format md, txt, json or html."""
        from .render import to_json, yaml_header

        fmt = FORMATS[fmt]
        if fmt == "json":
            return to_json(self.to_dict(), pretty) + "\n"
        if fmt == "html":
            return self.html
        wants_header = self.options.front_matter
        if wants_header is None:
            wants_header = fmt == "md"
        body = self.markdown if fmt == "md" else (self.text + "\n" if self.text else "")
        if wants_header:
            fields = self.header()
            if fields:
                return yaml_header(fields) + ("\n" + body if body else "")
        return body


def _read(raw: str | bytes, options: Options) -> tuple[Any, str | None, list[CleanartWarning], bytes | None]:
    """Decode and split one input: (the split header and body, the encoding, warnings,
    and the body's UTF-8 when the input's bytes are exactly that: the body is the whole
    text, decoded from UTF-8 as it was)."""
    warnings: list[CleanartWarning] = []
    encoding = utf8 = None
    if isinstance(raw, (bytes, bytearray)):
        try:
            decoded = reader.decode(bytes(raw), options.encoding)
        except LookupError as exc:  # --encoding names no text encoding
            raise DecodeError(f"--encoding {options.encoding}: {exc}") from None
        text, encoding, utf8 = decoded.text, decoded.encoding, decoded.utf8
        warnings.extend(decoded.warnings)
    else:
        text = raw
    if text.startswith("\ufeff"):
        text, utf8 = text[1:], None
    split = frontmatter.split(text, strict=options.strict)
    warnings.extend(split.warnings)
    return split, encoding, warnings, (utf8 if split.body is text else None)


def template_blocks(
    raw: str | bytes, source: str = "-", options: Options | None = None
) -> tuple[tuple, list]:
    """Template learning's pass over one input: (its source, (fingerprint, text) per block)."""
    from . import cleaning, huge
    from .cleaning.templates import source_of

    options = options or Options()
    split, _encoding, _warnings, _utf8 = _read(raw, options)
    meta, _ = metadata.normalise(split.header, split.key_lines)
    blocks = cleaning.template_blocks
    if huge.is_huge(split.body):  # piece by piece, memory bounded (see huge.py)
        blocks = huge.template_blocks
    found = blocks(split.body, meta, load_rules(options), options.main_content)
    return source_of(meta, source), found


def clean(raw: str | bytes, source: str = "-", options: Options | None = None, **overrides) -> Article:
    """Run read → split → clean on one input (text, or bytes to decode).

    ``overrides`` are Options fields, e.g. ``clean(raw, keep_indent=True)``.
    """
    options = options or Options()
    if overrides:
        options = replace(options, **overrides)
    split, encoding, warnings, utf8 = _read(raw, options)
    header = metadata.json_safe(split.header)
    meta, meta_warnings = metadata.normalise(split.header, split.key_lines)
    if options.strict and meta_warnings:
        raise HeaderError(meta_warnings[0].message, meta_warnings[0].line)
    warnings.extend(meta_warnings)
    rules = load_rules(options)
    from . import cleaning, huge

    kind = Article
    if huge.is_huge(split.body):  # cleaned in pieces, memory bounded (see huge.py)
        kind = huge.HugeArticle
        template = _template_for(options.templates, meta, source)
        cleaned = huge.clean(split.body, meta, rules, options, template, lambda: _read(raw, options)[0].body)
    else:
        cleaned = cleaning.clean(
            split.body,
            meta,
            rules,
            keep_credits=options.keep_credits,
            keep_indent=options.keep_indent,
            main_content=options.main_content,
            balance=options.balance,
            template=_template_for(options.templates, meta, source),
            utf8=utf8,
        )
    warnings.extend(_as_warning(w) for w in cleaned.warnings)
    metadata.merge(meta, cleaned.page, cleaned.moved)
    article = kind(meta, header, encoding, source, warnings, cleaned.actions, options, cleaned)
    has_body = split.body and not split.body.isspace()  # not .strip(): a copy of a huge body
    if has_body and article.empty and not any(w.code == "no-text" for w in warnings):
        warnings.append(CleanartWarning("no-text", "no text left after cleaning"))
    if options.strict and warnings:
        raise StrictError(warnings)
    return article


def _as_warning(warning: str) -> CleanartWarning:
    """The cleaning stage's warnings: records already, or plain text (about the markup)."""
    return warning if isinstance(warning, CleanartWarning) else CleanartWarning("markup", warning)


def _template_for(templates, meta: dict[str, Any], source: str):
    if not templates:
        return None
    from .cleaning.templates import source_of

    return templates.get(source_of(meta, source))


def load_rules(options: Options):
    from .rules import load_rules as load

    return load(tuple(options.rules), options.builtin_rules)


def clean_file(path: str | Path, options: Options | None = None, **overrides) -> Article:
    """Read a file (never modified) and clean it."""
    data = Path(path).read_bytes()
    return clean(data, str(path), options, **overrides)


__all__ = [
    "Article",
    "CleanartError",
    "CleanartWarning",
    "DecodeError",
    "HeaderError",
    "Options",
    "OutputError",
    "RuleError",
    "StrictError",
    "clean",
    "clean_file",
]
