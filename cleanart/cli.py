"""The ``cleanart`` command: a thin layer over the API and the batch layer.

Each command reads its options into an ``Options`` (how to clean) and, for convert, a
``batch.Request`` (what to convert, and where to); the batch layer plans and runs the
work; this module only reports.  Everything it reads and writes goes through one
``Environment`` (streams, terminals, colour), so tests run it in-process with a fake.

Messages go to stderr as ``cleanart: PATH: message`` (one line each); results go to
stdout or to files.  Exit codes: 0 all converted, 1 some failed, 2 usage, 130
interrupted (143 by SIGTERM).
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import replace
from pathlib import Path
from typing import List, Optional

import typer

from .environment import Environment
from .errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_TERMINATED, EXIT_USAGE

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Clean scraped articles (front matter + HTML) into Markdown, plain text or JSON.",
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def environment(ctx: typer.Context) -> Environment:
    """The run's environment: a test's (``app(obj=Environment(...))``), else the process's."""
    found = ctx.find_object(Environment)
    return found if found is not None else Environment.current()


class Reporter:
    """One message line each, on stderr (above the progress bar while one shows)."""

    def __init__(self, env: Environment, quiet: bool = False, command: str = "convert"):
        self.env = env
        self.quiet = quiet
        self.command = command  # named in a usage error's hint
        self.live = None  # a rich console showing a progress bar: messages go above it

    def say(self, source: str, message: str) -> None:
        if self.quiet and message.startswith("warning:"):
            return
        from .batch import shown

        line = f"cleanart: {shown(source)}: {message}" if source else f"cleanart: {message}"
        if self.live is not None:
            self.live.print(line, markup=False, highlight=False, soft_wrap=True)
        else:
            self.env.say(line)

    def usage(self, message: str) -> None:
        """A usage error: the message, a hint, exit status 2."""
        self.env.say(f"cleanart: {message}\nTry 'cleanart {self.command} --help'.")
        raise typer.Exit(EXIT_USAGE)

    def rules_failed(self, error) -> None:
        """A bad rule file stops the run before any input is read."""
        self.say("", str(error))
        raise typer.Exit(EXIT_USAGE)

    def stdout_failed(self, exc: OSError) -> None:
        """Stdout cannot take the output (a full disk, a size limit): one line, exit 1."""
        self.env.silence_stdout()
        self.say("", f"cannot write to standard output: {exc.strerror or exc}")
        raise typer.Exit(EXIT_FAILED)


# More worker processes than this only fork for minutes: 8 per CPU, at least 32.
MAX_JOBS = max(32, 8 * (os.cpu_count() or 1))


def _check_encoding(report: Reporter, encoding: str | None) -> None:
    """--encoding must name a text encoding (rot13 and base64 are codecs, not encodings)."""
    if not encoding:
        return
    from .reader import canonical

    try:
        canonical(encoding)
    except LookupError as exc:
        known = "not a text encoding" in str(exc)
        report.usage(f"--encoding {encoding}: " + ("not a text encoding" if known else "unknown encoding"))


def version_callback(ctx: typer.Context, value: bool):
    if value:
        from . import __version__

        environment(ctx).stdout.write(f"cleanart {__version__}\n")
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


def balance_option(report: Reporter, precision: bool, recall: bool, no_detector: bool) -> str:
    if precision + recall + no_detector > 1:
        report.usage("choose one of --precision, --recall and --no-detector")
    return "precision" if precision else "recall" if recall else "off" if no_detector else "balanced"


def _load_rules(report: Reporter, options) -> None:
    """Load (and cache) the rules now: a bad rule file stops the run before any input is read."""
    from .api import load_rules
    from .errors import RuleError

    try:
        load_rules(options)
    except RuleError as exc:
        report.rules_failed(exc)


