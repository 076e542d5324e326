"""Many inputs: the plan (which inputs, which outputs), and converting in worker processes.

A ``Plan`` turns a ``Request`` (the inputs and ``-o`` as the user gave them) into
tasks: it decides whether the output is one file or a folder, names each output,
marks collisions, outputs that would replace their input and (``-u``) outputs that
are up to date, and refuses requests that cannot be carried out (``UsageError``).

The walk is a generator (it never lists a whole tree first); work goes to the
workers in chunks through a bounded window, and results come back in input order,
so memory stays flat and output is identical for any number of workers.
"""

from __future__ import annotations

import fnmatch
import os
import re
import signal
import sys
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Iterable, Iterator

from . import storage
from .errors import UsageError
from .writer import output_path

DEFAULT_GLOBS = ("*.md", "*.markdown", "*.html", "*.htm", "*.xhtml")


@dataclass(frozen=True)
class Task:
    """One input: its path ('-' for stdin) and the path to mirror under -o."""

    path: str
    relative: str
    target: str | None = None  # output file, when writing files
    # "skip" (output up to date), "collision" (output taken), "special" (a FIFO, socket
    # or device found in a folder), "self" (the output would replace the input) or
    # "bad" (a record file that cannot be read on: ``target`` says why)
    status: str = ""
    data: bytes | None = field(default=None, repr=False)  # stdin's bytes, read by the plan
    record: object = None  # records.Record: one record of a JSON Lines or WARC file


@dataclass
class Result:
    source: str
    ok: bool = True
    output: str | None = None  # rendered text, when it goes to stdout
    messages: list[str] = field(default_factory=list)  # "warning: …" or the error
    empty: bool = False
    skipped: bool = False
    target: str | None = None  # a record's output file, named in the worker from its URL


# --- walking ----------------------------------------------------------------------------


