"""Stage 3, clean: strip what is not article from an HTML body, rule by rule.

Order: parse; read the page's own metadata if it is a whole page; structural clean
up (scripts, styles, hidden elements, tracking pixels, lazy images); then the rule
actions in their fixed order (remove, unwrap, move, cut, drop, trim); then comments,
empty wrappers, presentational attributes and whitespace.  Every removal, move and
unwrap is recorded as an ``Action`` with the rule id, for ``cleanart explain``.

The tree is lxml's: parsing and walking it in C is what makes cleanart fast (a
BeautifulSoup tree took longer to build than the whole pipeline takes now).  Text
lives in ``.text`` and ``.tail``, so text positions are ``Slot``s (an element and
one of those two attributes).  Walks use explicit stacks, never recursion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator
from urllib.parse import urlsplit

from lxml import etree

from . import rules as rulebook
from .text import EDGE, INDENT, ZERO_WIDTH, join_spaces

BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "center",
        "dd",
        "details",
        "dialog",
        "dir",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "html",
        "li",
        "main",
        "menu",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
        "caption",
    ]
)
DROP_TAGS = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "svg",
        "math",
        "canvas",
        "input",
        "button",
        "select",
        "option",
        "optgroup",
        "textarea",
        "datalist",
        "output",
        "progress",
        "meter",
        "keygen",
        "link",
        "meta",
        "base",
        "head",
        "title",
        "param",
        "track",
        "map",
        "area",
        "dialog",
    ]
)
KEEP_EMPTY = frozenset(
    ["img", "br", "hr", "td", "th", "tr", "video", "audio", "source", "picture", "col", "colgroup"]
)
UNWRAP_TAGS = frozenset(["span", "font", "center", "o:p", "big", "small", "basefont", "nobr", "wbr", "bdi"])
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
LAZY_SRC = (
    "data-src",
    "data-original",
    "data-actualsrc",
    "data-lazy-src",
    "data-url",
    "data-echo",
    "data-original-src",
    "data-lazyload",
    "file",
)
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
    action: str  # remove, unwrap, move, cut, drop, trim
    text: str  # the text affected (for explain)
    field: str | None = None  # for move


@dataclass
class Cleaned:
    body: Any  # the cleaned container element (its content is the article)
    page: dict[str, Any]  # metadata read from the page's <head>, when it has one
    moved: dict[str, Any]  # credits / sources / original_title from move rules
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


def clean(
    body: str,
    meta: dict[str, Any],
    rules: tuple = (),
    keep_credits: bool = False,
    keep_indent: bool = False,
    main_content: bool = True,
) -> Cleaned:
    """Clean one body. ``meta`` is the normalised header (used for rule scopes)."""
    is_html = looks_like_html(body)
    html = body if is_html else markdown_to_html(body)
    document, warnings = parse(html)
    page = read_page_meta(document) if is_html and WHOLE_PAGE.search(html[:5000]) else {}
    root = document.find("body")
    if root is None:
        root = document
    actions: list[Action] = []
    if page and main_content:
        root = pick_main(root)
    structural_cleanup(root, actions)
    moved: dict[str, Any] = {}
    if rules:
        plan = rulebook.for_document(rules, scope_facts(meta, page))
        rule_actions: list[Action] = []
        apply_rules(root, plan, rule_actions, moved, keep_credits)
        if not has_text(root):
            structural = [a.rule for a in rule_actions if a.action in ("remove", "cut") and a.text]
            if structural:
                # An element rule or a cut emptied the body: that is a rule misfiring on
                # a short item, not boilerplate. Clean again without rules, and say so.
                again = clean(body, meta, (), keep_credits, keep_indent, main_content)
                again.warnings.append(
                    "cleaning would leave no text (rules "
                    + ", ".join(dict.fromkeys(structural))
                    + "); kept the body without rule cleaning"
                )
                return again
            if rule_actions:
                phrase_rules = ", ".join(dict.fromkeys(a.rule for a in rule_actions))
                warnings.append(f"no article text: every block is boilerplate or a credit ({phrase_rules})")
        actions.extend(rule_actions)
    finish(root, keep_indent)
    return Cleaned(root, page, moved, actions, warnings, is_html)


XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
# lxml's plain parser: lxml.html's element classes are looked up in Python for every
# element touched, which cost a sixth of the run time.
PARSER = etree.HTMLParser(huge_tree=True, remove_comments=False, remove_pis=True)
EMPTY_PAGE = "<html><body></body></html>"


def parse(html: str):
    """An lxml document for ``html``; nesting deeper than libxml2's limit still parses."""
    html = XML_DECLARATION.sub("", html).replace("\x00", "")
    if not html.strip():
        return etree.fromstring(EMPTY_PAGE, PARSER), []
    try:
        document = etree.fromstring(html, PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        document = None
    if document is None:
        return etree.fromstring(EMPTY_PAGE, PARSER), ["the body could not be parsed as HTML"]
    if any("Excessive depth" in str(error) for error in PARSER.error_log):
        # libxml2's tree builder drops what lies deeper than 2048 levels (trafilatura
        # returns nothing there); its SAX interface does not, so build the tree from that.
        try:
            builder = etree.HTMLParser(target=etree.TreeBuilder(), huge_tree=True)
            return etree.fromstring(html, parser=builder), []
        except Exception:
            return document, ["the body is nested too deeply; text below 2048 levels was lost"]
    return document, []


# --- whole pages ----------------------------------------------------------------------


def read_page_meta(document) -> dict[str, Any]:
    """Title, author, date, url, image, description and generator from a page's <head>."""
    found: dict[str, Any] = {}
    metas: dict[str, str] = {}
    for tag in document.iter("meta"):
        key = (tag.get("property") or tag.get("name") or tag.get("itemprop") or "").lower()
        content = tag.get("content")
        if key and content and key not in metas:
            metas[key] = content.strip()

    def pick(*keys):
        return next((metas[k] for k in keys if metas.get(k)), None)

    title = pick("og:title", "twitter:title")
    if not title:
        element = document.find(".//title")
        if element is not None and text_of(element).strip():
            title = text_of(element).strip()
    found["title"] = title
    found["author"] = pick("author", "article:author", "byl", "dc.creator", "sailthru.author")
    found["date"] = pick(
        "article:published_time",
        "datepublished",
        "pubdate",
        "publishdate",
        "dc.date",
        "date",
        "og:published_time",
        "sailthru.date",
    )
    found["updated"] = pick("article:modified_time", "datemodified", "og:updated_time")
    canonical = next(
        (
            link.get("href")
            for link in document.iter("link")
            if (link.get("rel") or "").lower() == "canonical" and link.get("href")
        ),
        None,
    )
    found["url"] = canonical or pick("og:url")
    found["image"] = pick("og:image", "twitter:image")
    found["description"] = pick("description", "og:description")
    found["generator"] = pick("generator")
    keywords = pick("keywords", "news_keywords")
    found["tags"] = [k.strip() for k in re.split(r"[,，]", keywords) if k.strip()] if keywords else []
    found["site"] = pick("og:site_name", "application-name")
    return {k: v for k, v in found.items() if v}


MAIN_XPATHS = ('.//*[@itemprop="articleBody"]', ".//article", ".//main", './/*[@role="main"]')


def pick_main(body):
    """For a whole page: the element holding the article, when the page marks it."""
    total = len(text_of(body).strip()) or 1
    for xpath in MAIN_XPATHS:
        candidates = body.xpath(xpath)
        if not candidates:
            continue
        best = max(candidates, key=lambda t: len(text_of(t).strip()))
        size = len(text_of(best).strip())
        if size >= 0.25 * total or (len(candidates) == 1 and size >= 500):
            return best  # a short teaser marked <article> is not the story
    return body


def scope_facts(meta: dict[str, Any], page: dict[str, Any]) -> dict[str, Any]:
    hosts = []
    for url in (meta.get("url"), page.get("url")):
        if isinstance(url, str) and "//" in url:
            host = (urlsplit(url).hostname or "").lower()
            if host and host not in hosts:
                hosts.append(host)
    categories = []
    for value in (meta.get("categories") or []) + (meta.get("tags") or []):
        categories.extend(str(v) for v in (value if isinstance(value, list) else [value]))
    return {
        "hosts": hosts,
        "author": [a for a in (meta.get("author"), page.get("author")) if a],
        "categories": categories,
        "url": [u for u in (meta.get("url"), page.get("url")) if u],
        "generator": page.get("generator"),
    }


# --- tree helpers ----------------------------------------------------------------------


def is_element(node) -> bool:
    """A real element (not a comment or processing instruction)."""
    return isinstance(node.tag, str)


def iter_elements(root) -> Iterator:
    """Elements under ``root`` in document order; one removed when yielded is not entered."""
    stack = [c for c in reversed(root) if isinstance(c.tag, str)]
    while stack:
        element = stack.pop()
        yield element
        if element.getparent() is not None:
            stack.extend(c for c in reversed(element) if isinstance(c.tag, str))


def text_of(element) -> str:
    """The text inside an element (comments excluded), without its own tail."""
    return "".join(element.itertext()) if is_element(element) else ""


def has_text(root) -> bool:
    for text in root.itertext():
        if text.strip(EDGE):
            return True
    return next(root.iter("img"), None) is not None


def excerpt(node, limit: int = 200) -> str:
    text = text_of(node) if is_element(node) else (node.text or "")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def append_text_before(element, text: str | None) -> None:
    """Add ``text`` where it reads just before ``element``."""
    if not text:
        return
    previous = element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + text
    else:
        parent = element.getparent()
        parent.text = (parent.text or "") + text


def remove(element) -> None:
    """Remove an element and its content; the text after it stays."""
    append_text_before(element, element.tail)
    element.tail = None
    element.getparent().remove(element)


def unwrap(element) -> None:
    """Replace an element by its content."""
    append_text_before(element, element.text)
    element.text = None
    for child in list(element):
        element.addprevious(child)  # moves the child (with its tail) before the element
    remove(element)


def new_element(tag: str, tail: str | None = None):
    element = etree.Element(tag)
    element.tail = tail
    return element


# --- structural clean-up ----------------------------------------------------------------


def structural_cleanup(root, actions: list[Action]) -> None:
    """Scripts, styles, hidden elements, form controls, trackers; lazy images resolved."""
    for element in list(iter_elements(root)):
        if element.getparent() is None:
            continue
        name = element.tag
        if name in DROP_TAGS:
            actions.append(Action(f"structure.{name}", "remove", excerpt(element)))
            remove(element)
            continue
        attrs = element.attrib
        if "hidden" in attrs or ("style" in attrs and HIDDEN_STYLE.search(attrs["style"])):
            actions.append(Action("structure.hidden", "remove", excerpt(element)))
            remove(element)
            continue
        if name == "img" and not fix_image(element):
            actions.append(Action("structure.tracking-pixel", "remove", element.get("src", "")))
            remove(element)
    split_blank_lines(root)


def fix_image(img) -> bool:
    """Resolve lazy-loading sources; False for tracking pixels and images without a source."""
    for key in LAZY_SRC:
        value = img.get(key)
        if value and not value.startswith("data:"):
            img.set("src", value.strip())
            break
    src = (img.get("src") or "").strip()
    if not src and img.get("srcset"):
        src = img.get("srcset").split(",")[0].strip().split(" ")[0]
        img.set("src", src)
    if not src or (src.startswith("data:") and len(src) < 200):
        return False
    if img.get("width") in ("0", "1") or img.get("height") in ("0", "1"):
        return False
    if PIXEL_STYLE.search(img.get("style", "")):
        return False
    return not TRACKER_SRC.search(src)


def split_blank_lines(root) -> None:
    """A blank line in a scraped text body separates paragraphs: make it two <br>."""
    for element in list(root.iter()):
        if not is_element(element) or element.tag in ("pre", "textarea", "code"):
            continue
        if element.text and BLANK_LINE.search(element.text) and not _inside_pre(element):
            parts = BLANK_LINE.split(element.text)
            element.text = parts[0]
            for position, part in enumerate(parts[1:]):
                element.insert(2 * position, new_element("br"))
                element.insert(2 * position + 1, new_element("br", part))
        if (
            element is not root
            and element.tail
            and BLANK_LINE.search(element.tail)
            and not (_inside_pre(element.getparent()))
        ):
            parts = BLANK_LINE.split(element.tail)
            element.tail = parts[0]
            anchor = element
            for part in parts[1:]:
                first, second = new_element("br"), new_element("br", part)
                anchor.addnext(first)
                first.addnext(second)
                anchor = second


def _inside_pre(element) -> bool:
    while element is not None:
        if element.tag in ("pre", "textarea", "code"):
            return True
        element = element.getparent()
    return False


# --- runs: the blocks text rules look at -------------------------------------------------

# A slot is a place where text lives: (element, "text") or (element, "tail").


@dataclass
class Run:
    container: Any
    items: list  # ("text", container) / ("tail", element) slots and inline elements, in order
    text: str  # trimmed, whitespace-collapsed text
    position: int  # document order


def is_inline(element) -> bool:
    """Inline content; an inline element holding blocks or <br> is a container instead."""
    if not is_element(element):
        return True  # comments sit inside runs without text
    if element.tag in BLOCK_TAGS or element.tag == "br":
        return False
    return not any(is_element(c) and (c.tag in BLOCK_TAGS or c.tag == "br") for c in element)


def iter_runs(root, with_text: bool = True) -> Iterator[Run]:
    """Runs of inline content bounded by block elements and <br>, in document order.

    ``with_text=False`` skips computing each run's text (and yields empty runs too).
    """
    position = 0
    stack: list = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, Run):
            position += 1
            item.position = position
            if not with_text or item.text:
                yield item
            continue
        if item.getparent() is None and item is not root:
            continue
        if item.tag == "pre" and item is not root:
            continue  # code is content: text rules never look inside <pre>
        pieces: list = []
        run: list = [("text", item)] if item.text else []
        for child in item:
            if is_inline(child):
                run.append(child)
            else:
                if run:
                    pieces.append(_run(item, run, with_text))
                    run = []
                if child.tag != "br":
                    pieces.append(child)
            if child.tail:
                run.append(("tail", child))
        if run:
            pieces.append(_run(item, run, with_text))
        stack.extend(reversed(pieces))


