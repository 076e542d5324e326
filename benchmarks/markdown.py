"""Markdown that keeps the document: cleanart against html2text, markdownify and trafilatura.

1. The construct suite (tests/fixtures/markdown): each system converts the cleaned HTML
   of every construct (cleanart its own input), and the Markdown, rendered back by
   markdown-it-py (CommonMark + tables + strikethrough), is compared with the cleaned
   HTML: same text, list nesting, table cells and code blocks (with language).
2. The corpora (``corpus/web`` whole pages, ``corpus/rss`` posts): how many of cleanart's
   Markdown outputs are a fixed point (converting the output again changes nothing),
   and the word F1 of the rendered Markdown against ``-t txt``.

Usage: python benchmarks/markdown.py [--corpus DIR]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

from _common import DEFAULT_CORPUS, REPO, optional, table

sys.path.insert(0, str(REPO / "tests"))
from test_markdown import CASES, COMMONMARK, code_blocks, list_shape, squash, tables, tree

from cleanart import clean


def html2text_md(html: str) -> str:
    import html2text

    converter = html2text.HTML2Text()
    converter.body_width = 0
    return converter.handle(html)


def markdownify_md(html: str) -> str:
    import markdownify

    return markdownify.markdownify(html, heading_style="ATX", bullets="-")


def trafilatura_md(html: str) -> str:
    import trafilatura

    page = f"<html><body><article>{html}</article></body></html>"
    options = {"include_formatting": True, "include_links": True, "include_images": True}
    return trafilatura.extract(page, output_format="markdown", favor_recall=True, **options) or ""


def same_document(markdown: str, article) -> bool:
    cleaned, shown = tree(article.html), tree(COMMONMARK.render(markdown))
    return (
        squash(shown.text_content()) == squash(article.text)
        and list_shape(shown) == list_shape(cleaned)
        and tables(shown) == tables(cleaned)
        and code_blocks(shown) == code_blocks(cleaned)
    )


def constructs() -> list[list]:
    systems = [("cleanart", None), ("html2text", html2text_md), ("markdownify", markdownify_md)]
    systems.append(("trafilatura", trafilatura_md))
    rows = []
    for name, convert in systems:
        if convert is not None and not optional(name):
            rows.append([name, "not installed", ""])
            continue
        failed = []
        for case in CASES:
            source = case.values[0]
            article = clean(source)
            markdown = article.markdown if convert is None else convert(article.html)
            if not same_document(markdown, article):
                failed.append(case.id.split(":", 2)[2])
        rows.append([name, f"{len(CASES) - len(failed)} of {len(CASES)}", ", ".join(failed[:4])])
    return rows


def words(text: str) -> Counter:
    return Counter(re.findall(r"[\u3400-\u9fff]|[^\W_]+", text.lower()))


def f1(shown: str, text: str) -> float:
    a, b = words(shown), words(text)
    common = sum((a & b).values())
    if not common:
        return float(a == b)
    precision, recall = common / sum(a.values()), common / sum(b.values())
    return 2 * precision * recall / (precision + recall)


def corpus_row(name: str, files: list[Path]) -> list:
    fixed, scores, unstable = 0, [], []
    for path in files:
        article = clean(path.read_bytes(), str(path))
        once = article.render("md")
        if clean(once).render("md") == once:
            fixed += 1
        else:
            unstable.append(path.name[:12])
        scores.append(f1(tree(COMMONMARK.render(article.markdown)).text_content(), article.text))
    low, mean = min(scores, default=0), sum(scores) / len(scores) if scores else 0
    return [name, f"{fixed} of {len(files)}", f"{low:.4f}", f"{mean:.4f}", " ".join(unstable)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="folder holding web/ and rss/")
    args = ap.parse_args()
    print("### Construct suite: Markdown renders back to the same text and structure\n")
    print(table(["system", "constructs", "first failures"], constructs()) + "\n")
    rows = []
    for name, pattern in (("web", "*.html"), ("rss", "*.md")):
        files = sorted((args.corpus / name).glob(pattern))
        if files:
            rows.append(corpus_row(name, files))
    print("### cleanart on the corpora\n")
    headers = ["corpus", "fixed points", "min F1 md vs txt", "mean F1", "not fixed"]
    print(table(headers, rows))


if __name__ == "__main__":
    main()
