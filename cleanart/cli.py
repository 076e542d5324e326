"""The ``cleanart`` command: parses arguments, reports, and leaves the work to the API.

Messages go to stderr as ``cleanart: PATH: message`` (one line each); results go to
stdout or to files.  Exit codes: 0 all converted, 1 some failed, 2 usage, 130
interrupted (143 by SIGTERM).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import List, Optional

import typer

from . import __version__

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Clean scraped articles (front matter + HTML) into Markdown, plain text or JSON.",
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class Reporter:
    """Knows where messages go and whether stderr is a terminal (httpie's Environment)."""

    def __init__(self, quiet: bool = False):
        self.quiet = quiet
        self.tty = sys.stderr.isatty() and not os.environ.get("CI")

    live = None  # a rich console showing a progress bar: messages go above it

    def say(self, source: str, message: str) -> None:
        if self.quiet and message.startswith("warning:"):
            return
        from .batch import shown

        line = f"cleanart: {shown(source)}: {message}" if source else f"cleanart: {message}"
        if self.live is not None:
            self.live.print(line, markup=False, highlight=False, soft_wrap=True)
            return
        sys.stderr.write(line + "\n")
        sys.stderr.flush()


# More worker processes than this only fork for minutes: 8 per CPU, at least 32.
MAX_JOBS = max(32, 8 * (os.cpu_count() or 1))


def fail_usage(message: str) -> None:
    sys.stderr.write(f"cleanart: {message}\nTry 'cleanart convert --help'.\n")
    raise typer.Exit(2)


def _check_encoding(encoding: str | None) -> None:
    """--encoding must name a text encoding (rot13 and base64 are codecs, not encodings)."""
    if not encoding:
        return
    from .reader import canonical

    try:
        canonical(encoding)
    except LookupError as exc:
        known = "not a text encoding" in str(exc)
        fail_usage(f"--encoding {encoding}: " + ("not a text encoding" if known else "unknown encoding"))


def version_callback(value: bool):
    if value:
        sys.stdout.write(f"cleanart {__version__}\n")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=version_callback, is_eager=True, help="Print the version and exit."
    ),
):
    """Clean scraped articles (front matter + HTML) into Markdown, plain text or JSON."""


CONVERT_HELP = """Convert articles (files, folders, or - for stdin) to clean Markdown, text or JSON.

\b
Examples:
  cleanart convert post.md                      Markdown with a YAML header, on stdout
  cleanart convert post.md -t txt | wc -m       plain text
  cat post.md | cleanart convert - -t json | jq -r .title
  cleanart convert post.md -o post.clean.md     to a file
  cleanart convert posts/ -o clean/ -j 8        a folder, mirrored, 8 workers
  find posts -name '*.md' -print0 | cleanart convert --files-from - -0 -o out

\b
Exit status: 0 all converted, 1 some inputs failed, 2 usage error, 130 interrupted
(143 by SIGTERM).
"""


def balance_option(precision: bool, recall: bool, no_detector: bool) -> str:
    if precision + recall + no_detector > 1:
        fail_usage("choose one of --precision, --recall and --no-detector")
    return "precision" if precision else "recall" if recall else "off" if no_detector else "balanced"