def _run(container, items: list, with_text: bool = True) -> Run:
    if not with_text:
        return Run(container, items, "", 0)
    parts = []
    for item in items:
        if isinstance(item, tuple):
            parts.append(getattr(item[1], item[0]) or "")
        elif is_element(item):
            parts.append(text_of(item))
    text = " ".join(ZERO_WIDTH.sub("", "".join(parts)).split()).strip(EDGE)
    return Run(container, items, text, 0)


def run_slots(run: Run) -> Iterator[tuple]:
    """Every text slot of a run, in document order (inside inline elements too)."""
    for item in run.items:
        if isinstance(item, tuple):
            yield item
        elif is_element(item):
            for event, element in etree.iterwalk(item, events=("start", "end")):
                if event == "start":
                    if is_element(element) and element.text:
                        yield ("text", element)
                elif element is not item and element.tail:
                    yield ("tail", element)  # after the element's own content


def remove_run(run: Run, spent_breaks: list) -> None:
    """Take a run's text and inline elements out.

    The <br> that ended it goes into ``spent_breaks``, to be removed once no other run
    still holds its tail text."""
    following = _element_after(run)
    for item in run.items:
        if isinstance(item, tuple):
            setattr(item[1], item[0], None)
        else:
            item.tail = None
            item.getparent().remove(item)
    if following is not None and following.tag == "br":
        spent_breaks.append(following)


