"""The CI templates in docs/ci/: ready to copy, and every close-contract command in them works.

Both files are parsed as YAML and their structure checked (jobs, triggers, steps or scripts,
artifacts kept on failure). Every ``close-contract`` command is extracted from the shell
scripts and run with the template's own variables, except that the live API roots and keys
are those of servers this test starts, and the paths are relative to a temporary directory
that holds the recordings a copied repository would have committed. One scenario runs its
commands as CI does, the installed command in processes of their own; the others run the
same commands through the CLI in this process. The shell around the commands (exit code
handling, the pre-release flow) is run too, with a stand-in ``close-contract`` that exits
as told.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.run import invoke
from support.unavailable import unavailable

import contract
from contract.emulator import EmulatorServer

ROOT = Path(__file__).resolve().parents[1]
GITHUB = ROOT / "docs" / "ci" / "github-actions.yml"
GITLAB = ROOT / "docs" / "ci" / "gitlab-ci.yml"
TEMPLATES = {"github": GITHUB, "gitlab": GITLAB}
JOBS = ("replay", "nightly", "pre-release")
LIVE_URL = "https://api.close.com/api/v1"  # the templates' production API root
REPLAYED = "cassettes/emulator-default"  # the committed recording the replay job uses
PRODUCTION = "cassettes/production"  # production's committed recording, the nightly baseline
CANDIDATE_KEY = "candidate_api_key_0123456789"
BIN = Path(sys.executable).parent

# What GitLab keeps in CI/CD settings rather than in the file; the header must name them.
GITLAB_PROJECT_VARIABLES = ("CLOSE_API_KEY", "CANDIDATE_API_KEY", "CANDIDATE_BASE_URL")
GITLAB_KEYWORDS = {"default", "include", "stages", "variables", "workflow"}
SHELL_WORDS = {"if", "then", "else", "elif", "do", "while", "until", "!", "{"}
ASSIGNMENT = re.compile(r"^[A-Za-z_]\w*=")
VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")
GITHUB_EXPRESSION = re.compile(r"^\$\{\{\s*(secrets|inputs)\.(\w+)\s*\}\}$")
# Options whose value is a file or directory the command writes.
WRITES = ("--report-json", "--junit-xml", "--report-md", "--record", "--out")


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text("utf-8"))
    assert isinstance(data, dict), f"{path.name} is not a YAML mapping"
    return data


# --- reading the scripts --------------------------------------------------------------------


def logical_lines(script: str) -> list[str]:
    """The script's commands: continuation lines joined, comments and blank lines dropped."""
    joined = re.sub(r"\\\n", " ", script)
    return [line.strip() for line in joined.splitlines() if line.strip()[:1] not in ("", "#")]


def simple_commands(line: str) -> list[list[str]]:
    """The simple commands of one shell line, split at ``;``, ``&&``, ``||`` and ``|``.

    Words keep their ``$VARIABLE`` references (quotes removed), to be expanded later.
    """
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    commands: list[list[str]] = [[]]
    for token in lexer:
        if token and all(char in ";&|()" for char in token):
            commands.append([])
        else:
            commands[-1].append(token)
    return [words for words in commands if words]


def option(words: tuple[str, ...], name: str) -> str | None:
    """The value given to option ``name`` (``--out FILE``), if the words have it."""
    return words[words.index(name) + 1] if name in words else None


@dataclass(frozen=True)
class Command:
    """One ``close-contract`` invocation of a template, as written."""

    job: str
    words: tuple[str, ...]  # close-contract and its arguments, variables unexpanded
    assignments: tuple[tuple[str, str], ...]  # NAME=value words before it
    env: Mapping[str, str] = field(default_factory=dict)  # the template's variables there

    @property
    def subcommand(self) -> str:
        return self.words[1]

    def option(self, name: str) -> str | None:
        return option(self.words, name)

    def text(self) -> str:
        prefix = [f"{name}={value}" for name, value in self.assignments]
        return shlex.join([*prefix, *self.words])


def commands_in(script: str, job: str, env: Mapping[str, str]) -> list[Command]:
    found = []
    for line in logical_lines(script):
        for words in simple_commands(line):
            while words and words[0] in SHELL_WORDS:
                words = words[1:]
            assignments = []
            while words and ASSIGNMENT.match(words[0]):
                name, _, value = words.pop(0).partition("=")
                assignments.append((name, value))
            if words and words[0] == "close-contract":
                found.append(Command(job, tuple(words), tuple(assignments), dict(env)))
    return found