@app.command(help=CONVERT_HELP, no_args_is_help=False)
def convert(
    paths: List[str] = typer.Argument(None, help="Files, folders, or - for stdin.", show_default=False),
    to: Optional[str] = typer.Option(
        None,
        "-t",
        "--to",
        help="Output format: md, txt, json, html (aliases markdown, text). Default md; json for "
        "record files (.jsonl, .warc) and -o FILE.jsonl.",
        show_default=False,
    ),
    output: Optional[str] = typer.Option(
        None,
        "-o",
        "--output",
        help="Output file, or folder for several inputs (mirrors the input tree; records are named "
        "from their URL); FILE.jsonl collects JSON Lines. A URL (s3://...) with cleanart[remote].",
    ),
    encoding: Optional[str] = typer.Option(
        None, "--encoding", help="Decode inputs with this encoding instead of detecting it."
    ),
    strict: bool = typer.Option(
        False, "--strict", help="Treat header problems and other warnings as failures."
    ),
    keep_indent: bool = typer.Option(
        False, "--keep-indent", help="Keep U+3000 / &nbsp; paragraph indentation."
    ),
    front_matter: Optional[bool] = typer.Option(
        None,
        "--front-matter/--no-front-matter",
        help="Prepend the YAML header (default: yes for md, no for txt).",
        show_default=False,
    ),
    links: bool = typer.Option(
        True, "--links/--no-links", help="Keep links (--no-links keeps their text only)."
    ),
    images: bool = typer.Option(True, "--images/--no-images", help="Keep images."),
    pretty: bool = typer.Option(False, "--pretty", help="Indent JSON output."),
    rules: List[Path] = typer.Option([], "--rules", help="Extra rule file (repeatable)."),
    no_builtin_rules: bool = typer.Option(
        False, "--no-builtin-rules", help="Use only the rule files given with --rules."
    ),
    keep_credits: bool = typer.Option(
        False, "--keep-credits", help="Keep editor/source credit lines in the body."
    ),
    precision: bool = typer.Option(
        False, "--precision", help="Boilerplate detector: remove more (may lose a borderline line)."
    ),
    recall: bool = typer.Option(False, "--recall", help="Boilerplate detector: remove only the clearest."),
    no_detector: bool = typer.Option(
        False, "--no-detector", help="Only rules remove boilerplate (no generic detector)."
    ),
    learn: bool = typer.Option(
        False, "--learn", help="Learn each source's template from the inputs first, and remove it."
    ),
    jobs: Optional[int] = typer.Option(
        None, "-j", "--jobs", help="Worker processes (default: number of CPUs; 1 runs in-process)."
    ),
    globs: List[str] = typer.Option(
        [],
        "--glob",
        help="File pattern for folders (repeatable; default *.md *.markdown *.html *.htm *.xhtml).",
    ),
    files_from: Optional[str] = typer.Option(
        None, "--files-from", help="Read input paths from FILE (- for stdin), one per line."
    ),
    null: bool = typer.Option(False, "-0", "--null", help="--files-from paths are NUL-separated."),
    update: bool = typer.Option(
        False, "-u", "--update", help="Skip inputs whose output is newer than the input."
    ),
    overwrite: bool = typer.Option(
        True, "--overwrite", help="Replace existing outputs (the default).", hidden=True
    ),
    fail_fast: bool = typer.Option(False, "--fail-fast", help="Stop at the first failure."),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="Print errors only."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
    html_fields: List[str] = typer.Option(
        [],
        "--html-field",
        help="JSON Lines: the field holding the HTML (repeatable, first found wins; "
        "default html, body, content, raw).",
    ),
    meta_fields: List[str] = typer.Option(
        [],
        "--field",
        help="JSON Lines: a field carried into the header (repeatable; default every other string field).",
    ),
    engine: str = typer.Option(
        "local", "--engine", help="local (worker processes) or dask (a local Dask cluster of -j workers)."
    ),
    scheduler: Optional[str] = typer.Option(
        None, "--scheduler", help="Run on the Dask cluster at this address (tcp://HOST:8786); cleanart[dask]."
    ),
    partition_size: int = typer.Option(
        64, "--partition-size", help="Dask: inputs (files or records) per partition.", min=1
    ),
):
    from . import storage
    from .api import FORMATS, Options

    paths = [storage.local(p) for p in paths or []]
    output = storage.local(output) if output is not None else None
    jsonl_out = output is not None and output.lower().endswith(".jsonl")
    record_run = bool(paths) and all(storage.record_kind(p) for p in paths)
    fmt = FORMATS.get((to if to is not None else ("json" if jsonl_out or record_run else "md")).lower())
    if fmt is None:
        fail_usage(f"unknown format {to!r} (choose md, txt, json or html)")
    if jsonl_out and fmt != "json":
        fail_usage(f"-o {output} holds JSON Lines: use -t json (or leave -t out)")
    if engine not in ("local", "dask"):
        fail_usage(f"unknown engine {engine!r} (choose local or dask)")
    dask_run = engine == "dask" or scheduler is not None
    for where in [*paths, *([output] if output else [])]:
        try:
            storage.check(where)
        except storage.StorageError as exc:
            fail_usage(str(exc))
        if dask_run and storage.in_process_only(where):
            fail_usage(f"{where}: memory:// lives in this process only; Dask workers cannot reach it")
    if dask_run and ("-" in paths or files_from == "-"):
        fail_usage("Dask workers cannot read stdin: name files, folders or URLs")
    if learn and any(storage.record_kind(p) for p in paths):
        fail_usage("--learn reads files, not records: convert the record files without it")
    if files_from is None and not paths:
        if sys.stdin.isatty():
            fail_usage("no input given (name files or folders, or - for stdin)")
        paths = ["-"]
    if jobs is not None and not 1 <= jobs <= MAX_JOBS:
        fail_usage(f"--jobs must be between 1 and {MAX_JOBS}")
    if null and files_from is None:
        fail_usage("-0 needs --files-from")
    if paths.count("-") > 1 or (files_from == "-" and "-" in paths):
        fail_usage("stdin (-) can be read only once")
    _check_encoding(encoding)
    report = Reporter(quiet)
    options = Options(
        encoding=encoding,
        strict=strict,
        keep_indent=keep_indent,
        links=links,
        images=images,
        front_matter=front_matter,
        rules=tuple(str(r) for r in rules),
        builtin_rules=not no_builtin_rules,
        keep_credits=keep_credits,
        balance=balance_option(precision, recall, no_detector),
    )
    from .rules import RuleError

    try:
        from .api import load_rules

        load_rules(options)  # a bad rule file stops the run before any input is read
    except RuleError as exc:
        report.say("", str(exc))
        raise typer.Exit(2) from None
    from . import batch

    to_dir = (
        output is not None
        and not jsonl_out
        and (
            len(paths) > 1
            or files_from is not None
            or any(storage.is_dir(p) or storage.record_kind(p) for p in paths)
            or storage.is_dir(output)
            or output.endswith((os.sep, "/"))
        )
    )
    if to_dir:
        for given in paths:
            if os.path.isdir(given) and _same_file(given, output):
                fail_usage(f"-o {output} is the input folder {given}; choose another output folder")
    globs_used = tuple(globs) or batch.DEFAULT_GLOBS
    exclude = output if to_dir and not storage.is_url(output) else None

    def tasks():
        if files_from == "-":
            yield from batch.listed(batch.read_list(sys.stdin.buffer, null))
        elif files_from is not None:
            with open(files_from, "rb") as stream:
                yield from batch.listed(batch.read_list(stream, null))
        yield from batch.walk(paths, globs_used, exclude)

    def inputs():
        """The tasks, each file of records replaced by its records (only then is records.py imported)."""
        for task in tasks():
            if storage.record_kind(task.path) and not task.status:
                from .records import expand

                yield from expand([task])
            else:
                yield task

    if files_from is not None and files_from != "-" and not os.path.isfile(files_from):
        fail_usage(f"--files-from {files_from}: no such file")
    many = (
        to_dir
        or jsonl_out
        or len(paths) > 1
        or any(storage.is_dir(p) or storage.record_kind(p) for p in paths)
        or files_from is not None
    )
    workers = jobs or (os.cpu_count() or 1)
    if not many or any(storage.in_process_only(p) for p in [*paths, output or ""]):
        workers = 1
    if learn:
        if files_from == "-" or "-" in paths:
            fail_usage("--learn reads the inputs twice: name files or folders, not stdin")
        options = replace(options, templates=batch.learn(tasks(), options, workers))
    job = batch.Job(
        fmt,
        options,
        pretty,
        write=output is not None and not jsonl_out,
        debug=debug,
        out_dir=output if to_dir else None,
        fields=_record_fields(html_fields, meta_fields),
        update=update,
    )
    counts = {"converted": 0, "skipped": 0, "failed": 0, "empty": 0}
    started = time.perf_counter()
    # Outputs already claimed in this run. One folder tree yields each folder's files
    # together, so remembering the current output folder is enough (memory stays flat);
    # several inputs or a list of files can collide anywhere, so then all are kept.
    remember_all = len(paths) > 1 or files_from is not None
    claimed: dict = {"folder": None, "names": set()}

    def planned():
        """Tasks with their output file; collisions and up-to-date outputs marked."""
        for task in inputs():
            if output is None or jsonl_out or task.record is not None or task.status == "bad":
                yield task  # a record's output is named from its URL, in the worker
                continue
            target = batch.target_for(task, output, fmt) if to_dir else output
            key = os.path.normcase(os.path.abspath(target))
            if not remember_all and os.path.dirname(key) != claimed["folder"]:
                claimed["folder"], claimed["names"] = os.path.dirname(key), set()
            if hash(key) in claimed["names"]:
                yield batch.Task(task.path, task.relative, str(target), "collision")
                continue
            claimed["names"].add(hash(key))
            if task.status:
                yield batch.Task(task.path, task.relative, str(target), task.status)
                continue
            if task.path != "-" and _same_file(task.path, target):
                yield batch.Task(task.path, task.relative, str(target), "self")
                continue
            if update and task.path != "-" and storage.newer(target, task.path):
                yield batch.Task(task.path, task.relative, str(target), "skip")
                continue
            yield batch.Task(task.path, task.relative, str(target))

    # Counting walks the inputs once more; a list read from stdin can be read only once.
    # Nor are record files read twice just to count their records.
    uncountable = files_from == "-" or any(storage.record_kind(p) for p in paths)
    count = None if uncountable else (lambda: sum(1 for _ in inputs()))
    progress = _Progress(report, many and not quiet, count)
    first_output = True
    interrupted = 0  # the exit status when a signal stopped the run
    finished_early: list = []
    stdout_error = None
    cluster = _dask_cluster(scheduler, workers, report) if dask_run else None
    if cluster is not None:
        from .dask import run as dask_run_tasks

        results = dask_run_tasks(planned(), job, cluster.client, partition_size, finished=finished_early)
    else:
        results = batch.run(planned(), job, workers, finished=finished_early)
    try:
        sink = storage.Sink(output) if jsonl_out else None  # after the cluster: a usage error leaves no file
    except OSError as exc:
        if cluster is not None:
            cluster.close()
        report.say("", f"cannot write {output}: {exc.strerror or exc}")
        raise typer.Exit(1) from None
    emit = sink.write if sink is not None else _emit
    _on_sigterm_interrupt()
    completed = False
    try:
        for result in results:
            progress.advance(result)
            for message in result.messages:
                report.say(result.source, message)
            if result.skipped:
                counts["skipped"] += 1
                continue
            if not result.ok:
                counts["failed"] += 1
                if fail_fast:
                    break
                continue
            if result.output is not None:
                try:
                    separator = "\n" if not first_output and fmt in ("md", "txt", "html") else ""
                    emit(separator + result.output)
                except BrokenPipeError:
                    raise
                except OSError as exc:  # a full disk, a file size limit: stop, say so once
                    stdout_error = exc
                    counts["failed"] += 1
                    break
                first_output = False
            counts["converted"] += 1
            counts["empty"] += result.empty
        completed = True
    except KeyboardInterrupt as exc:
        interrupted = 143 if isinstance(exc, Terminated) else 130
        _ignore_interrupts()  # the run is ending: a second signal must not cut the summary
        results.close()  # stops the workers; what they finished lands in finished_early
        # Outputs that workers wrote before the interrupt reached them count as converted.
        counts["converted"] += sum(1 for r in finished_early if r.ok and not r.skipped)
    except BrokenPipeError:
        _quiet_broken_pipe()
        raise typer.Exit(1 if counts["failed"] else 0) from None
    finally:
        results.close()  # stops the workers now, not at interpreter exit
        progress.stop()
        if cluster is not None:
            cluster.close()
        if sink is not None:
            if completed and stdout_error is None:
                sink.commit()
            else:
                sink.discard()  # an interrupted run leaves no half-filled file
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_broken_pipe()
    except OSError as exc:
        stdout_error = stdout_error or exc
    if stdout_error is not None:
        _quiet_broken_pipe()  # what is still buffered must not fail again at exit
        where = output if sink is not None else "standard output"
        report.say("", f"cannot write to {where}: {stdout_error.strerror or stdout_error}")
    elapsed = time.perf_counter() - started
    if (many or interrupted) and not (quiet and not interrupted):
        report.say(
            "",
            ("interrupted: " if interrupted else "")
            + f"{counts['converted']} converted, {counts['skipped']} skipped, "
            f"{counts['failed']} failed, {counts['empty']} empty in {elapsed:.1f} s",
        )
    if interrupted:
        raise typer.Exit(interrupted)
    raise typer.Exit(1 if counts["failed"] or stdout_error else 0)


