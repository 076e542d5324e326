"""Throughput and memory: cleanart against trafilatura, html2text and a bare lxml parse.

Builds a temporary folder of N posts (the rss corpus *.md copied again and again
into numbered subfolders, deleted at the end) and runs every system on those same
files, one after the other:

  cleanart convert DIR -o OUT -t txt -j 1 / -t txt -j 1 --learn / -t txt -j CPUS / -t md -j 1
      (CLI)
  trafilatura --input-dir HTML --output-dir OUT   (CLI, its default parallelism; it
      discards the .md posts, so HTML holds the same bodies as <html><body> pages)
  trafilatura.extract, html2text and lxml.html.fromstring over the HTML bodies in one
  process (front matter stripped; the timed loop includes reading the files)

CLI runs go through _launch.py, which records the peak RSS of the main process and
of its largest worker. Then the start-up cost: `cleanart convert POST -t txt` and
`cleanart --version`, median of 20 runs each.

With --dask (needs cleanart[dask]): `cleanart -t txt -j 1` against the same command on a
Dask LocalCluster of 2 single-threaded worker processes, the cluster `--engine dask -j 2`
starts (here started first, not timed, and given as `--scheduler ADDRESS`), on 5,000 and
on 20,000 posts, with each worker's peak RSS, read from the workers themselves after
the run (a fresh cluster for each size). `-j 2` (local processes) runs beside it: on a
machine whose two cores are not both free, neither reaches 2x. The Dask row's CPU
seconds are the command's, the scheduler's and the workers' together, so docs/CPU s
shows what the cluster costs whatever the machine's load.

With --pages N: N whole saved pages (corpus web/*.html copied again and again), the
cleanart CLI at -j 1 against trafilatura.extract and a bare lxml parse in one process;
then both libraries in one process, page by page in turn (cleanart.clean(bytes).render("txt"),
then trafilatura.extract(text)), each one's CPU seconds summed.  The floor is read
from that pairing: on a shared machine a neighbour's load swings one run against the
next by a third, and here it falls on both sides alike.

Usage: python benchmarks/throughput.py [--files N] [--corpus DIR] [--memory-check | --dask] [--pages N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import DEFAULT_CORPUS, WRAP, installed, machine, need_dir, split_front_matter, table

HERE = Path(__file__).resolve().parent
LAUNCH = HERE / "_launch.py"
CPUS = os.cpu_count() or 1
PER_MB = 1024 if sys.platform != "darwin" else 1024 * 1024  # ru_maxrss is KB on Linux, bytes on macOS
LOOP = "loop"
HEADERS = ["system", "docs/s", "wall s", "docs/CPU s", "CPU s"]
HEADERS += ["peak RSS main MB", "peak RSS worker MB", "outputs"]


def build(src: Path, n: int, root: Path, suffix: str = ".md", folder: str = "posts") -> Path:
    """Copy the files of src ending in suffix into root/FOLDER/0000/, 0001/, ... until
    there are n (the rss posts, or with --pages the saved web pages)."""
    files = sorted(src.glob(f"*{suffix}"))
    if not files:
        sys.exit(f"error: no *{suffix} files in {src}")
    for i in range(n):
        sub = root / folder / f"{i // len(files):04d}"
        sub.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(files[i % len(files)], sub / files[i % len(files)].name)
    return root / folder


def wrapped_bodies(posts: Path, root: Path) -> Path:
    """The same posts as HTML pages (front matter stripped, body wrapped), for trafilatura's CLI."""
    for path in posts.rglob("*.md"):
        page = root / "html" / path.relative_to(posts).with_suffix(".html")
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(WRAP.format(split_front_matter(path.read_text(encoding="utf-8"))), encoding="utf-8")
    return root / "html"


def mb(value: float) -> str:
    return f"{value:.0f}" if value else "–"


def cli(name: str, script: str, args: list[str], n: int, tmp: Path) -> dict:
    """Run a console script under _launch.py; args may use {out} for a fresh output folder."""
    out, result = tmp / "out", tmp / "launch.json"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, str(LAUNCH), str(result), script, *(a.format(out=out) for a in args)]
    start = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1) or not result.exists():
        sys.exit(f"error: {name} exited {done.returncode}\n{done.stderr[-2000:]}")
    usage = json.loads(result.read_text())
    outputs = sum(f.is_file() for f in out.rglob("*")) if out.exists() else 0
    shutil.rmtree(out, ignore_errors=True)
    return {
        "name": name,
        "docs": n,
        "seconds": seconds,
        "cpu": usage["cpu_s"],
        "main": usage["self_mb"],
        "worker": usage["children_mb"],
        "outputs": outputs,
    }