def walk(
    paths: Iterable[str], globs: tuple[str, ...] = DEFAULT_GLOBS, exclude: Path | None = None
) -> Iterator[Task]:
    """Inputs in order: files as given, directories recursed (sorted, hidden ones skipped).

    A file reached twice (given twice, given and inside a given folder, or through a
    symlink to a file the walk converts anyway) is yielded once, and symlink loops
    cannot hang the walk.  Memory does not grow with the number of files: the walk
    only remembers folders, the files given by name, and files reached by symlinks.
    ``exclude`` (the output folder) is never entered.
    """
    given_files: set[int] = set()  # identities of the files named so far
    # By path, not inode: the output folder may only come into being during the walk.
    excluded = os.path.realpath(exclude) if exclude is not None else None
    walkers: list[_Walker] = []  # the folders walked so far
    for given in paths:
        if given == "-":
            yield Task("-", "stdin")
            continue
        if storage.is_url(given):  # fsspec: no inodes, no symlinks; listed sorted
            if storage.is_dir(given):
                yield from (Task(url, relative) for url, relative in storage.walk(given, globs))
            else:
                yield Task(given, given.rstrip("/").rsplit("/", 1)[-1])
            continue
        if os.path.isdir(given):
            real = os.path.realpath(given)
            if not any(_inside(real, w.top) for w in walkers):
                walker = _Walker(real, globs, excluded, [w.top for w in walkers], given_files)
                yield from walker.walk(given)
                walkers.append(walker)
            continue
        key = _identity(given)
        if key is not None:
            real = os.path.realpath(given)
            if key in given_files or any(w.converts(real) for w in walkers):
                continue  # reached before, by name or inside a folder
            given_files.add(key)
        yield Task(given, os.path.basename(given))


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _identity(path) -> int | None:
    """A file's identity (device and inode), hashed to keep a set of many of them small."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return hash(_stat_key(st))


def _stat_key(st) -> tuple[int, int]:
    return (st.st_dev, st.st_ino)


class _Walker:
    """One folder tree, walked in sorted order without recursion."""

    def __init__(self, top_real: str, globs, excluded, earlier_roots, given_files):
        self.top = top_real
        self.matches = re.compile("|".join(fnmatch.translate(g) for g in globs)).match
        self.excluded = excluded
        self.earlier_roots = list(earlier_roots)
        self.given_files = given_files
        self.seen_dirs: set[tuple[int, int]] = set()
        self.linked_files: set[int] = set()

    def converts(self, real: str) -> bool:
        """Whether walking this tree yields the file at ``real``."""
        return self.walks_itself(real) and bool(self.matches(os.path.basename(real)))

    def walks_itself(self, real: str) -> bool:
        """Whether the plain walk of this tree reaches ``real`` without following a link."""
        if not _inside(real, self.top) or (self.excluded and _inside(real, self.excluded)):
            return False
        relative = os.path.relpath(real, self.top)
        return not any(part.startswith(".") for part in relative.split(os.sep) if part != ".")

    def walk(self, top: str) -> Iterator[Task]:
        stack = [(top, "")]  # (folder, its path relative to top)
        while stack:
            directory, relative = stack.pop()
            try:
                st = os.stat(directory)
            except OSError:
                continue
            key = _stat_key(st)
            real = None
            if key in self.seen_dirs:
                continue
            if self.excluded:
                real = os.path.realpath(directory)
                if real == self.excluded:
                    continue
            if any(_inside(real or os.path.realpath(directory), r) for r in self.earlier_roots):
                continue  # walked already as an earlier input
            self.seen_dirs.add(key)
            try:
                entries = sorted(os.scandir(directory), key=lambda e: e.name)
            except OSError:
                continue
            subdirs = []
            for entry in entries:
                name = entry.name
                if name.startswith("."):
                    continue
                try:
                    if entry.is_symlink():
                        task = self._linked(entry, relative, subdirs)
                        if task:
                            yield task
                        continue
                    if entry.is_dir():
                        subdirs.append((entry.path, relative + name + os.sep))
                        continue
                    if not self.matches(name):
                        continue
                    if not entry.is_file():
                        # A FIFO would block the walk forever, a device would never end.
                        yield Task(entry.path, relative + name, status="special")
                        continue
                    # The inode from the listing costs no system call.
                    if self.given_files and hash((st.st_dev, entry.inode())) in self.given_files:
                        continue  # named on the command line too: converted there
                except OSError:
                    continue
                yield Task(entry.path, relative + name)
            stack.extend(reversed(subdirs))

    def _linked(self, entry, relative: str, subdirs: list) -> Task | None:
        """A symlink: followed unless the walk reaches its target anyway."""
        target = os.path.realpath(entry.path)
        if os.path.isdir(target):
            if not self.walks_itself(target):
                subdirs.append((entry.path, relative + entry.name + os.sep))
            return None
        if not self.matches(entry.name) or not os.path.isfile(target):
            return None
        if self.converts(target):
            return None  # the file itself is converted where it lies
        ident = _identity(target)
        if ident in self.linked_files or ident in self.given_files:
            return None
        self.linked_files.add(ident)
        return Task(entry.path, relative + entry.name)


def read_list(stream, nul: bool) -> Iterator[str]:
    """Paths from --files-from: one per line, or NUL-separated with -0."""
    separator = b"\0" if nul else b"\n"
    pending = b""
    while True:
        chunk = stream.read(65536)
        if not chunk:
            break
        pending += chunk
        *items, pending = pending.split(separator)
        for item in items:
            name = os.fsdecode(item.rstrip(b"\r") if not nul else item)
            if name:
                yield name
    name = os.fsdecode(pending.rstrip(b"\r\n") if not nul else pending)
    if name:
        yield name


def listed(names: Iterable[str]) -> Iterator[Task]:
    """Tasks for --files-from: relative paths are mirrored as given."""
    seen: set[int] = set()
    for name in names:
        key = _identity(name)
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        relative = name if not os.path.isabs(name) else os.path.basename(name)
        yield Task(name, os.path.normpath(relative))


# --- planning ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """The inputs and output as the user gave them."""

    paths: tuple[str, ...] = ()
    files_from: str | None = None  # a file listing input paths, or '-' for stdin
    null: bool = False  # the list is NUL-separated
    output: str | None = None  # -o: a file, or a folder to mirror the inputs under
    globs: tuple[str, ...] = DEFAULT_GLOBS
    update: bool = False  # -u: skip inputs whose output is newer
    reads_twice: bool = False  # template learning reads every input twice: no stdin
    elsewhere: bool = False  # converted on other machines (a Dask cluster): no stdin, no memory://


class Plan:
    """The tasks of one run, with their output files; built once, walked lazily.

    Outputs already claimed are remembered to catch collisions.  One folder tree yields
    each folder's files together, so remembering the current output folder is enough
    (memory stays flat); several inputs or a list of files can collide anywhere, so
    then all are kept.
    """

    def __init__(self, request: Request, fmt: str, stdin: IO[bytes] | None = None):
        self.request, self.fmt, self.stdin = request, fmt, stdin
        paths, output, files_from = request.paths, request.output, request.files_from
        if request.null and files_from is None:
            raise UsageError("-0 needs --files-from")
        if paths.count("-") > 1 or (files_from == "-" and "-" in paths):
            raise UsageError("stdin (-) can be read only once")
        if request.reads_twice and (files_from == "-" or "-" in paths):
            raise UsageError("--learn reads the inputs twice: name files or folders, not stdin")
        if request.reads_twice and any(storage.record_kind(p) for p in paths):
            raise UsageError("--learn reads files, not records: convert the record files without it")
        places = [*paths, *([output] if output is not None else [])]
        for place in places:
            try:
                storage.check(place)
            except storage.StorageError as exc:
                raise UsageError(str(exc)) from None
            if request.elsewhere and storage.in_process_only(place):
                raise UsageError(
                    f"{place}: memory:// lives in this process only; Dask workers cannot reach it"
                )
        if request.elsewhere and ("-" in paths or files_from == "-"):
            raise UsageError("Dask workers cannot read stdin: name files, folders or URLs")
        #: memory:// is seen by this process only: no worker processes
        self.in_process = any(storage.in_process_only(p) for p in places)
        #: record files among the inputs: many inputs each, named from their URLs under -o
        self.records = any(storage.record_kind(p) for p in paths)
        #: -o FILE.jsonl: every output, as JSON Lines, in one file
        self.jsonl = collects_jsonl(output)
        given_folder = any(storage.is_dir(p) for p in paths)
        #: several inputs (a folder, a list, more than one path): a summary line, a bar
        self.many = len(paths) > 1 or given_folder or files_from is not None or self.records or self.jsonl
        #: -o names a folder to mirror the inputs under (else one output file)
        self.to_dir = (
            output is not None
            and not self.jsonl
            and (self.many or storage.is_dir(output) or str(output).endswith((os.sep, "/")))
        )
        self.many = self.many or self.to_dir
        if self.to_dir:
            for given in paths:
                if os.path.isdir(given) and same_file(given, output):
                    raise UsageError(f"-o {output} is the input folder {given}; choose another output folder")
        if files_from is not None and files_from != "-" and not os.path.isfile(files_from):
            raise UsageError(f"--files-from {files_from}: no such file")
        self.out_dir = output if self.to_dir else None

    def tasks(self) -> Iterator[Task]:
        """The inputs, in order (a walk: reading it again walks the folders again);
        each file of records is replaced by its records (only then is records.py imported)."""
        for task in self._files():
            if storage.record_kind(task.path) and not task.status:
                from .records import expand

                yield from expand(task)
            else:
                yield task

    def _files(self) -> Iterator[Task]:
        request = self.request
        if request.files_from == "-":
            yield from listed(read_list(self.stdin, request.null))
        elif request.files_from is not None:
            with open(request.files_from, "rb") as stream:
                yield from listed(read_list(stream, request.null))
        excluded = self.out_dir if self.out_dir is None or not storage.is_url(self.out_dir) else None
        yield from walk(request.paths, request.globs, excluded)

    def count(self) -> int | None:
        """How many inputs there are (a second walk), or None when the list is read from stdin
        (it can be read only once) or record files are named (not read twice to count them)."""
        if self.request.files_from == "-" or self.records:
            return None
        return sum(1 for _ in self.tasks())

    def planned(self) -> Iterator[Task]:
        """The tasks with their output file; collisions and up-to-date outputs marked."""
        output = self.request.output
        remember_all = len(self.request.paths) > 1 or self.request.files_from is not None
        folder, claimed = None, set()
        for task in self.tasks():
            if task.path == "-":
                task = replace(task, data=self.stdin.read() if self.stdin is not None else b"")
            if output is None or self.jsonl or task.record is not None or task.status == "bad":
                yield task  # a record's output is named from its URL, in the worker
                continue
            target = output_path(output, task.relative, self.fmt) if self.to_dir else output
            key = os.path.normcase(os.path.abspath(target))
            if not remember_all and os.path.dirname(key) != folder:
                folder, claimed = os.path.dirname(key), set()
            status = task.status
            if hash(key) in claimed:
                status = "collision"
            else:
                claimed.add(hash(key))
                if status:
                    pass
                elif task.path != "-" and same_file(task.path, target):
                    status = "self"
                elif self.request.update and task.path != "-" and storage.newer(target, task.path):
                    status = "skip"
            yield replace(task, target=target, status=status)


def collects_jsonl(output: str | None) -> bool:
    """Whether ``-o`` names one JSON Lines file that collects every output.

    The command asks before it plans (the file takes JSON only, and JSON is then
    the default format), so the rule is here once for both.
    """
    return output is not None and output.lower().endswith(".jsonl")


def same_file(path, other) -> bool:
    """Whether two paths name one file (``other`` usually does not exist yet: one stat)."""
    try:
        theirs = os.stat(other)
        mine = os.stat(path)
    except OSError:
        return False
    return (mine.st_dev, mine.st_ino) == (theirs.st_dev, theirs.st_ino)


# --- converting -------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to convert and (maybe) write one input."""

    fmt: str
    options: object  # api.Options
    pretty: bool = False
    write: bool = False  # write Task.target instead of returning the text
    debug: bool = False  # add the traceback to an unexpected error's message
    out_dir: str | None = None  # with -o DIR: no output may land outside it through a symlink
    fields: object = None  # records.Fields: a JSON record's HTML and metadata fields
    update: bool = False  # -u: a record is skipped when its output is newer than its file


