"""The README's tour and the user's guide run as written, and print what they show (issue 13 §7).

How a doc is read. A ```console block is a shell session: a line starting with `$ ` is a command, and the
lines after it, up to the next `$ `, are what it prints (standard output and standard error together). A
heredoc (`cat > penalties.csv <<'EOF'` up to `EOF`) is part of its command. A block right after a line
`<!-- not run: REASON -->` is shown to the reader and not run (a server, `make run`, a PostgreSQL server);
test_block_not_run skips once for each, with its reason, so that every run's summary lists them.

How they run. The README's blocks, then the guide's, run in that order in one bash session (the guide
continues the tour, in its folder and its store), in a fresh home folder with a project folder in it: the
`source .venv/bin/activate` there is a stub, since the session's PATH already has `credence`. That
`credence` is the project's with one difference: its clock starts at 26 November 2026, 10:00 in Shanghai
(02:00 UTC), the day the docs' outputs speak of, and runs on from there; the CLI has no setting for
"today", and without one every date, deadline and grade (records weigh less with age) would move with the
calendar.

What is compared: every line a block shows, after these placeholders, applied alike to what the docs show
and to what the commands print:

- `…` in a shown line stands for any text within the line, and a line that is only `…` for any lines
  (the docs write `…` where they leave something out: a token, a long JSON answer);
- durations: `0.1 s` and `"seconds": 0.153` stand for any number of seconds;
- the time of day in timestamps (`2026-11-26T02:03:04.567890+00:00`, `02:03 UTC`) stands for any time;
  the date is compared;
- a SHA-256 in hex (a report's fingerprint, a log's root) stands for any other, and a report's
  verification code (random by design) for any other; a later command that quotes the code the docs
  show is run with the one the session printed;
- the session's home folder is shown as `/home/you`;
- spaces at the end of a line are ignored (a centred table title has them; editors drop them).

A command shown without output is not compared, but must exit with status 0. Blocks whose commands read
../shared/data are skipped, saying so, when that folder is absent.

To see what the docs print now, run `.venv/bin/python tests/test_tours.py [--raw] [README.md ...]`: it
prints the session, each command with its output (masked as above, or with --raw only the home folder
replaced) and whether it differs from the docs.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
# Run in this order, in one session: the guide's examples continue the README's tour.
DOCS = ("README.md", "docs/user-guide.md")
TODAY = "2026-11-26T02:00:00+00:00"  # 10:00 in Asia/Shanghai, the registry's default time zone
HOME_SHOWN = "/home/you"
PROJECT = "credence"  # the project's folder in the session's home, as the docs call it
SESSION_SECONDS = 900  # about 100 commands, 2 to 3 minutes on a busy machine with two cores

NOT_RUN = re.compile(r"^<!--\s*not run:\s*(?P<reason>.+?)\s*-->$")
HEREDOC = re.compile(r"<<-?\s*(['\"]?)(?P<word>\w+)\1")
CODE = r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}"
MASKS = [
    (re.compile(r"\b\d+(?:\.\d+)? s\b"), "<n> s"),
    (re.compile(r'"seconds": \d+(?:\.\d+)?'), '"seconds": <n>'),
    (re.compile(r"(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?"), r"\1T<time>"),
    (re.compile(r"\b\d{2}:\d{2} UTC\b"), "<time> UTC"),
    (re.compile(r"\b[0-9a-f]{64}\b"), "<sha256>"),
    (re.compile(rf"\b{CODE}\b"), "<code>"),
]


@dataclass
class Command:
    doc: str
    line: int  # of its `$ ` line in the doc, from 1
    text: str  # what bash runs: the line after `$ `, and a heredoc's lines
    shown: list[str]  # the output the doc shows

    @property
    def where(self) -> str:
        return f"{self.doc}:{self.line}"


@dataclass
class Block:
    doc: str
    line: int  # of its opening fence
    commands: list[Command] = field(default_factory=list)
    not_run: str | None = None  # the reason, when the doc marks the block not run

    @property
    def needs_shared_data(self) -> bool:
        return any("shared/data" in c.text for c in self.commands)


def read_blocks(doc: str) -> list[Block]:
    """Every ```console block of a doc, with its commands and the output each shows."""
    lines = (ROOT / doc).read_text("utf-8").splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        if lines[i].strip() != "```console":
            i += 1
            continue
        before = next((lines[j].strip() for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        mark = NOT_RUN.match(before)
        block = Block(doc, i + 1, not_run=mark.group("reason") if mark else None)
        i += 1
        while i < len(lines) and lines[i].strip() != "```":
            text = lines[i]
            if text.startswith("$ "):
                command = Command(doc, i + 1, text[2:], [])
                heredoc = HEREDOC.search(text)
                if heredoc:  # its lines, up to the word alone on a line, are the command's
                    while i + 1 < len(lines) and lines[i + 1] != heredoc.group("word"):
                        i += 1
                        command.text += "\n" + lines[i]
                    i += 1
                    command.text += "\n" + heredoc.group("word")
                block.commands.append(command)
            elif block.commands:
                block.commands[-1].shown.append(text)
            elif text.strip():
                raise AssertionError(f"{doc}:{i + 1}: a console block starts with a `$ ` command")
            i += 1
        blocks.append(block)
        i += 1
    return blocks


BLOCKS = [block for doc in DOCS for block in read_blocks(doc)]


def mask(text: str, home: str | None = None) -> str:
    if home:
        text = text.replace(home, HOME_SHOWN)
    for pattern, placeholder in MASKS:
        text = pattern.sub(placeholder, text)
    return text


def trimmed(lines: list[str]) -> list[str]:
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


def matches(shown: list[str], printed: list[str]) -> bool:
    """Do the lines printed match the lines shown, with `…` standing for any text (or, alone, any lines)?"""
    pattern = "".join(
        r"(?:.*\n)*?" if line.strip() == "…" else ".*?".join(map(re.escape, line.split("…"))) + r"\n"
        for line in shown
    )
    return re.fullmatch(pattern, "".join(line + "\n" for line in printed)) is not None


def clocked_credence(bin_dir: Path) -> None:
    """`credence` as the project installs it, its clock starting at TODAY (see the module's docstring)."""
    script = bin_dir / "credence"
    script.write_text(
        f"#!{sys.executable}\n"
        + textwrap.dedent(
            """\
            # The project's credence, its clock starting at the docs' today: see tests/test_tours.py.
            import os
            import sys
            import time
            from datetime import datetime, timedelta

            from credence import clock

            START = datetime.fromisoformat(os.environ["TOURS_TODAY"])
            REAL_START = float(os.environ["TOURS_REAL_START"])
            clock.SystemClock.now = lambda self: START + timedelta(seconds=time.time() - REAL_START)

            from credence.cli.main import app

            sys.argv[0] = "credence"
            sys.exit(app())
            """
        ),
        "utf-8",
    )
    script.chmod(0o755)


@dataclass
class Outcome:
    command: Command
    printed: list[str] | None  # None: the session never reached it
    status: int | None

    def problem(self, home: str) -> str | None:
        if self.printed is None:
            return "not run: the session stopped before it"
        printed = trimmed([mask(line, home).rstrip() for line in self.printed])
        shown = trimmed([mask(line).rstrip() for line in self.command.shown])
        if not shown:
            return (
                None if self.status == 0 else f"exit status {self.status}; it printed:\n" + "\n".join(printed)
            )
        if matches(shown, printed):
            return None
        return "printed:\n" + "\n".join(printed) + "\nwhere the doc shows:\n" + "\n".join(shown)


def session_script(commands: list[Command], out: Path) -> str:
    """One bash session: each command's output to out/N, its exit status to out/N.status.

    Each runs in the session's shell itself ({ ...; }), so cd, export and source carry on, and `echo $?`
    sees the previous command's status. A verification code a command prints is kept in a variable, and a
    later command quoting the code the doc showed uses it.
    """
    script = ["set +e"]
    codes: dict[str, str] = {}
    for n, command in enumerate(commands):
        text = command.text
        for shown, variable in codes.items():
            text = text.replace(shown, "${" + variable + "}")
        script += [
            "{",
            text,
            f"}} > '{out}/{n}' 2>&1 < /dev/null",
            "__status=$?",
            f"echo $__status > '{out}/{n}.status'",
        ]
        for k, shown in enumerate(re.findall(CODE, "\n".join(command.shown))):
            if shown not in codes:
                codes[shown] = f"__code_{len(codes)}"
                script.append(f"{codes[shown]}=$(grep -oE '{CODE}' '{out}/{n}' | sed -n '{k + 1}p')")
        script.append("(exit $__status)")
    return "\n".join(script) + "\n"


def run_session(blocks: list[Block], tmp: Path) -> tuple[list[Outcome], str]:
    home = tmp / "you"
    project = home / PROJECT
    (project / ".venv" / "bin").mkdir(parents=True)
    (project / ".venv" / "bin" / "activate").write_text(
        "# A stub: the session's PATH already has the project's credence, with the docs' clock.\n", "utf-8"
    )
    (project / "src").symlink_to(ROOT / "src")  # the shipped files the guide checks
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    clocked_credence(bin_dir)
    out = tmp / "out"
    out.mkdir()
    commands = [c for block in blocks for c in block.commands]
    env = {
        "HOME": str(home),
        "PATH": os.pathsep.join(
            [str(bin_dir), str(ROOT / ".venv" / "bin"), "/usr/local/bin", "/usr/bin", "/bin"]
        ),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        "TZ": "UTC",
        "TERM": "dumb",
        "TOURS_TODAY": TODAY,
        "TOURS_REAL_START": str(time.time()),
    }
    if "PYTHONPATH" in os.environ:  # a checkout other than the one the virtualenv installed
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    session = subprocess.Popen(
        ["bash", "--noprofile", "--norc"],
        stdin=subprocess.PIPE,
        text=True,
        cwd=project,
        env=env,
        start_new_session=True,  # its own process group: a command that never ends is killed with it
    )
    try:
        session.communicate(session_script(commands, out), timeout=SESSION_SECONDS)
    except subprocess.TimeoutExpired:  # the commands not reached are reported as such
        os.killpg(session.pid, signal.SIGKILL)
        session.wait()
    outcomes = []
    for n, command in enumerate(commands):
        printed = out / str(n)
        status = out / f"{n}.status"
        if not status.exists():
            outcomes.append(Outcome(command, None, None))
            continue
        outcomes.append(Outcome(command, printed.read_text("utf-8").splitlines(), int(status.read_text())))
    return outcomes, str(home)


def blocks_to_run() -> tuple[list[Block], list[str]]:
    run, skipped = [], []
    for block in BLOCKS:
        if block.not_run:
            continue
        if block.needs_shared_data and not SHARED_DATA.exists():
            skipped.append(f"{block.doc}:{block.line}: needs {SHARED_DATA}, which is absent")
            continue
        run.append(block)
    return run, skipped


def test_the_docs_have_console_blocks() -> None:
    for doc in DOCS:
        blocks = [b for b in BLOCKS if b.doc == doc]
        assert [b for b in blocks if not b.not_run], f"{doc}: no console block is run"


NOT_RUN_BLOCKS = [block for block in BLOCKS if block.not_run]


@pytest.mark.parametrize("block", NOT_RUN_BLOCKS, ids=lambda block: f"{block.doc}:{block.line}")
def test_block_not_run(block: Block) -> None:
    """Each block shown but not run is a skip with its reason, in every run's summary (pytest -ra)."""
    shown = "; ".join(f"$ {c.text}" for c in block.commands)
    pytest.skip(f"{block.doc}:{block.line} is not run ({block.not_run}): {shown}")


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("CREDENCE_TEST_BACKEND", "sqlite") != "sqlite",
    reason="the docs' examples use SQLite stores (tour.db); the SQLite leg runs them",
)
def test_the_tour_and_the_guide_print_what_they_show(tmp_path: Path) -> None:
    blocks, skipped = blocks_to_run()
    outcomes, home = run_session(blocks, tmp_path)
    problems = [f"{o.command.where}: $ {o.command.text}\n{p}" for o in outcomes if (p := o.problem(home))]
    assert not problems, (
        f"{len(problems)} of {len(outcomes)} commands differ from the docs:\n\n" + "\n\n".join(problems)
    )
    if skipped:
        pytest.skip("; ".join(skipped))


def test_placeholders() -> None:
    assert (
        mask("penalties.csv (SAMR): 2 accepted — batch 1, 0.1 s")
        == "penalties.csv (SAMR): 2 accepted — batch 1, <n> s"
    )
    assert mask("│ 2026-11-26T02:03:04.567890+00:00 │") == "│ 2026-11-26T<time>+00:00 │"
    assert mask("issued 2026-11-26 07:14 UTC") == "issued 2026-11-26 <time> UTC"
    assert mask("report DW6Q-RD9J-W4N9-HD0R on") == "report <code> on"
    assert mask("/tmp/x/you/credence/tour/p.csv", "/tmp/x/you") == "/home/you/credence/tour/p.csv"
    assert matches(["token #1:", "cred_…"], ["token #1:", "cred_abc"])
    assert matches(['{…, "a": 1}'], ['{"b": 2, "a": 1}'])
    assert matches(["first", "…", "last"], ["first", "x", "y", "last"])
    assert matches(["first", "…", "last"], ["first", "last"])
    assert not matches(["grade B"], ["grade C"])
    assert not matches(["one line"], ["one line", "and another"])


def test_the_parser_reads_heredocs_and_marks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "doc.md").write_text(
        textwrap.dedent(
            """\
            <!-- not run: it serves until stopped -->

            ```console
            $ credence serve
            ```

            ```console
            $ cat > a.csv <<'EOF'
            x,y
            $ 1,2
            EOF
            $ cat a.csv
            x,y
            …
            $ echo $?
            0
            ```
            """
        ),
        "utf-8",
    )
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    served, written = read_blocks("doc.md")
    assert (served.line, served.not_run, [c.text for c in served.commands]) == (
        3,
        "it serves until stopped",
        ["credence serve"],
    )
    assert written.not_run is None
    assert [(c.line, c.text, c.shown) for c in written.commands] == [
        (8, "cat > a.csv <<'EOF'\nx,y\n$ 1,2\nEOF", []),
        (12, "cat a.csv", ["x,y", "…"]),
        (15, "echo $?", ["0"]),
    ]


def main() -> None:
    """Print the session: each command, what it printed, and where that differs from the doc."""
    import tempfile

    raw = "--raw" in sys.argv
    docs = [arg for arg in sys.argv[1:] if arg != "--raw"]
    blocks, skipped = blocks_to_run()
    if docs:
        blocks = [b for b in blocks if b.doc in docs]
    with tempfile.TemporaryDirectory() as tmp:
        outcomes, home = run_session(blocks, Path(tmp))
        for o in outcomes:
            print(f"=== {o.command.where} (exit {o.status})\n$ {o.command.text}")
            print(
                "\n".join(
                    line.replace(home, HOME_SHOWN) if raw else mask(line, home) for line in o.printed or []
                )
            )
            problem = o.problem(home)
            if problem:
                print(f"!!! differs from the doc: {problem.splitlines()[0]}")
    for line in skipped:
        print("skipped:", line)


if __name__ == "__main__":
    main()