@app.command("learn")
def learn_command(
    paths: List[str] = typer.Argument(..., help="Folders or files of posts from the sources to learn."),
    output: Optional[Path] = typer.Option(
        None, "-o", "--output", help="Write the rule pack here (default: stdout)."
    ),
    rules: List[Path] = typer.Option([], "--rules", help="Extra rule file (repeatable)."),
    no_builtin_rules: bool = typer.Option(False, "--no-builtin-rules", help="Leave the built-in packs out."),
    globs: List[str] = typer.Option([], "--glob", help="File pattern for folders (repeatable)."),
    jobs: Optional[int] = typer.Option(None, "-j", "--jobs", help="Worker processes."),
):
    """Learn each source's template (blocks that recur across its posts) as a rule pack for --rules."""
    from . import batch
    from .api import Options, load_rules
    from .cleaning.templates import as_pack
    from .rules import RuleError
    from .writer import write_atomic

    if "-" in paths:
        fail_usage("learn reads the inputs twice: name files or folders, not stdin")
    options = Options(rules=tuple(str(r) for r in rules), builtin_rules=not no_builtin_rules)
    try:
        load_rules(options)
    except RuleError as exc:
        Reporter().say("", str(exc))
        raise typer.Exit(2) from None
    workers = max(1, jobs or (os.cpu_count() or 1))

    def walk():
        return batch.walk(paths, tuple(globs) or batch.DEFAULT_GLOBS, None)

    templates = batch.learn(walk(), options, workers)
    pack = as_pack(templates, batch.template_samples(walk(), options, workers, templates))
    if output is None:
        sys.stdout.write(pack)
    else:
        write_atomic(str(output), pack)
    blocks = sum(len(t.blocks) for t in templates.values())
    Reporter().say("", f"learned {blocks} template blocks from {len(templates)} sources")