def convert_one(task: Task, job: Job) -> Result:
    """Convert one input and write its output file (or keep the text for stdout)."""
    return _deliver(_render(task, job), task, job)


def _render(task: Task, job: Job) -> Result:
    """Convert one input; its output, if any, is in ``Result.output`` (not written yet)."""
    from .api import clean
    from .errors import CleanartError, HeaderError

    result = Result(task.path)
    if task.status == "skip":
        result.skipped = True
        return result
    if task.status == "special":
        result.skipped = True
        result.messages.append(f"warning: {_kind(task.path)}, not a regular file; skipped")
        return result
    if task.status == "collision":
        return _failed(
            result,
            f"output {shown(task.target)} is also the output of an earlier input; "
            "not converted (rename one of them)",
        )
    if task.status == "self":
        return _failed(result, "the output would replace the input itself; not converted (choose another -o)")
    if task.status == "bad":
        return _failed(result, task.target or "cannot be read")
    try:
        if task.record is not None:
            article = _clean_record(task.record, job, result)
            if article is None:
                result.skipped = True
                return result
        else:
            data = task.data if task.data is not None else storage.read_bytes(task.path)
            article = clean(data, task.path, job.options)
        rendered = article.render(job.fmt, job.pretty)
    except HeaderError as exc:
        return _failed(result, f"bad header: {exc}")
    except CleanartError as exc:
        return _failed(result, str(exc) or type(exc).__name__)
    except OSError as exc:
        return _failed(result, exc.strerror or str(exc))
    except RecursionError:
        return _failed(result, "document nested too deeply to convert")
    except Exception as exc:  # a bug in cleanart: report it for this file, go on with the rest
        message = f"internal error: {type(exc).__name__}: {exc}"
        if job.debug:
            import traceback

            lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
            message += "\n" + "".join(lines).rstrip()
        else:
            message += " (run with --debug for the traceback)"
        return _failed(result, message)
    result.empty = article.empty
    result.messages.extend(f"warning: {w}" for w in article.warnings)
    result.output = rendered
    return result


