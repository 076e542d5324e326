"""Stage 3, clean: strip what is not article from an HTML body, rule by rule.

Order: parse; read the page's own metadata if it is a whole page; structural clean
up (scripts, styles, hidden elements, tracking pixels, lazy images); then the rule
actions in their fixed order (remove, unwrap, move, cut, drop); then comments,
empty wrappers, presentational attributes and whitespace.  Every removal, move and
unwrap is recorded as an ``Action`` with the rule id, for ``cleanart explain``.
The tree is walked with explicit stacks, never recursion, so deep nesting is safe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from . import rules as rulebook
from .text import EDGE, INDENT, ZERO_WIDTH, join_spaces

BLOCK_TAGS = frozenset(
    "address article aside blockquote body center dd details dialog dir div dl dt fieldset "
    "figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html li main menu nav "
    "ol p pre section summary table tbody td tfoot th thead tr ul caption".split()
)
DROP_TAGS = frozenset(
    "script style noscript template iframe frame frameset object embed applet svg math canvas "
    "input button select option optgroup textarea datalist output progress meter keygen "
    "link meta base head title param track map area dialog".split()
)
KEEP_EMPTY = frozenset("img br hr td th tr video audio source picture col colgroup".split())
UNWRAP_TAGS = frozenset("span font center o:p big small basefont nobr wbr bdi".split())
KEEP_ATTRS = {
    "a": ("href", "title"),
    "img": ("src", "alt", "title"),
    "td": ("colspan", "rowspan"),
    "th": ("colspan", "rowspan", "scope"),
    "ol": ("start", "type"),
    "li": ("value",),
    "blockquote": ("cite",),
    "q": ("cite",),
    "time": ("datetime",),
    "abbr": ("title",),
    "code": ("class",),  # language-xxx
    "pre": ("class",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "source": ("src", "type"),
}
GLOBAL_ATTRS = ("lang", "dir")
LAZY_SRC = ("data-src", "data-original", "data-actualsrc", "data-lazy-src", "data-url",
            "data-echo", "data-original-src", "data-lazyload", "file")
HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
TRACKER_SRC = re.compile(
    r"feeds\.feedburner\.com/~r/|/pixel\b|[./]pixel\.(gif|png)|beacon|/track(ing)?/|"
    r"google-analytics\.com|doubleclick\.net|/stat(s)?\.gif|wp\.com/i/stat|spacer\.gif|blank\.gif",
    re.I,
)
PIXEL_STYLE = re.compile(r"(?:^|;)\s*(?:width|height)\s*:\s*[01](?:\.0+)?px", re.I)
HTML_HINT = re.compile(
    r"<(?:p|div|br|span|a|img|table|ul|ol|li|h[1-6]|section|article|blockquote|pre|strong|em|b|i|"
    r"figure|html|body|head|font|center|hr|iframe|script|style|video|audio|dl|code|sup|sub|u|s)"
    r"(?:\s[^>]*)?/?>|<!--|<!doctype",
    re.I,
)
WHOLE_PAGE = re.compile(r"<html[\s>]|<head[\s>]|<!doctype\s+html", re.I)
BLANK_LINE = re.compile(r"\n[ \t\r\f\v\xa0\u3000]*\n")


@dataclass
class Action:
    rule: str  # rule id, or "structure.<tag>" for structural clean-up
    action: str  # remove, unwrap, move, cut, drop
    text: str  # the text affected (for explain)
    field: str | None = None  # for move


@dataclass
class Cleaned:
    body: Tag  # the cleaned container (its children are the article)
    page: dict[str, Any]  # metadata read from the page's <head>, when it has one
    moved: dict[str, Any]  # credits / source / original_title from move rules
    actions: list[Action]
    warnings: list[str]
    is_html: bool


def looks_like_html(body: str) -> bool:
    return bool(HTML_HINT.search(body))


def markdown_to_html(text: str) -> str:
    """Markdown or plain text bodies go through the same cleaning as HTML."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    return md.render(text)