def _element_after(run: Run):
    """The element right after a run (the <br> or block that ends it), if any."""
    last = run.items[-1]
    if isinstance(last, tuple):
        kind, element = last
        return (
            element[0] if kind == "text" and len(element) else (element.getnext() if kind == "tail" else None)
        )
    return last.getnext() if last.getparent() is not None else None


# --- rules ------------------------------------------------------------------------------


def apply_rules(root, plan, actions: list[Action], moved: dict, keep_credits: bool) -> None:
    order: dict[int, int] = {}
    cut_markers: list[tuple[int, Any, Any]] = []  # (position, marker, rule)
    unwraps: list[tuple[Any, Any]] = []
    removing, unwrapping, cutting = bool(plan.remove), bool(plan.unwrap), bool(plan.cut_selectors)
    if removing or unwrapping or cutting or plan.cut_comments:
        counter = 0
        for node in _iter_all(root):
            counter += 1
            order[id(node)] = counter
            if not isinstance(node.tag, str):
                if node.tag is etree.Comment and plan.cut_comments:
                    for rule in plan.cut_comments:
                        if rule.comment.search(node.text or ""):
                            cut_markers.append((counter, node, rule))
                            break
                continue
            if node.getparent() is None:
                continue
            rule = plan.remove.match(node) if removing else None
            if rule:
                actions.append(Action(rule.id, "remove", excerpt(node)))
                remove(node)
                continue
            rule = plan.unwrap.match(node) if unwrapping else None
            if rule:
                unwraps.append((node, rule))
                continue
            rule = plan.cut_selectors.match(node) if cutting else None
            if rule:
                cut_markers.append((counter, node, rule))
        for element, rule in reversed(unwraps):
            if _attached(element, root):
                actions.append(Action(rule.id, "unwrap", excerpt(element)))
                unwrap(element)
    drops: list[tuple[Run, Any]] = []
    spent_breaks: list = []
    if plan.text_rules or plan.trims:
        for run in iter_runs(root):
            rule = plan.text_rule_for(run.text)
            if rule is None:
                if plan.trims:
                    trim_run(run, plan.trims, actions)
                continue
            if rule.action == "move":
                if keep_credits:
                    continue
                _store(moved, rule.field, _moved_value(rule, run.text))
                actions.append(Action(rule.id, "move", run.text, rule.field))
                remove_run(run, spent_breaks)
            elif rule.action == "cut":
                cut_markers.append((_run_position(run, order), run, rule))
            else:
                drops.append((run, rule))
    if cut_markers:
        _position, marker, rule = min(cut_markers, key=lambda m: m[0])
        cut_after(root, marker, rule, actions)
    for run, rule in drops:
        if all(_attached(i[1] if isinstance(i, tuple) else i, root) for i in run.items):
            actions.append(Action(rule.id, "drop", run.text))
            remove_run(run, spent_breaks)
    for br in spent_breaks:
        if _attached(br, root):
            remove(br)