@app.command("rules")
def rules_command(
    check: List[Path] = typer.Option(
        [], "--check", help="Validate a rule file and report each mistake with its line (repeatable)."
    ),
    extra: List[Path] = typer.Option([], "--rules", help="Also list the rules of this file (repeatable)."),
    no_builtin_rules: bool = typer.Option(False, "--no-builtin-rules", help="Leave the built-in packs out."),
):
    """List every rule (id, scope, action, description), or check rule files."""
    from .rules import RuleError, check_file, load_rules

    if check:
        bad = 0
        for path in check:
            found, errors = check_file(path)
            for error in errors:
                sys.stderr.write(f"cleanart: {error}\n")
            bad += len(errors)
            if not errors:
                try:
                    _emit(f"{path}: {len(found)} rules, no mistakes\n")
                except OSError as exc:
                    _stdout_failed(exc)
        raise typer.Exit(1 if bad else 0)
    try:
        rules = load_rules(tuple(str(p) for p in extra), not no_builtin_rules)
    except RuleError as exc:
        Reporter().say("", str(exc))
        raise typer.Exit(2) from None
    rows = [(r.id, _scope_text(r), r.action, r.target, r.description) for r in rules]
    _table(("rule", "scope", "action", "matches", "description"), rows)


def _scope_text(rule) -> str:
    return "; ".join(f"{k}={'|'.join(v)}" for k, v in rule.scope) or "-"