def clean(body: str, meta: dict[str, Any], rules: tuple = (), keep_credits: bool = False,
          keep_indent: bool = False, main_content: bool = True) -> Cleaned:
    """Clean one body. ``meta`` is the normalised header (used for rule scopes)."""
    is_html = looks_like_html(body)
    html = body if is_html else markdown_to_html(body)
    soup = BeautifulSoup(html, "lxml")
    page = read_page_meta(soup) if is_html and WHOLE_PAGE.search(html[:5000]) else {}
    root = soup.body or soup
    actions: list[Action] = []
    warnings: list[str] = []
    if page and main_content:
        root = pick_main(root)
    structural_cleanup(root, actions)
    facts = scope_facts(meta, page)
    moved: dict[str, Any] = {}
    if rules:
        plan = rulebook.for_document(rules, facts)
        rule_actions: list[Action] = []
        had_text = has_text(root)
        apply_rules(root, plan, rule_actions, moved, keep_credits)
        if had_text and not has_text(root):
            structural = [a.rule for a in rule_actions if a.action in ("remove", "cut") and a.text]
            if structural:
                # An element rule or a cut emptied the body: that is a rule misfiring on
                # a short item, not boilerplate. Clean again without rules, and say so.
                again = clean(body, meta, (), keep_credits, keep_indent, main_content)
                again.warnings.append(
                    "cleaning would leave no text (rules " + ", ".join(dict.fromkeys(structural))
                    + "); kept the body without rule cleaning")
                return again
            phrase_rules = ", ".join(dict.fromkeys(a.rule for a in rule_actions))
            warnings.append(f"no article text: every block is boilerplate or a credit ({phrase_rules})")
        actions.extend(rule_actions)
    finish(root, keep_indent)
    return Cleaned(root, page, moved, actions, warnings, is_html)


# --- whole pages ----------------------------------------------------------------------


def read_page_meta(soup: BeautifulSoup) -> dict[str, Any]:
    """Title, author, date, url, image, description and generator from a page's <head>."""
    found: dict[str, Any] = {}
    metas = {}
    for tag in soup.find_all("meta"):
        key = (tag.get("property") or tag.get("name") or tag.get("itemprop") or "").lower()
        if key and tag.get("content") and key not in metas:
            metas[key] = tag["content"].strip()

    def pick(*keys):
        return next((metas[k] for k in keys if metas.get(k)), None)

    title = pick("og:title", "twitter:title")
    if not title and soup.title and soup.title.string:
        title = soup.title.string.strip()
    found["title"] = title
    found["author"] = pick("author", "article:author", "byl", "dc.creator", "sailthru.author")
    found["date"] = pick("article:published_time", "datepublished", "pubdate", "publishdate",
                         "dc.date", "date", "og:published_time", "sailthru.date")
    found["updated"] = pick("article:modified_time", "datemodified", "og:updated_time")
    canonical = soup.find("link", rel="canonical")
    found["url"] = (canonical.get("href") if canonical else None) or pick("og:url")
    found["image"] = pick("og:image", "twitter:image")
    found["description"] = pick("description", "og:description")
    found["generator"] = pick("generator")
    keywords = pick("keywords", "news_keywords")
    found["tags"] = [k.strip() for k in re.split(r"[,，]", keywords) if k.strip()] if keywords else []
    found["site"] = pick("og:site_name", "application-name")
    return {k: v for k, v in found.items() if v}


MAIN_SELECTORS = ('[itemprop="articleBody"]', "article", "main", '[role="main"]')


def pick_main(body: Tag) -> Tag:
    """For a whole page: the element holding the article, when the page marks it."""
    total = len(body.get_text(" ", strip=True)) or 1
    for selector in MAIN_SELECTORS:
        candidates = body.select(selector)
        if not candidates:
            continue
        best = max(candidates, key=lambda t: len(t.get_text(" ", strip=True)))
        if len(best.get_text(" ", strip=True)) >= 0.25 * total or len(candidates) == 1:
            return best
    return body


