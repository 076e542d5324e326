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

from dataclasses import dataclass, field
from typing import Any

from .. import rules as rulebook
from ..dom import has_text
from ..errors import CleanartWarning
from .actions import Action, apply_rules, keep_protection
from .detector import BALANCES, detect
from .embeds import keep_embeds
from .links import absolutise, base_url, mark_footnotes
from .page import kind_says, read_base, read_page_meta, scope_facts
from .parse import is_whole_page, looks_like_html, markdown_to_html, parse_html
from .streamed import complete_streamed
from .structure import structural_cleanup
from .templates import post_blocks, remove_template_blocks
from .tidy import finish
from .variants import drop_screen_variants


@dataclass
class Cleaned:
    body: Any  # the cleaned container element (its content is the article)
    page: dict[str, Any]  # metadata read from the page's <head>, when it has one
    moved: dict[str, Any]  # credits / sources / original_title from move rules
    actions: list[Action]
    warnings: list[str]
    is_html: bool
    alive: list = field(default_factory=list, repr=False)  # see Parsed.alive


@dataclass
class Parsed:
    is_html: bool
    root: Any  # <body>, or the document when there is none
    page: dict[str, Any]  # a whole page's metadata ({} for a fragment)
    base: str | None  # <base href>
    warnings: list[str]
    # A Python object for every element, held while the tree is in use.  lxml frees an
    # element's object when the last reference goes, and checks every ancestor as it
    # does: walks that drop each object as they go are quadratic in the nesting depth
    # (100,000 nested <div>s took minutes).  Held, they are freed deepest first, at once.
    alive: list = field(default_factory=list, repr=False)


def parsed_body(
    body: str, inherit: tuple[dict[str, Any], str | None] | None = None, utf8: bytes | None = None
) -> Parsed:
    """The body as a tree, with what the page says about itself (``inherit``: what the
    first piece of a body cleaned in pieces said, read once, not from every piece;
    ``utf8``: the body's UTF-8, when the input's bytes are that)."""
    is_html = looks_like_html(body)
    html = body if is_html else markdown_to_html(body)
    document, warnings = parse_html(html, utf8 if is_html else None)
    if inherit is not None:
        page, base = inherit
    else:
        page = read_page_meta(document) if is_html and is_whole_page(html) else {}
        base = read_base(document)
    root = document.find("body")
    root = document if root is None else root
    return Parsed(is_html, root, page, base, warnings, list(document.iter()))


def article_root(root, page: dict[str, Any], main_content: bool, actions: list[Action]):
    """Structural clean-up, then, for a whole page, the element holding the article.

    Media, math and footnote targets are marked first: the clean-up would drop them."""
    if page:
        complete_streamed(root)  # before the clean-up drops the hidden segments
    keep_embeds(root)
    mark_footnotes(root)
    structural_cleanup(root, actions)
    if page and main_content:
        from .content import drop_title_heading, left_out, prune_link_lists  # pages only
        from .content import main_content as find_main_content

        kind = page.get("page_type")
        chosen = find_main_content(root, kind)
        if chosen is not root:
            actions.append(left_out(root, chosen))
        root = chosen
        drop_screen_variants(root, actions)
        prune_link_lists(root, actions, kind)
        if kind_says(kind, "item_cards") == "drop":
            from .content import prune_item_cards

            prune_item_cards(root, actions)
        drop_title_heading(root, page.get("title"), actions)
    return root


def template_blocks(body: str, meta: dict[str, Any], rules: tuple = (), main_content: bool = True) -> list:
    """(fingerprint, text) of the blocks template learning counts, as the detector would see them."""
    parsed = parsed_body(body)
    if not parsed.is_html:
        return []
    root, page = article_root(parsed.root, parsed.page, main_content, []), parsed.page
    runs = None
    if rules:  # the blocks the rules leave, as clean() hands them to template removal
        runs = apply_rules(root, rulebook.for_document(rules, scope_facts(meta, page)), [], {}, False)
    return post_blocks(root, runs)


def clean(
    body: str,
    meta: dict[str, Any],
    rules: tuple = (),
    keep_credits: bool = False,
    keep_indent: bool = False,
    main_content: bool = True,
    balance: str = "balanced",
    template: Any = None,
    inherit: tuple[dict[str, Any], str | None] | None = None,
    utf8: bytes | None = None,
) -> Cleaned:
    """Clean one body. ``meta`` is the normalised header (used for rule scopes).

    ``balance`` is the detector's (precision, balanced, recall, or off); ``template`` the
    boilerplate learned from the post's folder, if any (see templates.py).  ``inherit``
    is (page, base) read from the first piece of a body cleaned in pieces (huge.py):
    the later pieces have no <head> of their own.  ``utf8``: the body in UTF-8, when
    the input's bytes are exactly that (the parser reads them instead of encoding the
    body again).
    """
    if balance not in (*BALANCES, "off"):
        raise ValueError(f"balance must be one of {', '.join(BALANCES)} or off, not {balance!r}")
    parsed = parsed_body(body, inherit, utf8)
    is_html, page, warnings = parsed.is_html, parsed.page, parsed.warnings
    actions: list[Action] = []
    root = article_root(parsed.root, page, main_content, actions)
    moved: dict[str, Any] = {}
    if rules:
        plan = rulebook.for_document(rules, scope_facts(meta, page))
        rule_actions: list[Action] = []
        runs = apply_rules(root, plan, rule_actions, moved, keep_credits)
        if not has_text(root):
            structural = [a.rule for a in rule_actions if a.action in ("remove", "cut") and a.text]
            if structural:
                # An element rule or a cut emptied the body: that is a rule misfiring on
                # a short item, not boilerplate. Clean again without rules, and say so.
                again = clean(
                    body, meta, (), keep_credits, keep_indent, main_content, balance, template, inherit
                )
                again.warnings.append(
                    "cleaning would leave no text (rules "
                    + ", ".join(dict.fromkeys(structural))
                    + "); kept the body without rule cleaning"
                )
                return again
            if rule_actions:
                phrase_rules = ", ".join(dict.fromkeys(a.rule for a in rule_actions))
                message = f"no article text: every block is boilerplate or a credit ({phrase_rules})"
                warnings.append(CleanartWarning("no-text", message))
        actions.extend(rule_actions)
    else:
        plan = runs = None
    # Markdown and plain-text bodies are text someone already converted (cleanart's own
    # output among them): only rules judge them, so converting output again changes nothing.
    if is_html and (balance != "off" or template is not None):
        protect = keep_protection(root, plan)
        if template is not None:
            runs = remove_template_blocks(root, template, actions, protect, runs)
        if balance != "off":
            detect(root, balance, actions, protect, runs, page.get("page_type"))
    finish(root, keep_indent)
    # Relative links and images resolved (lazy images have their real src by now).
    absolutise(root, base_url(parsed.base, page.get("url"), meta.get("url")))
    return Cleaned(root, page, moved, actions, warnings, is_html, parsed.alive)