def _clean_record(record, job: Job, result: Result):
    """A record's Article, or None when -u finds its output up to date (``result.target``
    names the output file when the job writes to a folder).

    The name needs only the article's url.  When the record's own fields give it, the
    up-to-date check comes before cleaning, so a rerun over a large crawl cleans none
    of the records it skips; a record whose fields name no url may take its page's
    canonical link, known only once the record is cleaned.
    """
    from . import records

    header, body, charset = records.parse(record, job.fields or records.Fields())
    to_folder = job.write and job.out_dir is not None
    url = records.header_url(header) if to_folder else None
    if url is not None and _up_to_date(record, url, job, result):
        return None
    article = records.clean_parsed(header, body, charset, record.source, job.options)
    if to_folder and url is None and _up_to_date(record, article.meta.get("url"), job, result):
        return None
    return article


def _up_to_date(record, url: str | None, job: Job, result: Result) -> bool:
    """Name a record's output file (in ``result.target``) from its url; whether -u skips it."""
    from . import records

    result.target = job.out_dir.rstrip("/") + "/" + records.output_name(record, url, job.fmt)
    return job.update and storage.newer(result.target, record.file)


def _deliver(result: Result, task: Task, job: Job) -> Result:
    """Write a rendered result's output file, when the job writes files."""
    if job.write and result.output is not None:
        rendered, result.output = result.output, None
        target = result.target or task.target
        try:
            storage.write_text(target, rendered, job.out_dir)
        except OSError as exc:
            return _failed(result, f"cannot write {shown(target)}: {exc.strerror or exc}")
    return result