def scope_facts(meta: dict[str, Any], page: dict[str, Any]) -> dict[str, Any]:
    hosts = []
    for url in (meta.get("url"), page.get("url"), (meta.get("front_matter") or {}).get("link")):
        if isinstance(url, str) and "//" in url:
            host = (urlsplit(url).hostname or "").lower()
            if host and host not in hosts:
                hosts.append(host)
    return {
        "hosts": hosts,
        "author": [a for a in (meta.get("author"), page.get("author")) if a],
        "categories": [str(c) for c in (meta.get("categories") or []) + (meta.get("tags") or [])
                       if not isinstance(c, list)]
        + [str(x) for c in (meta.get("categories") or []) if isinstance(c, list) for x in c],
        "url": [u for u in (meta.get("url"), page.get("url")) if u],
        "generator": page.get("generator"),
    }


# --- tree walking ----------------------------------------------------------------------


def iter_tags(root: Tag) -> Iterator[Tag]:
    """Tags under ``root`` in document order; a tag removed when yielded is not entered."""
    stack = list(reversed([c for c in root.contents if isinstance(c, Tag)]))
    while stack:
        tag = stack.pop()
        yield tag
        if tag.parent is not None:
            stack.extend(reversed([c for c in tag.contents if isinstance(c, Tag)]))


def has_text(root: Tag) -> bool:
    return any(
        type(s) is NavigableString and s.strip(EDGE) for s in root.descendants
    ) or root.find("img") is not None


def excerpt(node, limit: int = 200) -> str:
    text = node.get_text(" ") if isinstance(node, Tag) else str(node)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def structural_cleanup(root: Tag, actions: list[Action]) -> None:
    """Scripts, styles, hidden elements, form controls, trackers; lazy images resolved."""
    for tag in list(iter_tags(root)):
        if tag.parent is None:
            continue
        name = tag.name
        if name in DROP_TAGS:
            actions.append(Action(f"structure.{name}", "remove", excerpt(tag)))
            tag.decompose()
            continue
        attrs = tag.attrs
        if "hidden" in attrs or ("style" in attrs and HIDDEN_STYLE.search(attrs["style"])):
            actions.append(Action("structure.hidden", "remove", excerpt(tag)))
            tag.decompose()
            continue
        if name == "img" and not fix_image(tag):
            actions.append(Action("structure.tracking-pixel", "remove", tag.get("src", "")))
            tag.decompose()
    split_blank_lines(root)


def fix_image(img: Tag) -> bool:
    """Resolve lazy-loading sources; False for tracking pixels and images without a source."""
    for key in LAZY_SRC:
        value = img.get(key)
        if value and not value.startswith("data:"):
            img["src"] = value.strip()
            break
    src = (img.get("src") or "").strip()
    if not src and img.get("srcset"):
        src = img["srcset"].split(",")[0].strip().split(" ")[0]
        img["src"] = src
    if not src or (src.startswith("data:") and len(src) < 200):
        return False
    if img.get("width") in ("0", "1") or img.get("height") in ("0", "1"):
        return False
    if PIXEL_STYLE.search(img.get("style", "")):
        return False
    return not TRACKER_SRC.search(src)


def split_blank_lines(root: Tag) -> None:
    """A blank line in a scraped text body separates paragraphs: make it two <br>."""
    for string in list(root.find_all(string=BLANK_LINE)):
        if type(string) is not NavigableString or string.find_parent(["pre", "textarea", "code"]):
            continue
        parts = BLANK_LINE.split(str(string))
        if len(parts) < 2:
            continue
        soup = _soup_of(string)
        nodes = []
        for i, part in enumerate(parts):
            if i:
                nodes.extend([soup.new_tag("br"), soup.new_tag("br")])
            if part:
                nodes.append(NavigableString(part))
        for node in nodes:
            string.insert_before(node)
        string.extract()


