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

from dataclasses import dataclass
from typing import Any

from .. import rules as rulebook
from ..dom import has_text
from .actions import Action, apply_rules
from .embeds import keep_embeds
from .links import absolutise, base_url, mark_footnotes
from .page import pick_main, read_base, read_page_meta, scope_facts
from .parse import WHOLE_PAGE, looks_like_html, markdown_to_html, parse
from .structure import structural_cleanup
from .tidy import finish


@dataclass
class Cleaned:
    body: Any  # the cleaned container element (its content is the article)
    page: dict[str, Any]  # metadata read from the page's <head>, when it has one
    moved: dict[str, Any]  # credits / sources / original_title from move rules
    actions: list[Action]
    warnings: list[str]
    is_html: bool


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
    # Markdown's needs (issue 10): media, math and footnotes kept before the clean-up drops them.
    keep_embeds(root)
    mark_footnotes(root)
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
    # Issue 10: relative links and images resolved (lazy images have their real src by now).
    absolutise(root, base_url(read_base(document), page.get("url"), meta.get("url")))
    return Cleaned(root, page, moved, actions, warnings, is_html)