@app.command(help=CONVERT_HELP, no_args_is_help=False)
def convert(
    ctx: typer.Context,
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
    from . import batch, storage
    from .api import FORMATS, Options
    from .errors import UsageError

    env = environment(ctx)
    report = Reporter(env, quiet)
    paths = [storage.local(p) for p in paths or []]  # file:// URLs are local paths
    output = storage.local(output) if output is not None else None
    # Records in, or one JSON Lines file out: JSON unless -t says otherwise.
    records_only = bool(paths) and all(storage.record_kind(p) for p in paths)
    jsonl_out = batch.collects_jsonl(output)
    fmt = FORMATS.get((to if to is not None else "json" if records_only or jsonl_out else "md").lower())
    if fmt is None:
        report.usage(f"unknown format {to!r} (choose md, txt, json or html)")
    if jsonl_out and fmt != "json":
        report.usage(f"-o {output} holds JSON Lines: use -t json (or leave -t out)")
    if engine not in ("local", "dask"):
        report.usage(f"unknown engine {engine!r} (choose local or dask)")
    on_dask = engine == "dask" or scheduler is not None
    if files_from is None and not paths:
        if env.stdin_isatty:
            report.usage("no input given (name files or folders, or - for stdin)")
        paths = ["-"]
    if jobs is not None and not 1 <= jobs <= MAX_JOBS:
        report.usage(f"--jobs must be between 1 and {MAX_JOBS}")
    _check_encoding(report, encoding)
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
        balance=balance_option(report, precision, recall, no_detector),
    )
    _load_rules(report, options)
    request = batch.Request(
        paths=tuple(paths or ()),
        files_from=files_from,
        null=null,
        output=output,
        globs=tuple(globs) or batch.DEFAULT_GLOBS,
        update=update,
        reads_twice=learn,
        elsewhere=on_dask,
    )
    try:
        plan = batch.Plan(request, fmt, env.stdin)
    except UsageError as exc:
        report.usage(str(exc))
    workers = (jobs or env.cpus) if plan.many and not plan.in_process else 1
    if learn:
        options = replace(options, templates=batch.learn(plan.tasks(), options, workers))
    job = batch.Job(
        fmt,
        options,
        pretty,
        write=output is not None and not plan.jsonl,
        debug=debug,
        out_dir=plan.out_dir,
        fields=_record_fields(html_fields, meta_fields),
        update=update,
    )
    cluster = _dask_cluster(report, scheduler, workers) if on_dask else None
    run = _Run(env, report, plan, fail_fast)
    raise typer.Exit(run.run(job, workers, cluster, partition_size))


class _Run:
    """One convert run: results reported as they come, counted, and summed up."""

    def __init__(self, env: Environment, report: Reporter, plan, fail_fast: bool):
        self.env, self.report, self.plan, self.fail_fast = env, report, plan, fail_fast
        self.counts = {"converted": 0, "skipped": 0, "failed": 0, "empty": 0}
        self.stdout_error: OSError | None = None
        self.first_output = True
        self.emit = env.write  # stdout, or the -o FILE.jsonl being filled
        self.where = "standard output"

    def run(self, job, workers: int, cluster=None, partition_size: int = 64) -> int:
        """Convert everything (on ``cluster``, a ``dask.Cluster``, when given); the exit status."""
        from . import batch, storage

        started = time.perf_counter()
        report, counts = self.report, self.counts
        try:
            sink = storage.Sink(self.plan.request.output) if self.plan.jsonl else None
        except OSError as exc:
            if cluster is not None:
                cluster.close()
            report.say("", f"cannot write {self.plan.request.output}: {exc.strerror or exc}")
            return EXIT_FAILED
        if sink is not None:
            self.emit, self.where = sink.write, self.plan.request.output
        progress = _Progress(report, self.plan.many and not report.quiet, self.plan.count)
        interrupted = 0  # the exit status when a signal stopped the run
        finished_early: list = []
        if cluster is not None:
            from .dask import run as on_cluster

            results = on_cluster(
                self.plan.planned(), job, cluster.client, partition_size, finished=finished_early
            )
        else:
            results = batch.run(self.plan.planned(), job, workers, finished=finished_early)
        restore = _on_sigterm_interrupt()
        completed = False
        try:
            for result in results:
                progress.advance(result)
                if not self._take(result, job.fmt):
                    break
            completed = True
        except KeyboardInterrupt as exc:
            interrupted = EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED
            _ignore_interrupts()  # the run is ending: a second signal must not cut the summary
            results.close()  # stops the workers; what they finished lands in finished_early
            # Outputs that workers wrote before the interrupt reached them count as converted.
            counts["converted"] += sum(1 for r in finished_early if r.ok and not r.skipped)
        except BrokenPipeError:
            self.env.silence_stdout()
            return EXIT_FAILED if counts["failed"] else EXIT_OK
        finally:
            results.close()  # stops the workers now, not at interpreter exit
            progress.stop()
            restore()
            if cluster is not None:
                cluster.close()
            if sink is not None:
                if completed and self.stdout_error is None:
                    sink.commit()
                else:
                    sink.discard()  # an interrupted run leaves no half-filled file
        self._flush()
        elapsed = time.perf_counter() - started
        if (self.plan.many or interrupted) and not (report.quiet and not interrupted):
            report.say(
                "",
                ("interrupted: " if interrupted else "")
                + f"{counts['converted']} converted, {counts['skipped']} skipped, "
                f"{counts['failed']} failed, {counts['empty']} empty in {elapsed:.1f} s",
            )
        if interrupted:
            return interrupted
        return EXIT_FAILED if counts["failed"] or self.stdout_error else EXIT_OK

    def _take(self, result, fmt: str) -> bool:
        """Report and count one result, print its output; False to stop the run."""
        counts = self.counts
        for message in result.messages:
            self.report.say(result.source, message)
        if result.skipped:
            counts["skipped"] += 1
            return True
        if not result.ok:
            counts["failed"] += 1
            return not self.fail_fast
        if result.output is not None:
            try:
                separator = "\n" if not self.first_output and fmt in ("md", "txt", "html") else ""
                if separator:
                    self.emit(separator)
                self.emit(result.output)  # not joined to the separator: a copy of a huge output
            except BrokenPipeError:
                raise
            except OSError as exc:  # a full disk, a file size limit: stop, say so once
                self.stdout_error = exc
                counts["failed"] += 1
                return False
            self.first_output = False
        counts["converted"] += 1
        counts["empty"] += result.empty
        return True

    def _flush(self) -> None:
        try:
            self.env.stdout.flush()
        except BrokenPipeError:
            self.env.silence_stdout()
        except OSError as exc:
            self.stdout_error = self.stdout_error or exc
        if self.stdout_error is not None:
            self.env.silence_stdout()  # what is still buffered must not fail again at exit
            error = self.stdout_error
            self.report.say("", f"cannot write to {self.where}: {error.strerror or error}")