def _soup_of(node) -> BeautifulSoup:
    while node.parent is not None:
        node = node.parent
    return node


# --- runs: the blocks text rules look at -------------------------------------------------


@dataclass
class Run:
    nodes: list  # inline nodes, in order
    text: str  # trimmed, whitespace-collapsed text
    position: int  # document order


def is_inline(node) -> bool:
    """Inline content; an inline element holding blocks or <br> is a container instead."""
    if isinstance(node, Tag):
        if node.name in BLOCK_TAGS or node.name == "br":
            return False
        return not any(isinstance(c, Tag) and (c.name in BLOCK_TAGS or c.name == "br")
                       for c in node.contents)
    return type(node) is NavigableString


def iter_runs(root: Tag) -> Iterator[Run]:
    """Runs of inline content bounded by block elements and <br>, in document order."""
    position = 0
    stack: list = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            text = "".join(n.get_text() if isinstance(n, Tag) else str(n) for n in item)
            text = " ".join(ZERO_WIDTH.sub("", text).split()).strip(EDGE)
            position += 1
            if text:
                yield Run(item, text, position)
            continue
        if (item.parent is None and item is not root) or item.name == "pre":
            continue  # code is content: text rules never look inside <pre>
        items: list = []
        run: list = []
        for child in item.contents:
            if is_inline(child):
                run.append(child)
            elif isinstance(child, Tag):
                if run:
                    items.append(run)
                    run = []
                if child.name != "br":
                    items.append(child)
        if run:
            items.append(run)
        stack.extend(reversed(items))


def remove_run(run: Run) -> None:
    last = run.nodes[-1]
    following = last.next_sibling
    for node in run.nodes:
        node.extract()
    if isinstance(following, Tag) and following.name == "br":
        following.extract()


# --- rules ------------------------------------------------------------------------------


def apply_rules(root: Tag, plan, actions: list[Action], moved: dict, keep_credits: bool) -> None:
    order: dict[int, int] = {}
    cut_markers: list[tuple[int, Any, Any]] = []  # (position, node, rule)
    unwraps: list[tuple[Tag, Any]] = []
    if plan.remove or plan.unwrap or plan.cut_selectors or plan.cut_comments:
        counter = 0
        for node in _iter_all(root):
            counter += 1
            order[id(node)] = counter
            if isinstance(node, Comment):
                for rule in plan.cut_comments:
                    if rule.comment.search(str(node)):
                        cut_markers.append((counter, node, rule))
                        break
                continue
            if not isinstance(node, Tag) or node.parent is None:
                continue
            rule = plan.remove.match(node) if plan.remove else None
            if rule:
                actions.append(Action(rule.id, "remove", excerpt(node)))
                node.decompose()
                continue
            rule = plan.unwrap.match(node) if plan.unwrap else None
            if rule:
                unwraps.append((node, rule))
                continue
            rule = plan.cut_selectors.match(node) if plan.cut_selectors else None
            if rule:
                cut_markers.append((counter, node, rule))
        for tag, rule in reversed(unwraps):
            if _attached(tag, root):
                actions.append(Action(rule.id, "unwrap", excerpt(tag)))
                tag.unwrap()
    drops: list[tuple[Run, Any]] = []
    if plan.text_rules or plan.trims:
        for run in iter_runs(root):
            rule = None
            if len(run.text) <= plan.max_chars:
                rule = _first_text_rule(plan.text_rules, run.text)
            if rule is None:
                if plan.trims:
                    trim_run(run, plan.trims, actions)
                continue
            if rule.action == "move":
                value = _moved_value(rule, run.text)
                if keep_credits:
                    continue
                _store(moved, rule.field, value)
                actions.append(Action(rule.id, "move", run.text, rule.field))
                remove_run(run)
            elif rule.action == "cut":
                position = order.get(id(run.nodes[0]), run.position) if order else run.position
                cut_markers.append((position, run, rule))
            else:
                drops.append((run, rule))
    if cut_markers:
        position, marker, rule = min(cut_markers, key=lambda m: m[0])
        cut_after(root, marker, rule, actions)
    for run, rule in drops:
        if all(_attached(n, root) for n in run.nodes):
            actions.append(Action(rule.id, "drop", run.text))
            remove_run(run)


