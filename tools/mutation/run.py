"""Mutation testing of the safety-critical modules with mutmut 3 (docs/mutation.md).

    .venv/bin/pip install -r tools/mutation/requirements.txt   # once
    .venv/bin/python tools/mutation/run.py                     # every mutant in scope, then the score
    .venv/bin/python tools/mutation/run.py again               # only those neither killed nor equivalent
    .venv/bin/python tools/mutation/run.py score               # the score of the last run
    .venv/bin/python tools/mutation/run.py survivors           # the survivors, as diffs
    .venv/bin/python tools/mutation/run.py 'smsbridge.resilience.x__final*'  # these mutants
    .venv/bin/python tools/mutation/run.py --at COMMIT [...]   # the same for an earlier commit

Works in ``.mutation/work/`` at the repository root (``.mutation/at-COMMIT/`` with
``--at``), ignored by git: mutmut 3 needs the package under ``src/`` of the folder it runs
in, and keeps its mutants and results there, so a later run picks up where one stopped.
Runs with 2 workers (``MUTATION_WORKERS`` to change), its test databases in ``/dev/shm``
where there is one, outside the normal test run.
"""

from __future__ import annotations

import ast
import difflib
import fnmatch
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STAGE = ROOT / ".mutation" / "work"
MUTMUT = Path(sys.executable).with_name("mutmut")

#: the functions under mutation testing, by module (mutmut's names: ``x_name`` for a function,
#: ``xǁClassǁmethod`` for a method); anything else in these files is left alone
SCOPE = {
    "resilience": [
        "smsbridge.resilience.xǁRetryPolicyǁ*",
        "smsbridge.resilience.x__final__mutmut_*",
        "smsbridge.resilience.xǁFailoverAccountǁ*",
        "smsbridge.resilience.xǁFailoverChunksǁ*",
        "smsbridge.resilience.x__refused_whole__mutmut_*",
    ],
    "sending": [
        "smsbridge.sending.x_send_one__mutmut_*",
        "smsbridge.sending.x_request__mutmut_*",
        "smsbridge.sending.x_request_safe__mutmut_*",
        "smsbridge.sending.x_checked__mutmut_*",
        "smsbridge.sending.xǁChunkSenderǁ*",
        "smsbridge.results.x_summarize__mutmut_*",
        "smsbridge.results.x_merge__mutmut_*",
        "smsbridge.results.x_duplicate_result__mutmut_*",
    ],
    "ledger.store": ["smsbridge.ledger.store.*"],
    "ledger.runner": ["smsbridge.ledger.runner.*"],
    "ledger.sends": ["smsbridge.ledger.sends.*"],
    "ledger.states": ["smsbridge.ledger.states.*"],
    "ledger.lease": ["smsbridge.ledger.lease.*"],
}
GLOBS = [g for globs in SCOPE.values() for g in globs]
DETECTED = {"killed", "timeout", "caught by type check"}


def module_of(name: str) -> str | None:
    return next((m for m, globs in SCOPE.items() if any(fnmatch.fnmatchcase(name, g) for g in globs)), None)


def stage(commit: str | None = None) -> None:
    """The folder mutmut runs in: the sources and tests (linked, or of ``commit``), its configuration."""
    global STAGE
    if commit is not None:
        STAGE = ROOT / ".mutation" / f"at-{commit}"
        tree = STAGE / "tree"
        if not tree.exists():
            tree.mkdir(parents=True)
            archive = subprocess.run(
                ["git", "archive", commit, "core/src", "tests"], cwd=ROOT, capture_output=True, check=True
            )
            subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
        sources = {"src": tree / "core" / "src", "tests": tree / "tests"}
    else:
        sources = {"src": ROOT / "core" / "src", "tests": ROOT / "tests"}
    STAGE.mkdir(parents=True, exist_ok=True)
    for name, target in sources.items():
        link = STAGE / name
        if not link.is_symlink():
            link.symlink_to(target, target_is_directory=True)
    config = (ROOT / "tools" / "mutation" / "pyproject.toml").read_text(encoding="utf-8")
    # an earlier commit may lack some of today's test files: select only those it has
    missing = re.compile(r'^\s*"(tests/[^"]+)",\n', re.MULTILINE)
    config = missing.sub(lambda m: m[0] if (sources["tests"].parent / m[1]).exists() else "", config)
    (STAGE / "pyproject.toml").write_text(config, encoding="utf-8")


def mutmut(*args: str, capture: bool = False) -> str:
    if not MUTMUT.exists():
        sys.exit(f"mutmut is not installed: {sys.executable} -m pip install -r tools/mutation/requirements.txt")
    env = dict(os.environ)
    if Path("/dev/shm").is_dir():  # SQLite's fsyncs on a disk would make the run I/O-bound
        env["TMPDIR"] = str(Path("/dev/shm") / f"smsbridge-mutation-{os.getuid()}")
        Path(env["TMPDIR"]).mkdir(exist_ok=True)
    done = subprocess.run([str(MUTMUT), *args], cwd=STAGE, env=env, text=True, capture_output=capture, check=False)
    if capture and done.returncode:
        sys.exit(done.stderr or done.stdout)
    return done.stdout if capture else ""


def results() -> dict[str, str]:
    """Every mutant in scope with its status, from mutmut's last results."""
    out: dict[str, str] = {}
    for line in mutmut("results", "--all", "true", capture=True).splitlines():
        match = re.fullmatch(r"\s*(\S+): (.+)", line)
        if match and module_of(match[1]):
            out[match[1]] = match[2].strip()
    return out