def _table(header, rows) -> None:
    """A rich table on a terminal; tab-separated lines (no header) in a pipe."""
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table(*header, show_lines=False)
        for row in rows:
            table.add_row(*(str(c) for c in row))
        Console(no_color=bool(os.environ.get("NO_COLOR"))).print(table)
        return
    try:
        _emit("".join("\t".join(" ".join(str(c).split()) for c in row) + "\n" for row in rows))
    except BrokenPipeError:
        _quiet_broken_pipe()
    except OSError as exc:
        _stdout_failed(exc)


def _emit(text: str) -> None:
    """Write ``text`` to stdout whole, or raise OSError.

    Straight to the file descriptor, in a loop: under a file size limit (``ulimit -f``)
    the system writes part of the text and returns, and Python's buffered stream lets
    the rest go without an error.
    """
    stream = sys.stdout
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file: a test's capture
        stream.write(text)
        return
    stream.flush()
    data = memoryview(text.encode(stream.encoding or "utf-8", stream.errors or "strict"))
    while data:
        data = data[os.write(fd, data) :]


def _stdout_failed(exc: OSError) -> None:
    """Stdout cannot take the output (a full disk, a size limit): one line, exit 1."""
    _quiet_broken_pipe()
    Reporter().say("", f"cannot write to standard output: {exc.strerror or exc}")
    raise typer.Exit(1)