def _run_position(run: Run, order: dict[int, int]) -> float:
    """Where a run starts, on the same scale as the walk's element positions."""
    if not order:
        return run.position
    first = run.items[0]
    if isinstance(first, tuple):
        kind, element = first
        base = order.get(id(element), 0)
        # a container's own text comes right after its start; a tail after its element's subtree
        return base + (0.5 if kind == "text" else _subtree_end(element, order) - base + 0.5)
    return order.get(id(first), run.position)


def _subtree_end(element, order: dict[int, int]) -> int:
    last = element
    while len(last):
        last = last[-1]
    return order.get(id(last), order.get(id(element), 0))


def trim_run(run: Run, trims, actions: list[Action]) -> None:
    """Cut a trailing marker ("...more", "阅读全文") off a block that is otherwise content."""
    if not any(rule.pattern.search(run.text) for rule in trims):
        return
    slots = [s for s in run_slots(run) if (getattr(s[1], s[0]) or "").strip(EDGE)]
    if not slots:
        return
    kind, element = slots[-1]
    value = (getattr(element, kind) or "").rstrip(EDGE)
    for rule in trims:
        found = rule.pattern.search(value)
        if found and (found.start() > 0 or len(slots) > 1):
            actions.append(Action(rule.id, "trim", found.group(0).strip(EDGE)))
            setattr(element, kind, value[: found.start()])
            return


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