def trim_run(run: Run, trims, actions: list[Action]) -> None:
    """Cut a trailing marker ("...more", "阅读全文") off a block that is otherwise content."""
    if not any(rule.pattern.search(run.text) for rule in trims):
        return
    strings = [s for s in _run_strings(run) if s.strip(EDGE)]
    if not strings:
        return
    last = strings[-1]
    for rule in trims:
        found = rule.pattern.search(str(last).rstrip(EDGE))
        if found and found.start() > 0 or (found and len(strings) > 1):
            kept = str(last).rstrip(EDGE)[: found.start()]
            actions.append(Action(rule.id, "trim", found.group(0).strip(EDGE)))
            last.replace_with(NavigableString(kept))
            return


def _first_text_rule(text_rules, text: str):
    length = len(text)
    for rule in text_rules:
        if length <= rule.max_chars and rule.pattern.fullmatch(text):
            return rule
    return None


def _moved_value(rule, text: str) -> str:
    match = rule.pattern.fullmatch(text)
    if match and "value" in match.groupdict() and match.group("value"):
        return match.group("value").strip(EDGE)
    return text


MOVED_KEYS = {"credits": "credits", "source": "sources", "original_title": "original_title"}


def _store(moved: dict, field_name: str, value: str) -> None:
    """credits and sources collect lists; original_title keeps the first."""
    key = MOVED_KEYS[field_name]
    if key == "original_title":
        moved.setdefault(key, value)
    elif value not in moved.setdefault(key, []):
        moved[key].append(value)


def _iter_all(root: Tag) -> Iterator:
    """Every node (tags, strings, comments) in document order, skipping removed subtrees."""
    stack = list(reversed(root.contents))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, Tag) and node.parent is not None:
            stack.extend(reversed(node.contents))


def _attached(node, root: Tag) -> bool:
    while node is not None:
        if node is root:
            return True
        node = node.parent
    return False


def cut_after(root: Tag, marker, rule, actions: list[Action]) -> None:
    """Remove the marker and everything after it in document order, within ``root``."""
    first = marker.nodes[0] if isinstance(marker, Run) else marker
    removed = []
    node = first
    while node is not None and node is not root:
        sibling = node.next_sibling
        while sibling is not None:
            following = sibling.next_sibling
            removed.append(sibling)
            sibling = following
        node = node.parent
    nodes = marker.nodes if isinstance(marker, Run) else [marker]
    text = " ".join(excerpt(n) for n in nodes + removed if not isinstance(n, Comment))
    for n in nodes + removed:
        n.extract()
    actions.append(Action(rule.id, "cut", " ".join(text.split())[:400]))


# --- finishing ---------------------------------------------------------------------------


def finish(root: Tag, keep_indent: bool) -> None:
    """Comments, empty wrappers, attributes, presentational tags and whitespace."""
    for comment in root.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for tag in list(iter_tags(root)):
        if tag.parent is None:
            continue
        name = tag.name
        keep = KEEP_ATTRS.get(name, ())
        tag.attrs = {k: v for k, v in tag.attrs.items() if k in keep or k in GLOBAL_ATTRS}
        if name == "a":
            href = tag.get("href", "").strip()
            if not href or href.lower().startswith(("javascript:", "#")):
                tag.attrs.pop("href", None)
        if name in UNWRAP_TAGS or (name == "a" and "href" not in tag.attrs):
            tag.unwrap()
        elif name in ("pre", "code"):
            cls = " ".join(tag.get("class", [])) if tag.get("class") else ""
            if "language-" not in cls and "lang-" not in cls:
                tag.attrs.pop("class", None)
    wrap_orphan_items(root)
    prune_empty(root)
    tidy_strings(root, keep_indent)
    trim_breaks(root)