def listed_equivalents() -> dict[str, str]:
    """The mutants docs/mutation.md shows equivalent (table rows: backticked names | why)."""
    listed: dict[str, str] = {}
    doc = ROOT / "docs" / "mutation.md"
    for row in doc.read_text(encoding="utf-8").splitlines() if doc.exists() else ():
        cells = row.split(" | ")
        if row.startswith("| `smsbridge.") and len(cells) >= 2:
            for name in re.findall(r"`(smsbridge\.[^`]+)`", cells[0]):
                listed[name] = cells[-1].rstrip(" |")
    return listed


_SQL = re.compile(
    r"\?|\b(select|insert|update|delete|where|from|values|on conflict|order by|group by|set|null|coalesce|join)\b"
    r"|\b[a-z]\.[a-z_]+\b(, |\s*$)",  # or a list of aliased columns (r.state, f.code, ...)
    re.I,
)


def changed_lines(name: str, sources: dict[Path, dict[str, list[str]]]) -> tuple[list[str], list[str]]:
    """The lines a mutant removes and adds, from the function copies in mutmut's mutated file."""
    module, _, function = name.rpartition(".")
    path = STAGE / "mutants" / "src" / Path(*module.split(".")).with_suffix(".py")
    if path not in sources:
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        sources[path] = {
            node.name: lines[node.lineno : node.end_lineno]
            for node in ast.walk(ast.parse(text))
            if isinstance(node, ast.FunctionDef)
        }
    defs = sources[path]
    orig, mutant = defs.get(function.rpartition("__mutmut_")[0] + "__mutmut_orig", []), defs.get(function, [])
    diff = list(difflib.ndiff(orig, mutant))
    return [x[2:] for x in diff if x.startswith("- ")], [x[2:] for x in diff if x.startswith("+ ")]


_SQL = re.compile(
    r"\?|\b(select|insert|update|delete|where|from|values|on conflict|order by|group by|set|null|coalesce|join)\b"
    r"|\b[a-z]\.[a-z_]+\b(, |\s*$)",  # or a list of aliased columns (r.state, f.code, ...)
    re.I,
)


def sql_letter_case(old: list[str], new: list[str]) -> bool:
    """The mutant only changes the letter case of SQL keywords and names, not of a quoted value.

    SQLite and PostgreSQL read unquoted keywords and names in any case: such a mutant is
    equivalent by construction (docs/mutation.md, "Equivalent by rule").
    """
    if len(old) != 1 or len(new) != 1 or old[0] == new[0] or old[0].lower() != new[0].lower():
        return False
    quoted = re.compile(r"'[^']*'")
    return bool(_SQL.search(old[0])) and quoted.findall(old[0]) == quoted.findall(new[0])


def judge(found: dict[str, str]) -> dict[str, str]:
    """Each mutant's verdict: killed, equivalent (listed in the docs, or by rule), or open."""
    listed = listed_equivalents()
    verdicts: dict[str, str] = {}
    sources: dict[Path, dict[str, list[str]]] = {}
    for name, status in found.items():
        if status in DETECTED:
            verdicts[name] = "killed"
        elif name in listed:
            verdicts[name] = "equivalent"
        elif sql_letter_case(*changed_lines(name, sources)):
            verdicts[name] = "equivalent (SQL letter case)"
        else:
            verdicts[name] = "open"
    return verdicts


def score() -> int:
    found = results()
    if not found:
        print("no results yet: run tools/mutation/run.py first")
        return 1
    listed = listed_equivalents()
    verdicts = judge(found)
    by_module: dict[str, Counter[str]] = {m: Counter() for m in SCOPE}
    for name, verdict in verdicts.items():
        by_module[module_of(name) or ""][verdict.split(" ")[0]] += 1
    print(f"{'module':<16}{'killed':>8}{'equiv.':>8}{'open':>6}{'total':>7}{'killed':>9}{'+ equiv.':>10}")
    total = Counter[str]()
    for module, counts in by_module.items():
        total.update(counts)
        print(line(module, counts))
    print(line("all", total))
    stale = sorted(set(listed) - {n for n, v in verdicts.items() if v == "equivalent"})
    if stale:
        print(f"\n{len(stale)} listed as equivalent in docs/mutation.md but killed or gone now:")
        print("".join(f"  {name}\n" for name in stale), end="")
    open_ = sorted(n for n, v in verdicts.items() if v == "open")
    if open_:
        print(f"\n{len(open_)} not killed and not shown equivalent (run.py survivors shows their diffs):")
        print("".join(f"  {name}: {found[name]}\n" for name in open_), end="")
    return 0


def line(module: str, counts: Counter[str]) -> str:
    n = sum(counts.values())
    killed, equivalent = counts["killed"], counts["equivalent"]

    def pct(x: int) -> str:
        return f"{100 * x / n:.1f}%" if n else "-"

    shown = f"{pct(killed):>9}{pct(killed + equivalent):>10}"
    return f"{module:<16}{killed:>8}{equivalent:>8}{counts['open']:>6}{n:>7}{shown}"


def main(argv: list[str]) -> int:
    commit = None
    if argv[:1] == ["--at"]:
        commit, argv = argv[1], argv[2:]
    stage(commit)
    if argv[:1] == ["score"]:
        return score()
    if argv[:1] == ["survivors"]:
        listed = listed_equivalents()
        for name, status in sorted(results().items()):
            if status not in DETECTED and name not in listed:
                print(mutmut("show", name, capture=True))
        return 0
    if argv[:1] == ["again"]:  # what is neither killed nor shown equivalent
        argv = sorted(n for n, v in judge(results()).items() if v == "open")
        if not argv:
            return score()
    workers = os.environ.get("MUTATION_WORKERS", "2")
    mutmut("run", "--max-children", workers, *(argv or GLOBS))
    return score()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