def _iter_all(root) -> Iterator:
    """Every node (elements and comments) in document order, skipping removed subtrees."""
    stack = list(reversed(root))
    while stack:
        node = stack.pop()
        yield node
        if is_element(node) and node.getparent() is not None:
            stack.extend(reversed(node))


def _attached(node, root) -> bool:
    while node is not None:
        if node is root:
            return True
        node = node.getparent()
    return False


def cut_after(root, marker, rule, actions: list[Action]) -> None:
    """Remove the marker and everything after it in document order, within ``root``."""
    removed_text: list[str] = []
    if isinstance(marker, Run):
        kind, start = marker.items[0] if isinstance(marker.items[0], tuple) else ("element", marker.items[0])
    else:
        kind, start = "element", marker
    if kind == "text":  # the container's own text starts the marker: empty the container
        removed_text.append(text_of(start))
        start.text = None
        for child in list(start):
            start.remove(child)
        anchor = start
    else:
        anchor = start
        if kind == "element":
            removed_text.append(excerpt(start, 10**6))
            if start.tail:
                removed_text.append(start.tail)
        else:
            removed_text.append(start.tail or "")
            start.tail = None
        _remove_following(anchor, removed_text)
        if kind == "element":
            anchor = start.getparent()
            start.tail = None
            start.getparent().remove(start)
        else:
            anchor = start.getparent()
    node = anchor
    while node is not None and node is not root:
        if node.tail:
            removed_text.append(node.tail)
            node.tail = None
        _remove_following(node, removed_text)
        node = node.getparent()
    text = " ".join(" ".join(removed_text).split())
    actions.append(Action(rule.id, "cut", text[:400]))