@app.command()
def explain(
    path: str = typer.Argument(..., help="The article to explain (- for stdin)."),
    rules: List[Path] = typer.Option([], "--rules", help="Extra rule file (repeatable)."),
    no_builtin_rules: bool = typer.Option(
        False, "--no-builtin-rules", help="Use only the rule files given with --rules."
    ),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="Decode the input with this encoding."),
    precision: bool = typer.Option(False, "--precision", help="The detector as with convert --precision."),
    recall: bool = typer.Option(False, "--recall", help="The detector as with convert --recall."),
    no_detector: bool = typer.Option(False, "--no-detector", help="Rules only, no generic detector."),
):
    """Show what cleaning removed, moved and unwrapped, block by block, with the rule id
    (or the detector's reasons)."""
    from .api import CleanartError, Options, clean
    from .frontmatter import HeaderError
    from .rules import RuleError

    _check_encoding(encoding)
    options = Options(
        encoding=encoding,
        rules=tuple(str(r) for r in rules),
        builtin_rules=not no_builtin_rules,
        balance=balance_option(precision, recall, no_detector),
    )
    report = Reporter()
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
        article = clean(data, path, options)
    except RuleError as exc:
        report.say("", str(exc))
        raise typer.Exit(2) from None
    except OSError as exc:
        report.say(path, exc.strerror or str(exc))
        raise typer.Exit(1) from None
    except (HeaderError, CleanartError, ValueError, LookupError) as exc:
        report.say(path, f"bad header: {exc}" if isinstance(exc, HeaderError) else str(exc))
        raise typer.Exit(1) from None
    for warning in article.warnings:
        report.say(path, f"warning: {warning}")
    # "why": the metadata field a move fills, or the detector's / template's reasons.
    rows = [
        (a.action, a.rule, a.field or a.reasons, a.text)
        for a in article.actions
        if a.text.strip() or a.action != "remove"
    ]
    _table(("action", "rule", "why", "text"), rows)
    meta = {k: v for k, v in article.meta.items() if v not in (None, "", [])}
    _table(("metadata", "value"), [(k, v if isinstance(v, str) else _json(v)) for k, v in meta.items()])


def _json(value) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


class Terminated(KeyboardInterrupt):
    """SIGTERM: handled as Ctrl-C is (workers stopped, summary printed), exit status 143."""


def _raise_terminated(signum, frame) -> None:
    raise Terminated()


def _on_sigterm_interrupt() -> None:
    try:
        signal.signal(signal.SIGTERM, _raise_terminated)
    except ValueError:  # not the main thread (a test runner): leave SIGTERM alone
        pass


def _ignore_interrupts() -> None:
    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)
    except ValueError:
        pass


def _record_fields(html: list[str], meta: list[str]):
    """--html-field and --field as records.Fields; None (the defaults) when neither is given."""
    if not (html or meta):
        return None
    from .records import HTML_FIELDS, Fields

    return Fields(tuple(html) or HTML_FIELDS, tuple(meta) or None)


def _dask_cluster(scheduler: str | None, workers: int, report: Reporter):
    """The Dask scheduler's client, or a local cluster of ``workers`` processes; exit 2 if none."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        fail_usage("--engine dask and --scheduler need Dask: pip install 'cleanart[dask]'")
    from . import dask

    try:
        cluster = dask.Cluster(scheduler, workers)
    except (OSError, TimeoutError) as exc:
        report.say("", f"cannot reach the Dask scheduler {scheduler}: {exc}")
        raise typer.Exit(2) from None
    problem = dask.check_workers(cluster.client)
    if problem:
        cluster.close()
        report.say("", problem)
        raise typer.Exit(2)
    return cluster


def _same_file(path, other) -> bool:
    """Whether two paths name one file (``other`` usually does not exist yet: one stat)."""
    try:
        theirs = os.stat(other)
        mine = os.stat(path)
    except OSError:
        return False
    return (mine.st_dev, mine.st_ino) == (theirs.st_dev, theirs.st_ino)


def _quiet_broken_pipe() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


class _Progress:
    """A rich progress bar on a terminal, for batches; nothing in pipes, files or CI."""

    def __init__(self, report: Reporter, wanted: bool, count):
        self.bar = None
        self.report = report
        self.failed = 0
        if not (wanted and report.tty):
            return
        total = count() if count is not None else None
        if total is not None and total < 2:
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        console = Console(stderr=True, no_color=bool(os.environ.get("NO_COLOR")))
        self.bar = Progress(
            TextColumn("converting"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} files/s"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[failed]} failed"),
            console=console,
            transient=True,
        )
        self.task = self.bar.add_task("convert", total=total, rate="-", failed=0)
        self.started = time.perf_counter()
        self.bar.start()
        report.live = console

    def advance(self, result) -> None:
        if self.bar is None:
            return
        self.failed += not result.ok
        done = self.bar.tasks[0].completed + 1
        rate = done / max(time.perf_counter() - self.started, 1e-6)
        self.bar.update(self.task, advance=1, rate=f"{rate:.0f}", failed=self.failed)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.report.live = None


def main() -> None:
    try:
        app(prog_name="cleanart")
    except KeyboardInterrupt as exc:
        sys.exit(143 if isinstance(exc, Terminated) else 130)