def _kind(path: str) -> str:
    """What a non-regular file is, in words."""
    import stat

    try:
        mode = os.stat(path).st_mode
    except OSError:
        return "a broken entry"
    for test, name in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return name
    return "a special file"


CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def shown(path: str) -> str:
    """A path for a one-line message: a newline or other control character is escaped."""
    return CONTROL.sub(lambda m: repr(m.group())[1:-1], path)


def _failed(result: Result, message: str) -> Result:
    result.ok = False
    result.messages.append(message)
    return result


INTERRUPTS = (signal.SIGINT, signal.SIGTERM)


class _Gate:
    """Ctrl-C and SIGTERM, held back for a few steps and then acted on as usual.

    Held around writing an output and counting it, so the summary after an interrupt
    counts exactly the outputs on disk.  The gate is a handler in front of the usual
    ones, installed once per run: holding a signal is an attribute change, not two
    system calls per file.  Only the main thread can install it; elsewhere (a library
    caller's thread) holding does nothing.
    """

    def __init__(self):
        self.held = False
        self.waiting: list[int] = []
        self.behind: dict[int, object] = {}

    def install(self) -> _Gate:
        if _in_main_thread():
            for sig in INTERRUPTS:
                self.behind[sig] = signal.signal(sig, self._arrived)
        return self

    def uninstall(self) -> None:
        for sig, handler in self.behind.items():
            if signal.getsignal(sig) == self._arrived:  # unless another handler was chosen since
                signal.signal(sig, handler)
        self.behind.clear()

    def _arrived(self, signum, frame) -> None:
        if self.held:
            self.waiting.append(signum)
        else:
            self._forward(signum, frame)

    def _forward(self, signum, frame) -> None:
        handler = self.behind.get(signum, signal.SIG_DFL)
        if callable(handler):
            handler(signum, frame)
        elif handler == signal.SIG_DFL:
            signal.signal(signum, signal.SIG_DFL)
            signal.raise_signal(signum)

    def __enter__(self) -> None:
        self.held = True

    def __exit__(self, *exc_info) -> None:
        self.held = False
        if self.waiting:
            signum = self.waiting[0]
            self.waiting.clear()
            self._forward(signum, None)


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


class Stop(BaseException):
    """Raised in a worker by SIGTERM while it converts; not an Exception, so nothing catches it."""


_worker = {"converting": False, "stopping": False}  # this worker process's state


def convert_chunk(tasks: list[Task], job: Job) -> list[Result]:
    """Convert a chunk; when the worker is stopped, the results finished so far.

    Returning those (instead of failing the whole chunk) keeps the summary equal to
    the outputs on disk: the input being written when the signal came leaves no file.
    """
    done: list[Result] = []
    if _worker["stopping"]:
        return done
    _worker["converting"] = True
    try:
        for task in tasks:
            result = _render(task, job)
            with _WORKER_GATE:  # an output on disk is always in ``done``
                done.append(_deliver(result, task, job))
    except Stop:
        pass
    finally:
        _worker["converting"] = False
    return done


def _worker_init() -> None:
    # The parent handles Ctrl-C and stops the pool: it sends SIGTERM to each worker,
    # which stops converting (a SIGTERM to the whole process group does the same).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _worker_stop)
    _WORKER_GATE.install()


_WORKER_GATE = _Gate()  # installed in each worker process


def _worker_stop(signum, frame) -> None:
    _worker["stopping"] = True
    if _worker["converting"]:
        _worker["converting"] = False
        raise Stop


def blocks_chunk(tasks: list[Task], options) -> list:
    """Template learning's pass: (source, [(fingerprint, text)]) per readable input, else None."""
    from .api import template_blocks

    found = []
    for task in tasks:
        try:
            with open(task.path, "rb") as handle:
                found.append(template_blocks(handle.read(), task.path, options))
        except Exception:  # the conversion pass reports every problem with this input
            found.append(None)
    return found


def learn(tasks: Iterable[Task], options, jobs: int) -> dict:
    """Each source's template, learned from ``tasks`` (a walk; read again to convert)."""
    from .cleaning.templates import Learner

    learner = Learner()
    for item in _learning_pass(tasks, options, jobs):
        if item is not None:
            learner.add(*item)
    return learner.templates()