def _remove_following(element, removed_text: list[str]) -> None:
    sibling = element.getnext()
    while sibling is not None:
        following = sibling.getnext()
        if is_element(sibling):
            removed_text.append(text_of(sibling))
        if sibling.tail:
            removed_text.append(sibling.tail)
        sibling.tail = None
        sibling.getparent().remove(sibling)
        sibling = following


# --- finishing ---------------------------------------------------------------------------


def finish(root, keep_indent: bool) -> None:
    """Comments, empty wrappers, attributes, presentational tags and whitespace."""
    for node in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        if node.getparent() is not None:
            remove(node)
    for element in list(iter_elements(root)):
        if element.getparent() is None:
            continue
        name = element.tag
        keep = KEEP_ATTRS.get(name, ())
        for key in list(element.attrib):
            if key not in keep and key not in GLOBAL_ATTRS:
                del element.attrib[key]
        if name == "a":
            href = (element.get("href") or "").strip()
            if not href or href.lower().startswith(("javascript:", "#")):
                element.attrib.pop("href", None)
        if name in UNWRAP_TAGS or (name == "a" and "href" not in element.attrib):
            unwrap(element)
        elif name in ("pre", "code"):
            classes = element.get("class") or ""
            if "language-" not in classes and "lang-" not in classes:
                element.attrib.pop("class", None)
    wrap_orphan_items(root)
    prune_empty(root)
    tidy_strings(root, keep_indent)
    trim_breaks(root)
    drop_blank_text(root)


MEDIA = frozenset(("img", "video", "audio", "picture", "hr"))


def wrap_orphan_items(root) -> None:
    """Scrapers drop list wrappers: consecutive <li> outside a list go into one <ul>."""
    for item in list(root.iter("li")):
        parent = item.getparent()
        if parent is None or parent.tag in ("ul", "ol", "menu", "dir"):
            continue
        wrapper = new_element("ul")
        item.addprevious(wrapper)
        node = item
        while node is not None and is_element(node) and node.tag == "li":
            following = node.getnext()
            tail = node.tail
            blank = not (tail or "").strip(EDGE)
            wrapper.append(node)
            if not blank:
                node.tail = None
                wrapper.tail = (wrapper.tail or "") + tail
                break
            node.tail = None
            node = following


