"""Extraction quality: cleanart against trafilatura, readability-lxml, resiliparse and html2text.

Each system writes one plain-text prediction per input into a temporary folder,
which ../shared/eval/score.py then scores against the gold files.

  rss: posts NNN.md (YAML front matter + HTML body). The competitors get the body
       without the front matter, wrapped as <html><body>BODY</body></html>.
  web: whole saved pages ID.html, scored with --tokens words.
  wcxb: the WCXB development pages (ID.html.gz, seven page types), scored by
       ../shared/eval/wcxb_score.py (the benchmark's word F1), with pages/s.

Usage: python benchmarks/quality.py [--corpus DIR] [--only rss|web|wcxb]
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import (
    DEFAULT_CORPUS,
    DEFAULT_SCORER,
    WRAP,
    machine,
    need_dir,
    optional,
    split_front_matter,
    table,
)

BLOCKS = (
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "td",
    "th",
    "tr",
    "ul",
)


def block_text(html: str) -> str:
    """Text of an HTML fragment, block elements on lines of their own."""
    import lxml.html

    root = lxml.html.fromstring(html)
    for el in root.iter(*BLOCKS):
        el.text = "\n" + (el.text or "")
        el.tail = "\n" + (el.tail or "")
    return re.sub(r"\n\s*\n\s*", "\n\n", root.text_content()).strip()


def competitors(corpus: str) -> list[tuple[str, object]]:
    """(name, html -> text function, or None when the package is missing)."""
    traf, rdb, h2t = optional("trafilatura"), optional("readability"), optional("html2text")
    systems = [("trafilatura", traf and (lambda html: traf.extract(html) or ""))]
    systems.append(
        (
            "trafilatura favor_precision",
            traf and (lambda html: traf.extract(html, favor_precision=True) or ""),
        )
    )
    systems.append(("readability-lxml", rdb and (lambda html: block_text(rdb.Document(html).summary()))))
    resiliparse = optional("resiliparse.extract.html2text")
    systems.append(
        (
            "resiliparse main_content",
            resiliparse and (lambda html: resiliparse.extract_plain_text(html, main_content=True)),
        )
    )
    # <html><body> around the body changes nothing for html2text: it sees the raw body.
    systems.append(("html2text (no cleaning)", h2t and html2text_text))
    return systems


def html2text_text(html: str) -> str:
    import html2text

    conv = html2text.HTML2Text()  # one converter per document: it keeps state between calls
    conv.body_width = 0
    return conv.handle(html)


def read_input(path: Path, corpus: str) -> str:
    text = path.read_text(encoding="utf-8", errors="replace")
    return WRAP.format(split_front_matter(text)) if corpus == "rss" else text


def predict(extract, inputs: list[Path], corpus: str, pred: Path) -> None:
    for path in inputs:
        try:
            out = extract(read_input(path, corpus))
        except Exception:
            out = ""
        (pred / f"{path.stem}.txt").write_text(out, encoding="utf-8")


def pack_args(names: tuple[str, ...]) -> list[str]:
    """--rules arguments for some built-in packs only (site packs left out)."""
    from cleanart.rules import BUILTIN_DIR

    args = ["--no-builtin-rules"]
    for name in names:
        args += ["--rules", str(BUILTIN_DIR / f"{name}.yaml")]
    return args


# How cleanart runs in the table.  "leave-source-out" judges every source with nothing
# written for that source: the site packs are off, and the detector's weights are set by
# hand (not fitted), so no source's posts taught the run anything about themselves.
CLEANART_RUNS = {
    "cleanart (development: all packs)": [],
    "cleanart leave-source-out (site packs off)": pack_args(("generic", "zh", "en")),
    "cleanart detector only (generic pack)": pack_args(("generic",)),
    "cleanart, no detector (all packs)": ["--no-detector"],
}


def cleanart(src: Path, pred: Path, extra: list[str]) -> None:
    cmd = [
        sys.executable,
        "-m",
        "cleanart",
        "convert",
        str(src),
        "-o",
        str(pred),
        "-t",
        "txt",
        "-q",
        "-j",
        "1",  # one process, like the competitors' loops: pages/s compare per core
        *extra,
    ]
    done = subprocess.run(cmd, check=False, capture_output=True, text=True)
    if done.returncode not in (0, 1):  # 1 = some inputs failed: still score the rest
        sys.exit(f"error: {' '.join(cmd)} exited {done.returncode}\n{done.stderr}")


def score(scorer: Path, gold: Path, pred: Path, corpus: str) -> dict:
    cmd = [sys.executable, str(scorer), str(gold), str(pred), "--json"]
    if corpus == "web":
        cmd += ["--tokens", "words"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench(corpus: str, src: Path, scorer: Path) -> str:
    inputs = sorted(src.glob("*.md" if corpus == "rss" else "*.html"))
    rows = []
    for name, extract in [*((n, a) for n, a in CLEANART_RUNS.items()), *competitors(corpus)]:
        if extract is None:
            rows.append([name, "not installed", *[""] * (6 if corpus == "rss" else 5)])
            continue
        with tempfile.TemporaryDirectory(prefix=f"bench-{corpus}-") as tmp:
            pred = Path(tmp)
            start = time.perf_counter()
            if isinstance(extract, list):
                cleanart(src, pred, extract)
            else:
                predict(extract, inputs, corpus, pred)
            seconds = time.perf_counter() - start
            s = score(scorer, src, pred, corpus)
        leak = [f"{s['leak_rate']:.3f} ({s['boilerplate_leaked']}/{s['boilerplate_blocks']})"]
        rows.append(
            [
                name,
                f"{s['f1']:.3f}",
                f"{s['precision']:.3f}",
                f"{s['recall']:.3f}",
                *(leak if corpus == "rss" else []),
                s["lost"],
                s["empty_or_missing"],
                f"{seconds:.1f}",
            ]
        )
    headers = [
        "system",
        "F1",
        "precision",
        "recall",
        *(["leak rate"] if corpus == "rss" else []),
        "lost",
        "empty",
        "seconds",
    ]
    title = {
        "rss": f"rss: {len(inputs)} posts (front matter + HTML body), CJK tokens",
        "web": f"web: {len(inputs)} whole pages, word tokens",
    }[corpus]
    return f"### {title}\n\n{table(headers, rows)}\n"


WCXB_RUNS = ("cleanart (development: all packs)", "cleanart, no detector (all packs)")


def bench_wcxb(src: Path, scorer: Path) -> str:
    """The WCXB development pages (seven page types), scored by the benchmark's word F1."""
    import gzip

    pages = sorted(src.glob("*.html.gz"))
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-wcxb-") as tmp:
        html_dir = Path(tmp) / "pages"
        html_dir.mkdir()
        for page in pages:
            (html_dir / page.name[: -len(".gz")]).write_bytes(gzip.decompress(page.read_bytes()))
        inputs = sorted(html_dir.glob("*.html"))
        systems = [(n, CLEANART_RUNS[n]) for n in WCXB_RUNS]
        systems += [(n, f) for n, f in competitors("web") if not n.startswith("html2text")]
        for name, extract in systems:
            if extract is None:
                rows.append([name, "not installed", "", "", "", "", ""])
                continue
            pred = Path(tmp) / f"pred-{len(rows)}"
            pred.mkdir()
            start = time.perf_counter()
            if isinstance(extract, list):
                cleanart(html_dir, pred, extract)
            else:
                predict(extract, inputs, "web", pred)
            seconds = time.perf_counter() - start
            done = subprocess.run(
                [sys.executable, str(scorer), str(src), str(pred), "--json"], capture_output=True, text=True
            )
            result = json.loads(done.stdout.strip().splitlines()[-1])
            whole, article = result["all"], result["by_type"].get("article", {})
            rows.append(
                [
                    name,
                    f"{whole['f1']:.3f}",
                    f"{whole['precision']:.3f}",
                    f"{whole['recall']:.3f}",
                    f"{article.get('f1', 0):.3f}",
                    f"{whole['without_found']:.3f}",
                    f"{len(inputs) / seconds:.0f}",
                ]
            )
    headers = ["system", "F1", "precision", "recall", "F1 articles", "drop-snippets kept", "pages/s"]
    return f"### wcxb-dev: {len(pages)} pages of seven types, word F1\n\n{table(headers, rows)}\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
    )
    ap.add_argument(
        "--corpus",
        type=Path,
        default=DEFAULT_CORPUS,
        help="folder holding rss/ and web/ (default: %(default)s)",
    )
    ap.add_argument("--scorer", type=Path, default=DEFAULT_SCORER, help="default: %(default)s")
    ap.add_argument("--only", choices=["rss", "web", "wcxb"], help="run one corpus only")
    args = ap.parse_args(argv)

    if not args.scorer.is_file():
        sys.exit(f"error: scorer not found: {args.scorer} (give it with --scorer FILE)")
    corpora = [args.only] if args.only else ["rss", "web", "wcxb"]
    folders = {"rss": "rss", "web": "web", "wcxb": "wcxb-dev"}
    dirs = {c: need_dir(args.corpus / folders[c], f"{c} corpus") for c in corpora}
    logging.disable(logging.WARNING)  # trafilatura and readability log about every empty page
    print(machine() + "\n")
    for c in corpora:
        if c == "wcxb":
            print(bench_wcxb(dirs[c], args.scorer.with_name("wcxb_score.py")), flush=True)
        else:
            print(bench(c, dirs[c], args.scorer), flush=True)
    print(
        "F1/precision/recall: 4-token shingles, per-document means. leak rate: share of "
        "boilerplate blocks found in the output. lost: documents with gold content but an "
        "empty output. empty: all empty or missing outputs. seconds: wall time to write the "
        "predictions (cleanart: one CLI process, start-up included)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