MEDIA = frozenset(("img", "video", "audio", "picture", "hr"))


def wrap_orphan_items(root: Tag) -> None:
    """Scrapers drop list wrappers: consecutive <li> outside a list go into one <ul>."""
    for item in root.find_all("li"):
        if item.parent is None or item.parent.name in ("ul", "ol", "menu", "dir"):
            continue
        wrapper = _soup_of(item).new_tag("ul")
        item.insert_before(wrapper)
        node = item
        while node is not None:
            following = node.next_sibling
            if isinstance(node, Tag) and node.name == "li":
                wrapper.append(node.extract())
            elif not (type(node) is NavigableString and not node.strip(EDGE)):
                break
            node = following


def prune_empty(root: Tag) -> None:
    """Remove elements left with no text and no media, innermost first (one pass)."""
    full: set[int] = set()  # ids of tags that hold text or media
    for tag in reversed(list(iter_tags(root))):
        name = tag.name
        content = name in MEDIA or id(tag) in full
        if not content:
            for child in tag.contents:
                if type(child) is NavigableString and child.strip(EDGE):
                    content = True
                    break
        if content:
            parent = tag.parent
            if parent is not None:
                full.add(id(parent))
            continue
        if name in KEEP_EMPTY or name in ("td", "th", "tr"):
            continue
        tag.decompose()


def tidy_strings(root: Tag, keep_indent: bool) -> None:
    """Whitespace inside text: CJK-aware joining, no zero-width characters, indents."""
    for run in iter_runs(root):
        # Inline media before the first text (an image, then its caption) count as a start.
        started = any(isinstance(n, Tag) and n.name in MEDIA and not n.get_text()
                      for n in run.nodes[:1])
        for string in _run_strings(run):
            text = ZERO_WIDTH.sub("", str(string))
            if started:
                text = join_spaces(text)
            elif not text.strip(EDGE):
                text = ""
            else:
                started = True
                indent = INDENT.match(text)
                lead = indent.group(0) if indent else ""
                kept = "".join(c for c in lead if c in "\u3000\xa0") if keep_indent else ""
                text = kept + join_spaces(text[len(lead):])
            if text != str(string):
                string.replace_with(NavigableString(text))


def _run_strings(run: Run) -> Iterator[NavigableString]:
    for node in run.nodes:
        if type(node) is NavigableString:
            yield node
        elif isinstance(node, Tag) and node.name != "pre":
            for string in list(node.find_all(string=True)):
                if type(string) is NavigableString and not string.find_parent("pre"):
                    yield string


def trim_breaks(root: Tag) -> None:
    """No <br> at the start or end of a block, and at most two in a row."""
    breaks = root.find_all("br")
    for step, ordered in ((1, reversed(breaks)), (-1, breaks)):  # trailing, then leading
        for br in ordered:
            if br.parent is None:
                continue
            neighbour = _sibling(br, step)
            if neighbour is None or (isinstance(neighbour, Tag) and neighbour.name in BLOCK_TAGS):
                br.decompose()
    for br in breaks:
        if br.parent is None:
            continue
        prev = _sibling(br, -1)
        before = _sibling(prev, -1) if isinstance(prev, Tag) and prev.name == "br" else None
        if isinstance(before, Tag) and before.name == "br":
            br.decompose()


def _sibling(node, step: int):
    """The nearest sibling that is a tag or non-blank text."""
    sibling = node.previous_sibling if step < 0 else node.next_sibling
    while sibling is not None:
        if isinstance(sibling, Tag) or (type(sibling) is NavigableString and sibling.strip(EDGE)):
            return sibling
        sibling = sibling.previous_sibling if step < 0 else sibling.next_sibling
    return None