def prune_empty(root) -> None:
    """Remove elements left with no text and no media, innermost first (one pass)."""
    full: set[int] = set()  # ids of elements that hold text or media
    for element in reversed(list(iter_elements(root))):
        name = element.tag
        content = name in MEDIA or id(element) in full or bool((element.text or "").strip(EDGE))
        if not content:
            content = any((child.tail or "").strip(EDGE) for child in element)
        parent = element.getparent()
        if content:
            if parent is not None:
                full.add(id(parent))
            continue
        if name in KEEP_EMPTY:
            continue
        remove(element)


def tidy_strings(root, keep_indent: bool) -> None:
    """Whitespace inside text: CJK-aware joining, no zero-width characters, indents.

    One walk over the text in document order; a block element or <br> starts a new
    block, whose first text loses its indentation (kept with ``keep_indent``).
    """
    started = False  # has the current block shown any content yet?

    def tidy_slot(element, kind: str) -> None:
        nonlocal started
        original = getattr(element, kind)
        text = ZERO_WIDTH.sub("", original)
        if started:
            text = join_spaces(text)
        elif not text.strip(EDGE):
            text = ""
        else:
            started = True
            indent = INDENT.match(text)
            lead = indent.group(0) if indent else ""
            kept = "".join(c for c in lead if c in "\u3000\xa0") if keep_indent else ""
            text = kept + join_spaces(text[len(lead) :])
        if text != original:
            setattr(element, kind, text or None)

    walker = etree.iterwalk(root, events=("start", "end"))
    for event, element in walker:
        tag = element.tag
        if not isinstance(tag, str):
            if event == "end" and element.tail:
                tidy_slot(element, "tail")
            continue
        if event == "start":
            if tag in BLOCK_TAGS or tag == "br":
                started = False
            elif tag in MEDIA:
                started = True
            if tag == "pre":
                walker.skip_subtree()  # code keeps its spacing
                started = False
                if element.tail and element is not root:
                    tidy_slot(element, "tail")
                continue
            if element.text:
                tidy_slot(element, "text")
        elif tag != "pre":
            if tag in BLOCK_TAGS:
                started = False
            if element is not root and element.tail:
                tidy_slot(element, "tail")


def drop_blank_text(root) -> None:
    """Whitespace between blocks carries nothing: drop it (the HTML output stays compact)."""
    for element in root.iter():
        if (
            element.text
            and not element.text.strip(EDGE)
            and element.tag in BLOCK_TAGS
            and (len(element) == 0 or element[0].tag in BLOCK_TAGS)
        ):
            element.text = None
        if element is not root and element.tail and not element.tail.strip(EDGE):
            following = element.getnext()
            if (
                element.tag in BLOCK_TAGS
                or element.tag == "br"
                or following is None
                or (following.tag in BLOCK_TAGS)
            ):
                element.tail = None


def trim_breaks(root) -> None:
    """No <br> at the start or end of a block, and at most two in a row."""
    breaks = list(root.iter("br"))
    for step, ordered in ((1, list(reversed(breaks))), (-1, breaks)):  # trailing, then leading
        for br in ordered:
            if br.getparent() is None:
                continue
            if _edge_of_block(br, step):
                remove(br)
    for br in breaks:
        if br.getparent() is None or (br.tail or "").strip(EDGE):
            continue
        previous = br.getprevious()
        if previous is not None and previous.tag == "br" and not (previous.tail or "").strip(EDGE):
            before = previous.getprevious()
            if before is not None and before.tag == "br" and not (before.tail or "").strip(EDGE):
                remove(br)


def _edge_of_block(br, step: int) -> bool:
    """True when only blank text separates ``br`` from its block's start (-1) or end (1)."""
    if step > 0:
        if (br.tail or "").strip(EDGE):
            return False
        sibling = br.getnext()
        while sibling is not None and not is_element(sibling):
            if (sibling.tail or "").strip(EDGE):
                return False
            sibling = sibling.getnext()
        return sibling is None or sibling.tag in BLOCK_TAGS
    previous = br.getprevious()
    while previous is not None and not is_element(previous):
        if (previous.tail or "").strip(EDGE):
            return False
        previous = previous.getprevious()
    if previous is None:
        return not (br.getparent().text or "").strip(EDGE)
    if (previous.tail or "").strip(EDGE):
        return False
    return previous.tag in BLOCK_TAGS