def in_process(name: str, kind: str, posts: Path, n: int) -> dict:
    """Run one of the --loop benchmarks in a fresh interpreter (so its peak RSS is its own)."""
    r = run_loop(kind, posts, name)
    return {
        "name": name,
        "docs": n,
        "seconds": r["seconds"],
        "cpu": r["cpu"],
        "main": r["mb"],
        "worker": 0,
        "outputs": "–",
    }


def loop(kind: str, folder: Path) -> None:
    """--loop KIND DIR: time KIND over the bodies of DIR/**/*.md (or, for KIND
    ending in -page, over the whole pages DIR/**/*.html), print JSON."""
    if kind in ("paired-page", "paired-post"):
        paired_loop(folder, pages=kind == "paired-page")
    elif kind.endswith("-page"):
        timed(sorted(folder.rglob("*.html")), read_page, page_work(kind))
    else:
        timed(sorted(folder.rglob("*.md")), read_body, body_work(kind))


def body_work(kind: str):
    """What KIND does to one post's body (its front matter stripped)."""
    if kind == "trafilatura":
        import trafilatura

        def work(body):
            return trafilatura.extract(WRAP.format(body))
    elif kind == "html2text":
        import html2text

        def work(body):
            conv = html2text.HTML2Text()  # one converter per document: it keeps state
            conv.body_width = 0
            return conv.handle(body)
    else:
        import lxml.html

        def work(body):
            return lxml.html.fromstring(WRAP.format(body))

    return work


def page_work(kind: str):
    """What KIND (trafilatura-page or lxml-page) does to one whole page's text."""
    if kind == "trafilatura-page":
        import trafilatura

        return trafilatura.extract
    import lxml.html

    return lxml.html.fromstring


def read_body(path: Path) -> str:
    return split_front_matter(path.read_text(encoding="utf-8", errors="replace"))