def github_steps(workflow: dict[str, Any], job: str) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = workflow["jobs"][job]["steps"]
    return steps


def github_env(workflow: dict[str, Any], job: str, step: dict[str, Any]) -> dict[str, str]:
    """The variables a step's script sees: the workflow's, then the job's, then the step's."""
    env: dict[str, str] = {}
    for level in (workflow, workflow["jobs"][job], step):
        env.update({name: str(value) for name, value in (level.get("env") or {}).items()})
    return env


def github_commands(workflow: dict[str, Any]) -> list[Command]:
    return [
        command
        for job in workflow["jobs"]
        for step in github_steps(workflow, job)
        if "run" in step
        for command in commands_in(step["run"], job, github_env(workflow, job, step))
    ]


def gitlab_jobs(pipeline: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: job
        for name, job in pipeline.items()
        if name not in GITLAB_KEYWORDS and not name.startswith(".")
    }


def gitlab_env(pipeline: dict[str, Any], job: dict[str, Any]) -> dict[str, str]:
    env = {name: str(value) for name, value in (pipeline.get("variables") or {}).items()}
    env.update({name: str(value) for name, value in (job.get("variables") or {}).items()})
    return env


def gitlab_commands(pipeline: dict[str, Any]) -> list[Command]:
    return [
        command
        for name, job in gitlab_jobs(pipeline).items()
        for item in job["script"]
        for command in commands_in(item, name, gitlab_env(pipeline, job))
    ]


def commands_of(template: str) -> list[Command]:
    if template == "github":
        return github_commands(load(GITHUB))
    return gitlab_commands(load(GITLAB))


# --- structure ------------------------------------------------------------------------------


def test_github_workflow_triggers_and_jobs() -> None:
    workflow = load(GITHUB)
    # YAML 1.1 reads the key `on` as the boolean true; GitHub reads it as "on".
    read: dict[Any, Any] = workflow
    triggers: dict[str, Any] = read["on"] if "on" in read else read[True]

    assert set(triggers) == {"push", "pull_request", "schedule", "workflow_dispatch"}
    assert triggers["schedule"][0]["cron"].split()[2:] == ["*", "*", "*"]  # every night
    assert "candidate_base_url" in triggers["workflow_dispatch"]["inputs"]
    assert workflow["permissions"] == {"contents": "read"}
    assert workflow["defaults"]["run"]["shell"] == "bash"  # -eo pipefail
    assert list(workflow["jobs"]) == list(JOBS)
    jobs = workflow["jobs"]
    assert jobs["nightly"]["needs"] == "replay"
    assert "schedule" in jobs["nightly"]["if"]
    assert "candidate_base_url != ''" in jobs["pre-release"]["if"]
    assert jobs["nightly"]["concurrency"] == jobs["pre-release"]["concurrency"]


@pytest.mark.parametrize("job", JOBS)
def test_github_job_checks_out_installs_runs_and_keeps_artifacts(job: str) -> None:
    workflow = load(GITHUB)
    steps = github_steps(workflow, job)

    assert workflow["jobs"][job]["runs-on"] == "ubuntu-latest"
    assert all(("run" in step) != ("uses" in step) for step in steps), "run or uses, not both"
    assert [step.get("uses", "").split("@")[0] for step in steps[:2]] == [
        "actions/checkout",
        "actions/setup-python",
    ]
    assert steps[2]["run"].startswith("pip install .")
    (upload,) = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert upload is steps[-1]
    # Reports matter most when the run failed: kept unless the workflow was cancelled.
    assert upload["if"] == "${{ !cancelled() }}"
    # Every report, recording and baseline the job's commands write is kept.
    kept = {path.rstrip("/") for path in upload["with"]["path"].split()}
    written = {c.option(o) for c in commands_of("github") if c.job == job for o in WRITES}
    assert written - {None} <= kept


def test_github_keys_come_from_secrets_and_reach_scripts_as_variables() -> None:
    workflow = load(GITHUB)
    for job in JOBS:
        for step in github_steps(workflow, job):
            # An expression pasted into a script is a script injection; variables are not.
            assert "${{" not in step.get("run", ""), f"{job}: {step.get('name')}"
            for name, value in github_env(workflow, job, step).items():
                if name.endswith("API_KEY"):
                    assert value == f"${{{{ secrets.{name} }}}}"
    text = GITHUB.read_text("utf-8")
    assert "secrets.CLOSE_API_KEY" in text and "secrets.CANDIDATE_API_KEY" in text


