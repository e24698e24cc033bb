"""How long the import command takes on large reading lists, on a fresh database each time.

Run with `make bench-imports` (or `python bench/imports.py --help`). It writes two synthetic
lists into a temporary folder, a BibTeX file and a list of arXiv ids, and times
`manage.py import_reading_list` on each: once into an empty canon, then the same file
again (every paper merges). The arXiv list is imported as it is read, with placeholder
titles, so nothing reaches the network. PostgreSQL runs on a throwaway cluster
(scripts/pgcluster.sh); SQLite on a file in the temporary folder. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CLUSTER = ["bash", str(ROOT / "scripts" / "pgcluster.sh")]
WORDS = [
    "attention",
    "sparse",
    "retrieval",
    "diffusion",
    "scaling",
    "transformer",
    "memory",
    "graph",
    "kernel",
    "contrastive",
    "tokenizer",
    "alignment",
    "reward",
    "policy",
    "latent",
    "spectral",
    "federated",
    "robust",
    "causal",
    "curriculum",
    "distillation",
    "quantized",
    "recurrent",
    "adaptive",
    "generative",
]
SURNAMES = [
    "Ng",
    "Li",
    "Garcia",
    "Okafor",
    "Tanaka",
    "Novak",
    "Silva",
    "Haddad",
    "Kowalski",
    "Dubois",
    "Larsen",
    "Mehta",
]


def arxiv_ids(count: int) -> list[str]:
    """Distinct new-style ids (`YYMM.NNNNN`, five digits from 2015 on)."""
    months = [f"{year:02d}{month:02d}" for year in range(15, 100) for month in range(1, 13)]
    per_month = -(-count // len(months))
    ids = (f"{month}.{n:05d}" for n in range(1, per_month + 1) for month in months)
    return [next(ids) for _ in range(count)]


def bibtex_entry(n: int, rng: random.Random, arxiv_id: str) -> str:
    words = " ".join(rng.choice(WORDS) for _ in range(5))
    title = f"A Synthetic Study {n} of {words.title()}"
    authors = " and ".join(f"{rng.choice(SURNAMES)}, {chr(65 + n % 26)}." for _ in range(3))
    fields = [
        f"  title = {{{title}}}",
        f"  author = {{{authors}}}",
        f"  year = {{{2000 + n % 25}}}",
        f"  journal = {{Journal of {rng.choice(WORDS).title()} Studies}}",
    ]
    if n % 3 == 1:
        fields.append(f"  doi = {{10.5555/synthetic.{n}}}")
    elif n % 3 == 2:
        fields.append(f"  eprint = {{{arxiv_id}}}")
        fields.append("  archivePrefix = {arXiv}")
    return f"@article{{synthetic{n},\n" + ",\n".join(fields) + "\n}\n"


def write_lists(folder: Path, bibtex: int, arxiv: int) -> dict[str, tuple[Path, int]]:
    rng = random.Random(17)
    bib = folder / "synthetic.bib"
    eprints = arxiv_ids(bibtex)
    entries = (bibtex_entry(n, rng, eprints[n]) for n in range(bibtex))
    bib.write_text("\n".join(entries), encoding="utf-8")
    ids = folder / "synthetic-arxiv.txt"
    ids.write_text("\n".join(arxiv_ids(arxiv)) + "\n", encoding="utf-8")
    return {"bibtex": (bib, bibtex), "arxiv": (ids, arxiv)}


def manage(env: dict, *args: str, timeout: float | None = None) -> tuple[float | None, str]:
    """Seconds the command took (None past the timeout) and its last line of output."""
    started = time.monotonic()
    try:
        done = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return None, ""
    if done.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    lines = done.stdout.strip().splitlines()
    return time.monotonic() - started, (lines[0] if lines else "")


def base_env(url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(DATABASE_URL=url, DEBUG="true", DB_CONN_MAX_AGE="0")
    return env


class Postgres:
    """A throwaway cluster; `fresh()` gives an empty, migrated database each time."""

    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="readinggroup-bench-imports-pg.")
        self.url = subprocess.run(
            [*CLUSTER, "start", self.dir], capture_output=True, text=True, check=True
        ).stdout.strip()
        self.count = 0

    def fresh(self) -> str:
        import psycopg

        self.count += 1
        name = f"imports{self.count}"
        admin = self.url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url.rsplit("/", 1)[0] + "/" + name

    def stop(self) -> None:
        subprocess.run([*CLUSTER, "stop", self.dir], check=False)


def measure(url: str, path: Path, fmt: str, timeout: float) -> dict:
    env = base_env(url)
    manage(env, "migrate", "--noinput", "-v0")
    args = ("import_reading_list", str(path), "--format", fmt)
    first, said = manage(env, *args, timeout=timeout)
    again = manage(env, *args, timeout=timeout)[0] if first is not None else None
    return {"first": first, "again": again, "said": said}


def seconds(value: float | None, timeout: float) -> str:
    return f"> {timeout:.0f}" if value is None else f"{value:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bibtex", type=int, default=50_000, help="BibTeX entries")
    parser.add_argument("--arxiv", type=int, default=100_000, help="arXiv ids")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per import")
    options = parser.parse_args()
    databases = [name.strip() for name in options.databases.split(",") if name.strip()]
    scratch = Path(tempfile.mkdtemp(prefix="readinggroup-bench-imports."))
    postgres = None
    rows = []
    try:
        lists = write_lists(scratch, options.bibtex, options.arxiv)
        if "postgresql" in databases:
            postgres = Postgres()
        for database in databases:
            for fmt, (path, count) in lists.items():
                if not count:
                    continue
                if database == "postgresql":
                    url = postgres.fresh()
                else:
                    url = f"sqlite:///{scratch / f'{fmt}.sqlite3'}"
                print(f"== {database}: {count:,} {fmt} entries", flush=True)
                result = measure(url, path, fmt, options.timeout)
                print(f"   {result['said']}", flush=True)
                rows.append((database, fmt, count, path.stat().st_size, result))
    finally:
        if postgres is not None:
            postgres.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    timeout = options.timeout
    print(
        "\n| database | list | entries | file | import into an empty canon, s | entries/s "
        "| same file again (all merge), s |\n|---|---|---|---|---|---|---|"
    )
    for database, fmt, count, size, result in rows:
        first = result["first"]
        rate = f"{count / first:,.0f}" if first else "—"
        print(
            f"| {database} | {fmt} | {count:,} | {size / 1_000_000:.1f} MB "
            f"| {seconds(first, timeout)} | {rate} | {seconds(result['again'], timeout)} |"
        )


if __name__ == "__main__":
    main()