def template_samples(tasks: Iterable[Task], options, jobs: int, templates: dict) -> dict:
    """The first text seen of each learned template block, by source (for ``cleanart learn``)."""
    samples: dict = {}
    for item in _learning_pass(tasks, options, jobs):
        if item is None or item[0] not in templates:
            continue
        source, blocks = item
        wanted, found = templates[source].blocks, samples.setdefault(source, {})
        for fp, text in blocks:
            if fp in wanted:
                found.setdefault(fp, text)
    return samples


def _learning_pass(tasks: Iterable[Task], options, jobs: int, chunk: int = 64) -> Iterator:
    """``blocks_chunk`` over every task, in task order, at most ``jobs * 4`` chunks in
    flight.  It writes nothing, so an interrupt needs no bookkeeping: the pool just stops."""
    if jobs <= 1:
        for batch in chunks(tasks, chunk):
            yield from blocks_chunk(batch, options)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_worker_init) as pool:
        pending: deque = deque()
        for batch in chunks(tasks, chunk):
            pending.append(pool.submit(blocks_chunk, batch, options))
            while len(pending) >= jobs * 4:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def chunks(tasks: Iterable[Task], size: int) -> Iterator[list[Task]]:
    """Lists of up to ``size`` tasks; stdin ('-') goes alone: only this process can read it."""
    batch: list[Task] = []
    for task in tasks:
        if task.path == "-":
            if batch:
                yield batch
                batch = []
            yield [task]
            continue
        batch.append(task)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def run(
    tasks: Iterable[Task], job: Job, jobs: int, chunk: int = 32, finished: list[Result] | None = None
) -> Iterator[Result]:
    """Convert tasks in order, in-process (jobs == 1) or in ``jobs`` worker processes.

    At most ``jobs * 4`` chunks are in flight, so memory stays flat however many
    tasks there are.  If the run is stopped (Ctrl-C, --fail-fast), the results that
    workers had already finished are added to ``finished`` for the summary.
    """
    gate = _Gate().install()
    try:
        yield from _run(tasks, job, jobs, chunk, finished, gate)
    finally:
        gate.uninstall()


def _run(tasks, job: Job, jobs: int, chunk: int, finished, gate: _Gate) -> Iterator[Result]:
    if jobs <= 1:
        for task in tasks:
            result = _render(task, job)
            with gate:  # between writing the output and the caller counting it
                yield _deliver(result, task, job)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor  # only batches pay for importing it

    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    window = jobs * 4
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_worker_init) as pool:
        pending: deque = deque()
        current: deque = deque()  # the results of the chunk being handed out
        try:
            for batch in chunks(tasks, chunk):
                if batch[0].path == "-":
                    pending.append(_Done(convert_chunk(batch, job)))
                else:
                    pending.append(pool.submit(convert_chunk, batch, job))
                while len(pending) >= window:
                    yield from _hand_out(pending, current, gate)
            while pending:
                yield from _hand_out(pending, current, gate)
        except BaseException:
            with _signals_held():
                _stop(pool, pending)
                if finished is not None:
                    finished.extend(current)
                    for future in pending:
                        if future.done() and not future.cancelled() and future.exception() is None:
                            finished.extend(future.result())
            raise


def _hand_out(pending: deque, current: deque, gate: _Gate) -> Iterator[Result]:
    """The first chunk's results, one by one.

    The chunk leaves ``pending`` only once its results are in ``current``, so an
    interrupt at any point finds every finished result in one of the two.
    """
    results = pending[0].result()
    current.extend(results)
    pending.popleft()
    while current:
        with gate:  # a result is either still in ``current`` or counted
            yield current.popleft()


def _stop(pool, pending: deque) -> None:
    """Cancel queued chunks, tell running workers to stop, and wait until they have."""
    for future in pending:
        future.cancel()
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            os.kill(process.pid, signal.SIGTERM)
        except OSError:  # gone already
            pass
    pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _signals_held():
    """Ignore Ctrl-C and SIGTERM while the workers are being stopped.

    A second signal in the middle of the pool's shutdown left its threads with closed
    handles: a traceback, and a process that never exits.
    """
    if not _in_main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in INTERRUPTS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class _Done:
    """A chunk converted in this process, with the Future methods ``run`` uses."""

    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value

    def cancel(self):
        return False

    def done(self):
        return True

    def cancelled(self):
        return False

    def exception(self):
        return None