def test_gitlab_pipeline_jobs_rules_and_artifacts() -> None:
    pipeline = load(GITLAB)
    jobs = gitlab_jobs(pipeline)

    assert list(jobs) == list(JOBS)
    assert pipeline["stages"] == ["replay", "live"]
    assert [job["stage"] for job in jobs.values()] == ["replay", "live", "live"]
    assert pipeline["default"]["before_script"] == ["pip install ."]
    assert pipeline["variables"]["CLOSE_BASE_URL"] == LIVE_URL
    assert any("schedule" in rule["if"] for rule in jobs["replay"]["rules"])
    assert [rule["if"] for rule in jobs["nightly"]["rules"]] == [
        '$CI_PIPELINE_SOURCE == "schedule"'
    ]
    assert "$CANDIDATE_BASE_URL" in jobs["pre-release"]["rules"][0]["if"]
    assert jobs["nightly"]["needs"] == ["replay"]
    assert jobs["nightly"]["resource_group"] == jobs["pre-release"]["resource_group"]
    # No verdict is a warning on the nightly job, and a failure everywhere else.
    assert jobs["nightly"]["allow_failure"] == {"exit_codes": [3]}
    assert "allow_failure" not in jobs["pre-release"]
    text = GITLAB.read_text("utf-8")
    for name in GITLAB_PROJECT_VARIABLES:
        assert re.search(rf"^#\s+{name}\s", text, re.M), f"the header does not name {name}"
    for name, job in jobs.items():
        assert all(isinstance(item, str) for item in job["script"])
        artifacts = job["artifacts"]
        assert artifacts["when"] == "always"
        kept = {path.rstrip("/") for path in artifacts["paths"]}
        written = {c.option(o) for c in commands_of("gitlab") if c.job == name for o in WRITES}
        assert written - {None} <= kept
        junit = {c.option("--junit-xml") for c in commands_of("gitlab") if c.job == name}
        assert artifacts["reports"]["junit"] in junit


@pytest.mark.parametrize("template", TEMPLATES)
def test_template_explains_every_exit_code(template: str) -> None:
    text = TEMPLATES[template].read_text("utf-8")
    meanings = {
        "0": ["the contract holds"],
        "1": ["violations or regressions"],
        "2": ["usage", "configuration error"],
        "3": ["unreachable", "inconclusive", "warn"],
        "130": ["interrupted", "reports"],
    }
    for code, words in meanings.items():
        # "#   3  no verdict: ..." and its continuation lines, indented further.
        entry = re.search(rf"^# {{1,4}}{code}  (.+(?:\n# {{5,}}\S.*)*)", text, re.M)
        assert entry, f"{template}: no comment explains exit code {code}"
        explained = " ".join(entry.group(1).replace("#", " ").split())
        missing = [word for word in words if word not in explained]
        assert not missing, f"{template}: exit {code} does not mention {missing}"


@pytest.mark.parametrize("template", TEMPLATES)
def test_template_runs_the_expected_commands(template: str) -> None:
    commands = commands_of(template)
    shapes = {
        job: [
            (c.subcommand, c.option("--cassettes"), c.option("--baseline"), c.option("--out"))
            for c in commands
            if c.job == job
        ]
        for job in JOBS
    }

    assert shapes == {
        "replay": [("run", REPLAYED, None, None)],
        # What runs killed outright left is cleaned up first (the journals are cached).
        "nightly": [("cleanup", None, None, None), ("run", None, PRODUCTION, None)],
        "pre-release": [
            ("baseline", None, None, "production.json"),
            ("run", None, "production.json", None),
            ("diff", None, None, None),
        ],
    }
    for command in commands:
        if command.subcommand in ("run", "baseline", "cleanup") and command.job != "replay":
            assert command.option("--base-url") is not None, command.text()
        if command.subcommand == "run":
            assert command.option("--report-json") and command.option("--junit-xml")


def test_both_templates_run_the_same_commands() -> None:
    # One behaviour, two CI systems: a fix made in one file must be made in the other.
    def texts(template: str) -> list[tuple[str, str]]:
        return [(c.job, c.text()) for c in commands_of(template)]

    assert texts("github") == texts("gitlab")


# --- the commands, run against emulators ----------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Where a template's API root and key point in a scenario."""

    base_url: str
    api_key: str


@dataclass(frozen=True)
class Servers:
    production: EmulatorServer
    candidate: EmulatorServer
    broken: EmulatorServer
    unreachable: Target