def _record_fields(html: list[str], meta: list[str]):
    """--html-field and --field as records.Fields; None (the defaults) when neither is given."""
    if not (html or meta):
        return None
    from .records import HTML_FIELDS, Fields

    return Fields(tuple(html) or HTML_FIELDS, tuple(meta) or None)


def _dask_cluster(report: Reporter, scheduler: str | None, workers: int):
    """The Dask scheduler's client, or a local cluster of ``workers`` processes; exit 2 if none."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        report.usage("--engine dask and --scheduler need Dask: pip install 'cleanart[dask]'")
    from . import dask

    try:
        cluster = dask.Cluster(scheduler, workers)
    except (OSError, TimeoutError) as exc:
        report.say("", f"cannot reach the Dask scheduler {scheduler}: {exc}")
        raise typer.Exit(EXIT_USAGE) from None
    problem = dask.check_workers(cluster.client)
    if problem:
        cluster.close()
        report.say("", problem)
        raise typer.Exit(EXIT_USAGE)
    return cluster


@app.command("learn")
def learn_command(
    ctx: typer.Context,
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
    from .api import Options
    from .cleaning.templates import as_pack
    from .writer import write_atomic

    env = environment(ctx)
    report = Reporter(env, command="learn")
    if "-" in paths:
        report.usage("learn reads the inputs twice: name files or folders, not stdin")
    options = Options(rules=tuple(str(r) for r in rules), builtin_rules=not no_builtin_rules)
    _load_rules(report, options)
    workers = max(1, jobs or env.cpus)

    def walk():
        return batch.walk(paths, tuple(globs) or batch.DEFAULT_GLOBS, None)

    templates = batch.learn(walk(), options, workers)
    pack = as_pack(templates, batch.template_samples(walk(), options, workers, templates))
    if output is None:
        env.stdout.write(pack)
    else:
        write_atomic(str(output), pack)
    blocks = sum(len(t.blocks) for t in templates.values())
    report.say("", f"learned {blocks} template blocks from {len(templates)} sources")


@app.command("rules")
def rules_command(
    ctx: typer.Context,
    check: List[Path] = typer.Option(
        [], "--check", help="Validate a rule file and report each mistake with its line (repeatable)."
    ),
    extra: List[Path] = typer.Option([], "--rules", help="Also list the rules of this file (repeatable)."),
    no_builtin_rules: bool = typer.Option(False, "--no-builtin-rules", help="Leave the built-in packs out."),
):
    """List every rule (id, scope, action, description), or check rule files."""
    from .errors import RuleError
    from .rules import check_file, load_rules

    env = environment(ctx)
    report = Reporter(env, command="rules")
    if check:
        bad = 0
        for path in check:
            found, errors = check_file(path)
            for error in errors:
                env.say(f"cleanart: {error}")
            bad += len(errors)
            if not errors:
                try:
                    env.write(f"{path}: {len(found)} rules, no mistakes\n")
                except OSError as exc:
                    report.stdout_failed(exc)
        raise typer.Exit(EXIT_FAILED if bad else EXIT_OK)
    try:
        rules = load_rules(tuple(str(p) for p in extra), not no_builtin_rules)
    except RuleError as exc:
        report.rules_failed(exc)
    rows = [(r.id, _scope_text(r), r.action, r.target, r.description) for r in rules]
    _table(report, ("rule", "scope", "action", "matches", "description"), rows)


def _scope_text(rule) -> str:
    scope = [f"{k}={'|'.join(v)}" for k, v in rule.scope]
    scope += [f"{k}!={'|'.join(v)}" for k, v in rule.unless]
    return "; ".join(scope) or "-"


def _table(report: Reporter, header, rows) -> None:
    """A rich table on a terminal; tab-separated lines (no header) in a pipe."""
    env = report.env
    if env.stdout_isatty:
        from rich.table import Table

        table = Table(*header, show_lines=False)
        for row in rows:
            table.add_row(*(str(c) for c in row))
        env.console().print(table)
        return
    try:
        env.write("".join("\t".join(" ".join(str(c).split()) for c in row) + "\n" for row in rows))
    except BrokenPipeError:
        env.silence_stdout()
    except OSError as exc:
        report.stdout_failed(exc)


@app.command()
def explain(
    ctx: typer.Context,
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
    from .api import Options, clean
    from .errors import CleanartError, HeaderError, RuleError

    env = environment(ctx)
    report = Reporter(env, command="explain")
    _check_encoding(report, encoding)
    options = Options(
        encoding=encoding,
        rules=tuple(str(r) for r in rules),
        builtin_rules=not no_builtin_rules,
        balance=balance_option(report, precision, recall, no_detector),
    )
    try:
        data = env.stdin.read() if path == "-" else Path(path).read_bytes()
        article = clean(data, path, options)
    except RuleError as exc:
        report.rules_failed(exc)
    except OSError as exc:
        report.say(path, exc.strerror or str(exc))
        raise typer.Exit(EXIT_FAILED) from None
    except CleanartError as exc:
        report.say(path, f"bad header: {exc}" if isinstance(exc, HeaderError) else str(exc))
        raise typer.Exit(EXIT_FAILED) from None
    for warning in article.warnings:
        report.say(path, f"warning: {warning}")
    # "why": the metadata field a move fills, or the detector's / template's reasons.
    rows = [
        (a.action, a.rule, a.field or a.reasons, a.text)
        for a in article.actions
        if a.text.strip() or a.action != "remove"
    ]
    _table(report, ("action", "rule", "why", "text"), rows)
    meta = {k: v for k, v in article.meta.items() if v not in (None, "", [])}
    rows = [(k, v if isinstance(v, str) else _json(v)) for k, v in meta.items()]
    _table(report, ("metadata", "value"), rows)


def _json(value) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


class Terminated(KeyboardInterrupt):
    """SIGTERM: handled as Ctrl-C is (workers stopped, summary printed), exit status 143."""


def _raise_terminated(signum, frame) -> None:
    raise Terminated()


def _on_sigterm_interrupt():
    """SIGTERM raises Terminated for this run; returns what puts the old handler back."""
    try:
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
    except ValueError:  # not the main thread (a test runner): leave SIGTERM alone
        return lambda: None

    def restore() -> None:
        if signal.getsignal(signal.SIGTERM) == _raise_terminated:
            signal.signal(signal.SIGTERM, previous)

    return restore


def _ignore_interrupts() -> None:
    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)
    except ValueError:
        pass


class _Progress:
    """A rich progress bar on a terminal, for batches; nothing in pipes, files or CI."""

    def __init__(self, report: Reporter, wanted: bool, count):
        self.bar = None
        self.report = report
        self.failed = 0
        if not (wanted and report.env.progress):
            return
        total = count()
        if total is not None and total < 2:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        console = report.env.console(stderr=True)
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


def main(argv: list[str] | None = None, env: Environment | None = None) -> None:
    """The ``cleanart`` command (``argv`` and ``env`` default to the process's)."""
    import sys

    try:
        app(args=argv, prog_name="cleanart", obj=env)
    except KeyboardInterrupt as exc:
        sys.exit(EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED)