def read_page(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def timed(files: list[Path], read, work) -> None:
    """Time ``work(read(path))`` over ``files`` and print JSON: wall and CPU seconds, and the
    process's peak RSS in MB.  Reading is timed too, as the command line's runs read their files;
    the library was imported before, as a long-running process would have it."""
    start, cpu = time.perf_counter(), time.process_time()
    for path in files:
        work(read(path))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / PER_MB
    print(json.dumps({"seconds": seconds, "cpu": cpu, "mb": peak}))


def paired_loop(folder: Path, pages: bool) -> None:
    """cleanart.clean(...).render("txt") and trafilatura.extract on each input in turn (whole
    pages, or posts whose body trafilatura gets as the other rows give it), the CPU seconds
    of each summed: a busy moment on a shared machine costs both alike."""
    import trafilatura

    from cleanart import clean

    files = sorted(folder.rglob("*.html" if pages else "*.md"))
    ours = theirs = 0.0
    for path in files:
        data = path.read_bytes()
        started = time.process_time()
        clean(data, str(path)).render("txt")  # cleaned and rendered, as the CLI would
        middle = time.process_time()
        text = data.decode("utf-8", errors="replace")
        trafilatura.extract(text if pages else WRAP.format(split_front_matter(text)))
        ours, theirs = ours + middle - started, theirs + time.process_time() - middle
    print(json.dumps({"cleanart": ours, "trafilatura": theirs}))


def paired_table(n: int, paired: dict, what: str) -> str:
    ours, trafilatura = paired["cleanart"], paired["trafilatura"]
    return (
        f"Paired, in one process, {what} by {what} (each: cleanart.clean(bytes).render('txt'), then\n"
        "trafilatura.extract(text)):\n\n"
        + table(
            ["system", "docs/CPU s", "CPU s"],
            [
                ["cleanart.clean + render txt", f"{n / ours:.0f}", f"{ours:.1f}"],
                ["trafilatura.extract", f"{n / trafilatura:.0f}", f"{trafilatura:.1f}"],
            ],
        )
        + "\n"
    )


TXT_J1 = ["-t", "txt", "-j", "1"]


def page_throughput(src: Path, n: int) -> None:
    """Whole pages: cleanart's CLI at -j 1 against trafilatura.extract in one process."""
    print(machine() + f"\nFiles live in {scratch_dir() or tempfile.gettempdir()}\n", flush=True)
    with tempfile.TemporaryDirectory(prefix="cleanart-bench-", dir=scratch_dir()) as tmp_name:
        tmp = Path(tmp_name)
        pages = build(src, n, tmp, ".html", "pages")
        plan = [
            ("cleanart -t txt -j 1", "cleanart", ["convert", str(pages), "-o", "{out}", "-q", *TXT_J1]),
            ("trafilatura.extract (1 process)", "trafilatura-page", LOOP),
            ("floor: lxml.html.fromstring", "lxml-page", LOOP),
        ]
        results = []
        for name, package, args in plan:
            if not installed(package.split("-")[0]):
                results.append({"name": name})
            elif args is LOOP:
                results.append(in_process(name, package, pages, n))
            else:
                results.append(cli(name, package, args, n, tmp))
        paired = paired_run(pages, "paired-page") if installed("trafilatura") else None
    print(f"### {n} whole pages ({src}), {CPUS} CPUs\n\n{table(HEADERS, rows(results))}\n")
    per_cpu = {r["name"]: r["docs"] / r["cpu"] for r in results if "seconds" in r}
    mine, theirs = per_cpu["cleanart -t txt -j 1"], per_cpu.get("trafilatura.extract (1 process)")
    if paired:
        print(paired_table(n, paired, "page"))
    print("Floor (from the project's issue):\n")
    if paired:
        ratio = paired["trafilatura"] / paired["cleanart"]
        print(
            "- whole pages per second per core >= 2x trafilatura.extract (paired): "
            f"{ratio:.2f}x, {verdict(ratio >= 2)}"
        )
    print(
        "- the same, cleanart's command line (start-up and writing included) against the loop above: "
        + (f"{mine / theirs:.2f}x per CPU second, {verdict(mine >= 2 * theirs)}" if theirs else "missing")
    )


def paired_run(folder: Path, kind: str) -> dict:
    """CPU seconds of cleanart and of trafilatura, input by input in one fresh process."""
    return run_loop(kind, folder, "the paired")


def run_loop(kind: str, folder: Path, name: str) -> dict:
    """``--loop KIND FOLDER`` in a fresh interpreter: the JSON it prints."""
    done = subprocess.run(
        [sys.executable, __file__, "--loop", kind, str(folder)],
        check=False,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        sys.exit(f"error: {name} loop failed\n{done.stderr[-2000:]}")
    return json.loads(done.stdout)


def command(script: str) -> list[str]:
    exe = Path(sys.executable).with_name(script)
    return [str(exe)] if exe.exists() else [shutil.which(script) or script]


def median_ms(cmd: list[str], runs: int = 20) -> float:
    """Median wall time of a command, after one warm-up run that lets Python write its
    bytecode (as an installed package has it; PYTHONDONTWRITEBYTECODE is dropped)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "check": False, "env": env}
    subprocess.run(cmd, **quiet)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, **quiet)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def rows(results: list[dict]) -> list[list]:
    def row(r):
        if "seconds" not in r:
            return [r["name"], "not installed", "", "", "", "", "", ""]
        return [
            r["name"],
            f"{r['docs'] / r['seconds']:.0f}",
            f"{r['seconds']:.1f}",
            f"{r['docs'] / r['cpu']:.0f}",
            f"{r['cpu']:.1f}",
            mb(r["main"]),
            mb(r["worker"]),
            r["outputs"],
        ]

    return [row(r) for r in results]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def scratch_dir() -> str | None:
    """tmpfs when there is one: file creation on a busy disk is the noisiest part of a
    run, and it is the same work for every system (each gets the same folder)."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


def throughput(src: Path, n: int) -> None:
    print(machine() + f"\nFiles live in {scratch_dir() or tempfile.gettempdir()}\n", flush=True)
    with tempfile.TemporaryDirectory(prefix="cleanart-bench-", dir=scratch_dir()) as tmp_name:
        tmp = Path(tmp_name)
        posts = build(src, n, tmp)
        convert = ["convert", str(posts), "-o", "{out}", "-q", "-t"]
        plan = [  # (row name, package = console script or --loop kind, CLI arguments or LOOP)
            ("cleanart -t txt -j 1", "cleanart", [*convert, "txt", "-j", "1"]),
            ("cleanart -t txt -j 1 --learn", "cleanart", [*convert, "txt", "-j", "1", "--learn"]),
            (f"cleanart -t txt -j {CPUS}", "cleanart", [*convert, "txt", "-j", str(CPUS)]),
            ("cleanart -t md -j 1", "cleanart", [*convert, "md", "-j", "1"]),
            ("trafilatura.extract (1 process)", "trafilatura", LOOP),
            (
                "trafilatura CLI --input-dir (bodies as .html)",
                "trafilatura",
                ["--input-dir", str(wrapped_bodies(posts, tmp)), "--output-dir", "{out}"],
            ),
            ("html2text (1 process)", "html2text", LOOP),
            ("floor: lxml.html.fromstring", "lxml", LOOP),
        ]
        results = []
        for name, package, args in plan:
            if not installed(package):
                results.append({"name": name})
            elif args is LOOP:
                results.append(in_process(name, package, posts, n))
            else:
                results.append(cli(name, package, args, n, tmp))
        paired = paired_run(posts, "paired-post") if installed("trafilatura") else None
        one_post = next(posts.rglob("*.md"))
        one_ms = median_ms([*command("cleanart"), "convert", str(one_post), "-t", "txt"])
        version_ms = median_ms([*command("cleanart"), "--version"])
    print(f"### {n} posts, {CPUS} CPUs\n\n{table(HEADERS, rows(results))}\n")
    print(
        table(
            ["command (median of 20 runs)", "ms"],
            [
                ["cleanart convert POST -t txt > /dev/null", f"{one_ms:.0f}"],
                ["cleanart --version", f"{version_ms:.0f}"],
            ],
        )
        + "\n"
    )

    if paired:
        print(paired_table(n, paired, "post"))
    speed = {r["name"]: r["docs"] / r["seconds"] for r in results if "seconds" in r}
    per_cpu = {r["name"]: r["docs"] / r["cpu"] for r in results if "seconds" in r}
    j1, jn = speed["cleanart -t txt -j 1"], speed[f"cleanart -t txt -j {CPUS}"]
    traf = speed.get("trafilatura.extract (1 process)")
    j1_cpu, traf_cpu = per_cpu["cleanart -t txt -j 1"], per_cpu.get("trafilatura.extract (1 process)")
    learn = speed["cleanart -t txt -j 1 --learn"]
    peak = max(max(r["main"], r["worker"]) for r in results[:4])
    print(
        "trafilatura's CLI discards the .md posts themselves (the front matter is not HTML: "
        "'empty HTML tree'), so it reads the same bodies saved as <html><body>BODY</body></html> "
        "pages.\n"
    )
    print("Floors (from the project's issue):\n")
    # Both run in one process; on a shared machine CPU seconds say more than wall time
    # (a busy neighbour stretches the wall time of whichever ran while it was busy).
    print(
        "- cleanart -j 1 >= 2x trafilatura extract docs/s: "
        + (
            f"{j1_cpu / traf_cpu:.2f}x per CPU second, {verdict(j1_cpu >= 2 * traf_cpu)} "
            f"({j1 / traf:.2f}x in wall time)"
            if traf
            else "trafilatura not installed"
        )
    )
    if paired:
        ratio = paired["trafilatura"] / paired["cleanart"]
        print(f"- the same, paired (post by post in one process): {ratio:.2f}x, {verdict(ratio >= 2)}")
    print(
        f"- -j 2 >= 1.7x -j 1 on 2 cores: -j {CPUS} is {jn / j1:.2f}x -j 1 on {CPUS} CPUs"
        + (f", {verdict(jn >= 1.7 * j1)}" if CPUS == 2 else " (floor defined for 2 cores)")
    )
    print(
        f"- peak memory under 150 MB per process: {peak:.0f} MB, {verdict(peak < 150)}; "
        "flat within 10% from 5000 to 20000 files: see --memory-check"
    )
    print(f"- one-post command <= 150 ms: {one_ms:.0f} ms, {verdict(one_ms <= 150)}")
    print(f"- --learn costs at most 1.5x a plain run: {j1 / learn:.2f}x, {verdict(j1 / learn <= 1.5)}")


def memory_check(src: Path) -> None:
    print(machine() + "\n", flush=True)
    results = []
    for n in (5000, 20000):
        with tempfile.TemporaryDirectory(prefix="cleanart-bench-", dir=scratch_dir()) as tmp_name:
            tmp = Path(tmp_name)
            posts = build(src, n, tmp)
            args = ["convert", str(posts), "-o", "{out}", "-q", "-t", "txt", "-j", "1"]
            results.append(cli(f"cleanart -t txt -j 1, {n} files", "cleanart", args, n, tmp))
    print(table(HEADERS, rows(results)) + "\n")
    small, big = results[0]["main"], results[1]["main"]
    print(
        f"Peak RSS {small:.0f} MB (5000 files) vs {big:.0f} MB (20000 files): ratio {big / small:.2f} "
        f"(floor: within 10%, under 150 MB: {verdict(big <= 1.1 * small and big < 150)})"
    )


def _worker_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / PER_MB


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def dask_check(src: Path, sizes=(5000, 20000), workers: int = 2) -> None:
    """-j 1 and -j ``workers`` against the Dask cluster ``--engine dask -j workers`` starts,
    and each Dask worker's peak memory."""
    from cleanart.dask import Cluster

    print(machine() + f"\nFiles live in {scratch_dir() or tempfile.gettempdir()}\n", flush=True)
    rows_out, rates, peaks = [], {}, {}
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="cleanart-bench-", dir=scratch_dir()) as tmp_name:
            tmp = Path(tmp_name)
            posts = build(src, n, tmp)
            convert = ["convert", str(posts), "-o", "{out}", "-q", "-t", "txt"]
            one = cli(f"cleanart -t txt -j 1, {n} posts", "cleanart", [*convert, "-j", "1"], n, tmp)
            pool_args = [*convert, "-j", str(workers)]
            pool = cli(f"cleanart -t txt -j {workers}, {n} posts", "cleanart", pool_args, n, tmp)
            cluster = Cluster(None, workers)
            try:
                name = f"cleanart -t txt --scheduler (LocalCluster, {workers} workers), {n} posts"
                address = cluster.client.scheduler.address
                workers_before, scheduler_before = cluster.client.run(_cpu_s), _cpu_s()
                on_dask = cli(name, "cleanart", [*convert, "--scheduler", address], n, tmp)
                # CPU of the whole run: the command's, the scheduler's (a thread of this process)
                # and the workers' (the nannies, idle, left out).
                on_dask["cpu"] += _cpu_s() - scheduler_before
                on_dask["cpu"] += sum(t - workers_before[w] for w, t in cluster.client.run(_cpu_s).items())
                worker_mb = cluster.client.run(_worker_peak_mb)
            finally:
                cluster.close()
            on_dask["worker"] = max(worker_mb.values())
            rows_out += rows([one, pool, on_dask])
            rate = {r["name"]: r["docs"] / r["seconds"] for r in (one, pool, on_dask)}
            rates[n] = rate[on_dask["name"]] / rate[one["name"]]
            peaks[n] = sorted(worker_mb.values())
            local = rate[pool["name"]] / rate[one["name"]]
            print(
                f"{n} posts: Dask {rates[n]:.2f}x -j 1 (-j {workers}: {local:.2f}x); "
                f"worker peaks MB {[round(v) for v in peaks[n]]}",
                flush=True,
            )
    print(f"\n{table(HEADERS, rows_out)}\n")
    small, big = max(peaks[sizes[0]]), max(peaks[sizes[-1]])
    print("Floors (from the project's issue):\n")
    print(
        f"- a LocalCluster of {workers} workers on {sizes[-1]} posts >= 1.6x the -j 1 rate: "
        f"{rates[sizes[-1]]:.2f}x, {verdict(rates[sizes[-1]] >= 1.6)}"
    )
    print(
        f"- peak RSS per worker flat from {sizes[0]} to {sizes[-1]} posts (within 10%): "
        f"{small:.0f} MB vs {big:.0f} MB, ratio {big / small:.2f}, {verdict(big <= 1.1 * small)}"
    )


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
        help="folder holding rss/ (default: %(default)s)",
    )
    ap.add_argument("--files", type=int, default=5000, metavar="N", help="posts to build (default: 5000)")
    ap.add_argument(
        "--memory-check",
        action="store_true",
        help="only run cleanart -j 1 on 5000 and 20000 files and compare peak RSS",
    )
    ap.add_argument(
        "--dask",
        action="store_true",
        help="only compare -j 1 with a Dask LocalCluster of 2 workers on 5000 and 20000 posts",
    )
    ap.add_argument(
        "--pages",
        type=int,
        metavar="N",
        help="whole pages instead: N copies of the corpus's web/*.html pages, cleanart against trafilatura",
    )
    ap.add_argument("--loop", nargs=2, metavar=("KIND", "DIR"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.loop:
        loop(args.loop[0], Path(args.loop[1]))
        return 0
    if args.files < 1:
        ap.error("--files must be at least 1")
    if args.pages is not None:
        if args.pages < 1:
            ap.error("--pages must be at least 1")
        page_throughput(need_dir(args.corpus / "web", "web corpus"), args.pages)
        return 0
    src = need_dir(args.corpus / "rss", "rss corpus")
    if args.memory_check:
        memory_check(src)
    elif args.dask:
        dask_check(src)
    else:
        throughput(src, args.files)
    return 0


if __name__ == "__main__":
    sys.exit(main())