@pytest.fixture(scope="module")
def servers() -> Iterator[Servers]:
    # The candidate is another deployment: its own seed (so other ids) and its own key.
    production = EmulatorServer().start()
    candidate = EmulatorServer(seed=1, api_key=CANDIDATE_KEY).start()
    broken = EmulatorServer(faults=("drop_date_updated",)).start()
    try:
        # Unreachable: down for maintenance, asking for a wait past any a run accepts.
        with unavailable() as down:
            yield Servers(production, candidate, broken, Target(down, production.api_key))
    finally:
        for server in (production, candidate, broken):
            server.stop()


def target(server: EmulatorServer | Target) -> Target:
    return server if isinstance(server, Target) else Target(server.base_url, server.api_key)


# How large the scenarios' runs are. The recordings below are made with one valid payload
# per type (the stateful phase stays as it is: a replay runs the sequences of a default run),
# and the commands read the same size from the environment, as options a CI project sets for
# every job (the templates' commands stay as written).
RECORDED: dict[str, Any] = {"examples": 1}
ENVIRONMENT = {"CLOSE_EXAMPLES": "1"}


def record(root: Path, servers: Servers, state: Path) -> None:
    """Record into ``root`` the two recordings a repository that copied a template commits."""
    list(contract.run(contract.Config(record=root / REPLAYED, state_dir=state, **RECORDED)))
    production = contract.Config(
        base_url=servers.production.base_url,
        api_key=servers.production.api_key,
        record=root / PRODUCTION,
        state_dir=state,
        **RECORDED,
    )
    list(contract.run(production))


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory, servers: Servers) -> Path:
    """What a repository that copied a template commits: the two recordings it names.

    Made once per test run: under xdist the first worker to come records them into the
    run's shared temporary directory, the others wait for it and read them (a baseline
    holds nothing of the server it was recorded from that a comparison looks at).
    """
    state = tmp_path_factory.mktemp("state")
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        root = tmp_path_factory.mktemp("committed")
        record(root, servers, state)
        return root
    shared = tmp_path_factory.getbasetemp().parent
    root, done = shared / "ci-templates-committed", shared / "ci-templates-committed.done"
    with (shared / "ci-templates-committed.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            record(root, servers, state)
            done.touch()
    return root


# scenario -> job -> (production, candidate) server names, and the exit codes expected.
SCENARIOS: dict[tuple[str, str], tuple[str, str, list[int]]] = {
    ("holds", "replay"): ("production", "candidate", [0]),
    ("holds", "nightly"): ("production", "candidate", [0, 0]),
    # Another deployment's ids differ from production's: the baselines still compare.
    ("holds", "pre-release"): ("production", "candidate", [0, 0, 0]),
    ("broken", "nightly"): ("broken", "candidate", [0, 1]),
    ("broken", "pre-release"): ("production", "broken", [0, 1, 1]),
    ("unreachable", "nightly"): ("unreachable", "candidate", [3, 3]),
}


def resolve(template: str, value: str, production: Target, candidate: Target) -> str:
    """A template variable's value in the scenario: the live API roots and keys replaced."""
    if value == LIVE_URL:
        return production.base_url
    secrets = {"CLOSE_API_KEY": production.api_key, "CANDIDATE_API_KEY": candidate.api_key}
    if template == "github":
        expression = GITHUB_EXPRESSION.match(value)
        if expression:
            scope, name = expression.groups()
            known = secrets if scope == "secrets" else {"candidate_base_url": candidate.base_url}
            assert name in known, f"github: the test has no value for {scope}.{name}"
            return known[name]
        assert "${{" not in value, f"github: the test cannot evaluate {value}"
    return value


def environment(
    template: str, command: Command, production: Target, candidate: Target
) -> dict[str, str]:
    """What the command's shell would hold: the template's variables, then the project's."""
    env = {name: resolve(template, v, production, candidate) for name, v in command.env.items()}
    if template == "gitlab":
        # Kept in the project's CI/CD settings, not in the file.
        env.setdefault("CLOSE_API_KEY", production.api_key)
        env.setdefault("CANDIDATE_API_KEY", candidate.api_key)
        env.setdefault("CANDIDATE_BASE_URL", candidate.base_url)
    return env


def expand(word: str, env: Mapping[str, str], where: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        assert name in env, f"{where} uses ${name}, which the template never sets"
        return env[name]

    return VARIABLE.sub(value, word)


@dataclass(frozen=True)
class Invocation:
    """A command ready to run: its expanded words and the key it runs with."""

    job: str
    argv: tuple[str, ...]
    api_key: str | None


def invocation(
    template: str, command: Command, production: Target, candidate: Target
) -> Invocation:
    env = environment(template, command, production, candidate)
    where = f"{template} {command.job}: {command.text()}"
    for name, raw in command.assignments:
        env[name] = expand(raw, env, where)
    argv = tuple(expand(word, env, where) for word in command.words)
    # Only a live target reads the key; a replay or a diff ignores one in the environment.
    key = env.get("CLOSE_API_KEY") if "--base-url" in argv else None
    return Invocation(command.job, argv, key)


def files_under(directory: Path) -> Iterator[Path]:
    return (path for path in directory.rglob("*") if path.is_file())


# The scenario whose commands run as a CI runner runs them: the installed command, in a
# process of its own. The others run the same commands through the CLI in this process.
IN_PROCESSES = ("holds", "nightly")


def run_step(
    step: Invocation, workdir: Path, in_processes: bool, monkeypatch: pytest.MonkeyPatch
) -> subprocess.CompletedProcess[str]:
    """Run one command of a job in ``workdir``, with the template's environment."""
    if in_processes:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CLOSE_")}
        env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
        env |= ENVIRONMENT
        if step.api_key is not None:
            env["CLOSE_API_KEY"] = step.api_key
        return subprocess.run(
            list(step.argv), cwd=workdir, env=env, capture_output=True, text=True, timeout=600
        )
    monkeypatch.chdir(workdir)
    # The journal goes where the template keeps it: .close-contract in the checkout.
    variables: dict[str, str | None] = {**ENVIRONMENT, "CLOSE_STATE_DIR": None}
    if step.api_key is not None:
        variables["CLOSE_API_KEY"] = step.api_key
    return invoke(*step.argv[1:], env=variables)


@pytest.mark.parametrize(
    ("scenario", "job"), list(SCENARIOS), ids=[f"{s}-{j}" for s, j in SCENARIOS]
)
def test_commands_exit_as_the_template_expects(
    scenario: str,
    job: str,
    servers: Servers,
    recordings: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    production_name, candidate_name, expected = SCENARIOS[(scenario, job)]
    production = target(getattr(servers, production_name))
    candidate = target(getattr(servers, candidate_name))
    planned = {
        template: [
            invocation(template, command, production, candidate)
            for command in commands_of(template)
            if command.job == job
        ]
        for template in TEMPLATES
    }
    # The two templates resolve to the same invocations, so running one set checks both.
    assert planned["github"] == planned["gitlab"]
    workdir = tmp_path / "checkout"
    shutil.copytree(recordings, workdir)

    codes = []
    for step in planned["github"]:
        done = run_step(step, workdir, (scenario, job) == IN_PROCESSES, monkeypatch)
        codes.append(done.returncode)
        context = f"{shlex.join(step.argv)} exited {done.returncode}:\n{done.stderr[-3000:]}"
        assert done.returncode == expected[len(codes) - 1], context
        if done.returncode > 1:
            continue  # no verdict, so no reports to look at
        for name in WRITES:
            written = option(step.argv, name)
            if written is not None:
                assert (workdir / written).exists(), f"{name} {written} was not written"
        report = option(step.argv, "--report-json")
        if report is not None:
            summary = json.loads((workdir / report).read_text("utf-8"))["summary"]
            assert summary["exit_code"] == done.returncode
        junit = option(step.argv, "--junit-xml")
        if junit is not None:
            ET.parse(workdir / junit)  # well-formed JUnit XML for the CI to read
    assert codes == expected

    # Nothing the jobs keep as artifacts holds a key, in any form.
    keys = {production.api_key, candidate.api_key}
    forms = keys | {base64.b64encode(f"{key}:".encode()).decode() for key in keys}
    for path in files_under(workdir):
        data = path.read_bytes()
        assert not [form for form in forms if form.encode() in data], f"a key is in {path}"


# --- the shell around the commands ----------------------------------------------------------

FAKE = """#!/usr/bin/env bash
# A stand-in close-contract: logs its subcommand, exits as the test says.
echo "$1" >> "$FAKE_LOG"
case "$1" in
  run) exit "${FAKE_RUN:-0}" ;;
  baseline) exit "${FAKE_BASELINE:-0}" ;;
  diff) exit "${FAKE_DIFF:-0}" ;;
  cleanup) exit "${FAKE_CLEANUP:-0}" ;;
esac
exit 2
"""


@dataclass
class Outcome:
    code: int
    called: list[str]
    output: str
    github_output: str


def scripts_of(template: str, job: str) -> list[str]:
    """The job's shell scripts that call close-contract, in order (GitLab: one, joined)."""
    if template == "github":
        steps = github_steps(load(GITHUB), job)
        # Steps with a condition (alerts) only report; the flow is in the unconditional ones.
        return [s["run"] for s in steps if "close-contract" in s.get("run", "") and "if" not in s]
    return ["\n".join(gitlab_jobs(load(GITLAB))[job]["script"])]


def run_scripts(template: str, job: str, tmp_path: Path, **codes: int) -> Outcome:
    """Run the job's scripts as its CI would (each under bash -eo pipefail, stopping at the
    first that fails), with the stand-in close-contract exiting with ``codes``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "close-contract"
    fake.write_text(FAKE, "utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    log, github_output = tmp_path / "calls.log", tmp_path / "github_output"
    log.write_text("", "utf-8")
    github_output.write_text("", "utf-8")
    env = {
        "PATH": f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "FAKE_LOG": str(log),
        "GITHUB_OUTPUT": str(github_output),
        "CLOSE_BASE_URL": LIVE_URL,
        "CANDIDATE_BASE_URL": "https://candidate.invalid/api/v1",
        "CANDIDATE_API_KEY": CANDIDATE_KEY,
        **{f"FAKE_{name.upper()}": str(code) for name, code in codes.items()},
    }
    code, output = 0, ""
    for script in scripts_of(template, job):
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        code, output = done.returncode, output + done.stdout + done.stderr
        if code:
            break
    called = log.read_text("utf-8").split()
    return Outcome(code, called, output, github_output.read_text("utf-8"))


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("code", [0, 1, 2, 3])
def test_replay_job_fails_on_anything_but_0(template: str, code: int, tmp_path: Path) -> None:
    outcome = run_scripts(template, "replay", tmp_path, run=code)
    assert (outcome.code, outcome.called) == (code, ["run"])


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("code", [0, 1, 2, 3])
def test_nightly_job_warns_rather_than_fails_without_a_verdict(
    template: str, code: int, tmp_path: Path
) -> None:
    outcome = run_scripts(template, "nightly", tmp_path, run=code)

    assert outcome.called == ["cleanup", "run"]
    if template == "gitlab":
        # The script passes the code on; allow_failure turns 3 into a warning.
        assert outcome.code == code
        assert load(GITLAB)["nightly"]["allow_failure"]["exit_codes"] == [3]
        return
    assert outcome.code == (0 if code == 3 else code)
    # The alert step's condition reads this output: it fires on 1 only.
    assert f"status={code}" in outcome.github_output.split()
    assert ("::warning" in outcome.output) == (code == 3)


# (production baseline, candidate run, diff) exit codes -> the job's exit code, diff called?
PRE_RELEASE = [
    ((0, 0, 0), 0, True),
    ((1, 0, 0), 0, True),  # production's own violations do not block the comparison
    ((2, 0, 0), 2, False),
    ((3, 0, 0), 3, False),
    ((0, 1, 0), 1, True),
    ((0, 0, 1), 1, True),  # a difference alone fails the release
    ((0, 1, 1), 1, True),
    ((0, 2, 0), 2, False),  # no verdict on the candidate: nothing to compare, no release
    ((0, 3, 0), 3, False),
]


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize(
    ("codes", "exit_code", "diffed"),
    PRE_RELEASE,
    ids=[f"baseline{b}-run{r}-diff{d}" for (b, r, d), _, _ in PRE_RELEASE],
)
def test_pre_release_job_compares_whenever_the_candidate_has_a_verdict(
    template: str, codes: tuple[int, int, int], exit_code: int, diffed: bool, tmp_path: Path
) -> None:
    baseline, run, diff = codes
    outcome = run_scripts(template, "pre-release", tmp_path, baseline=baseline, run=run, diff=diff)

    assert outcome.code == exit_code, outcome.output
    calls = ["baseline", "run", "diff"] if diffed else ["baseline", "run"]
    assert outcome.called == (calls if baseline < 2 else ["baseline"])


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("code", [1, 2, 3])
def test_nightly_job_runs_the_contract_whatever_the_cleanup_of_earlier_runs_says(
    template: str, code: int, tmp_path: Path
) -> None:
    # A leftover the cleanup could not prove a run's own is reported, never a reason to
    # skip tonight's run.
    outcome = run_scripts(template, "nightly", tmp_path, cleanup=code)
    assert (outcome.code, outcome.called) == (0, ["cleanup", "run"])
    assert "could not prove" in outcome.output
