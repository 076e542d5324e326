"""Template learning: blocks that recur across many posts of one source are its template.

Posts from one site share a template (a disclosure line, a follow prompt, a deal bar),
worded the same in every post.  A first pass over a folder fingerprints every block of
every post, grouped by source; a block whose fingerprint stands in at least
``MIN_POSTS`` posts and ``MIN_SHARE`` of its source's posts is template boilerplate.
Only fingerprints are kept (not trees or text), so memory stays flat, and the counts do
not depend on the order posts are read in, so the output is the same for any ``-j``.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from typing import Any, Iterable
from urllib.parse import urlsplit

from ..dom import attached, remove
from .actions import Action, Protection
from .blocks import iter_runs, remove_run

MIN_POSTS = 3  # a block must recur in at least this many posts of a source...
MIN_SHARE = 0.3  # ...and in at least this share of them
MAX_CHARS = 400  # longer blocks are article text even when they recur (a series intro)
MIN_CHARS = 2
DIGITS = re.compile(r"\d+")
NO_PROTECTION = Protection()


def fingerprint(text: str) -> str:
    """A short hash of a block's text with numbers masked (counters and dates vary)."""
    return hashlib.blake2b(DIGITS.sub("0", text).encode("utf-8"), digest_size=8).hexdigest()


def source_of(meta: dict[str, Any], path: str | None = None) -> tuple[str, str]:
    """(kind, value) naming a post's source: url host, author, first categories, or folder."""
    url = meta.get("url")
    if isinstance(url, str) and "//" in url:
        host = (urlsplit(url).hostname or "").lower()
        if host:
            return "domain", host.removeprefix("www.")
    author = meta.get("author")
    if isinstance(author, str) and author.strip():
        return "author", author.strip()
    categories = [c for c in meta.get("categories") or [] if isinstance(c, str)]
    if categories:
        return "categories", " / ".join(categories[:3])
    return "folder", os.path.dirname(path or "") or "."


@dataclass
class Template:
    """The template blocks of one source: fingerprint → posts it stands in."""

    source: tuple[str, str]
    posts: int
    blocks: dict[str, int] = field(default_factory=dict)

    def label(self) -> str:
        return f"{self.source[0]} {self.source[1]}"


@dataclass
class Learner:
    """Counts fingerprints per source over a folder; ``templates()`` gives the result."""

    counts: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    posts: dict[tuple[str, str], int] = field(default_factory=dict)

    def add(self, source: tuple[str, str], blocks: Iterable[tuple[str, str]]) -> None:
        self.posts[source] = self.posts.get(source, 0) + 1
        counts = self.counts.setdefault(source, {})
        for fp in {fp for fp, _text in blocks}:
            counts[fp] = counts.get(fp, 0) + 1

    def templates(self) -> dict[tuple[str, str], Template]:
        found = {}
        for source, counts in self.counts.items():
            total = self.posts[source]
            need = max(MIN_POSTS, MIN_SHARE * total)
            blocks = {fp: n for fp, n in counts.items() if n >= need}
            if blocks:
                found[source] = Template(source, total, blocks)
        return found


def post_blocks(root, runs=None) -> list[tuple[str, str]]:
    """(fingerprint, text) of the blocks template learning may judge, in document order
    (``runs``: the blocks, when the rules already listed them)."""
    runs = iter_runs(root) if runs is None else runs
    return [(fingerprint(r.text), r.text) for r in runs if MIN_CHARS <= len(r.text) <= MAX_CHARS]


def remove_template_blocks(
    root, template: Template, actions: list[Action], protect: Protection = NO_PROTECTION, runs=None
) -> list:
    """Remove the blocks of ``root`` that are its source's template (never every block).

    ``runs`` are the body's blocks when the rules already listed them; returns those left."""
    runs = list(iter_runs(root)) if runs is None else runs
    doomed = []
    for run in runs:
        if not MIN_CHARS <= len(run.text) <= MAX_CHARS:
            continue
        n = template.blocks.get(fingerprint(run.text))
        if n and not protect.covers(run):
            doomed.append((run, n))
    if len(doomed) == len(runs):
        longest = max(runs, key=lambda r: len(r.text))
        doomed = [(r, n) for r, n in doomed if r is not longest]
    spent: list = []
    for run, n in doomed:
        reason = f"template: in {n} of {template.posts} posts from {template.label()}"
        actions.append(Action("template", "drop", run.text, reasons=reason))
        remove_run(run, spent)
    for br in spent:
        if attached(br, root):
            remove(br)
    gone = {id(run) for run, _ in doomed}
    return [run for run in runs if id(run) not in gone]


def as_pack(
    templates: dict[tuple[str, str], Template], samples: dict[tuple[str, str], dict[str, str]]
) -> str:
    """Learned templates as a reviewable rule pack (drop rules scoped by source) for --rules."""
    import yaml

    rules = []
    for source in sorted(templates, key=lambda s: (s[0], s[1])):
        template, texts = templates[source], samples.get(source, {})
        kind, value = source
        scope = _scope(kind, value)
        slug = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")[:30] or "source"
        for number, fp in enumerate(sorted(template.blocks, key=lambda f: (-template.blocks[f], f)), 1):
            text = texts.get(fp)
            if text is None:
                continue
            rule = {
                "id": f"learned.{kind}.{slug}.{number}",
                "description": f"template: in {template.blocks[fp]} of {template.posts} posts from {kind} "
                f"{value}: {text[:60]}",
                "action": "drop",
                "pattern": as_pattern(text),
                "max_chars": len(text) + 40,
            }
            if scope:
                rule["scope"] = scope
            rules.append(rule)
    pack = {
        "pack": "learned",
        "description": "Template boilerplate learned by cleanart learn: blocks that recur across a "
        "source's posts. Review before use; delete a rule to keep its text.",
        "rules": rules,
    }

    class Plain(yaml.SafeDumper):
        def ignore_aliases(self, data):  # every rule spells its scope out
            return True

    return yaml.dump(pack, Dumper=Plain, allow_unicode=True, sort_keys=False, width=1000)


def as_pattern(text: str) -> str:
    """A block's text as a regular expression: numbers and spacing may vary, as in fingerprints."""
    parts = []
    for piece in re.split(r"(\d+|\s+)", text):
        if not piece:
            continue
        parts.append(r"\d+" if piece.isdigit() else r"\s*" if piece.isspace() else re.escape(piece))
    return "".join(parts)


def _scope(kind: str, value: str) -> dict[str, str]:
    if kind == "domain":
        return {"domain": value}
    if kind == "author":
        return {"author": f"^{re.escape(value)}$"}
    if kind == "categories":
        return {"categories": f"^{re.escape(value.split(' / ')[-1])}$"}
    return {}  # a folder: single files and pipes have none, so the rules apply everywhere
