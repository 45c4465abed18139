"""The CI templates in docs/ci/ work when copied into another repository.

The templates are read as YAML and checked for what a copy needs: the toolkit installed from
a named spec (never ``pip install .``), pip's cache, the reports rendered and kept, keys only
through secrets and variables. Then their jobs run as their CI systems would run them, on
stand-ins of the runners (:mod:`support.ci_runner`): every script under ``bash -eo
pipefail`` with the template's variables, in a clone of a git repository that holds the
copied templates, the conditions and rules evaluated, and the actions the jobs use (checkout,
caches, artifacts, the JUnit check) done on local directories.

Two kinds of run:

* with the toolkit: the wheel built from this checkout, in a venv of its own, installed again
  by each job's own install command. The live targets are emulators on 127.0.0.1 (the
  variables at the top of a template, which a copy edits, point at them); the issue trackers
  are a stand-in ``gh`` and a local stand-in of GitLab's API. Nothing beyond this machine is
  reached: pip runs with ``--no-index``.
* with a stand-in ``close-contract`` that exits as told, to walk each exit code's path
  through the jobs.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
import site
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.ci_expressions import Rule, condition, render
from support.ci_runner import (
    REPOSITORY,
    GitHubEvent,
    GitLabEvent,
    World,
    committed,
    expand,
    files_in,
    gitlab_api,
    gitlab_jobs,
    lines,
    load,
    make_world,
    rule_when,
    run_github,
    run_gitlab,
    triggered,
    triggers,
)
from support.ci_trackers import ISSUE_TOKEN

from contract.emulator import EmulatorServer

ROOT = Path(__file__).resolve().parents[1]
CI = ROOT / "docs" / "ci"
GITHUB_NIGHTLY = CI / "github-nightly.yml"
GITHUB_PRE_RELEASE = CI / "github-pre-release.yml"
GITLAB = CI / "gitlab-ci.yml"
GITHUB = (GITHUB_NIGHTLY, GITHUB_PRE_RELEASE)
TEMPLATES = (GITHUB_NIGHTLY, GITHUB_PRE_RELEASE, GITLAB)
# Where a repository puts each copy, as the README and the headers say.
COPIED_TO = {
    GITHUB_NIGHTLY: ".github/workflows/close-contract-nightly.yml",
    GITHUB_PRE_RELEASE: ".github/workflows/close-contract-pre-release.yml",
    GITLAB: ".gitlab-ci.yml",
}
LIVE_URL = "https://api.close.com/api/v1"  # the templates' production API root
RECORDING = "cassettes/production"  # the templates' CLOSE_CONTRACT_RECORDING
DEFAULT_SPEC = re.compile(r"^close-contract @ git\+https://\S+@v\d+(\.\d+)*$")
INSTALL = 'python -m pip install "$CLOSE_CONTRACT_SPEC"'
ISSUE_TITLE = "close-contract: the nightly run found violations"
CANDIDATE_KEY = "candidate_api_key_0123456789"
# Options whose value is a file or directory the command writes.
WRITES = ("--report-json", "--report-md", "--report-html", "--junit-xml", "--record", "--out")
# The jobs of each system that do the same work, with the same close-contract commands.
COUNTERPARTS = {
    (GITHUB_NIGHTLY, "nightly"): "nightly",
    (GITHUB_PRE_RELEASE, "replay"): "replay",
    (GITHUB_PRE_RELEASE, "pre-release"): "pre-release",
}
SCHEDULE = GitHubEvent("schedule")
TAG = GitHubEvent("push", ref="refs/tags/v2.0.0")


def copied(recording: Path | None = None) -> dict[str, Path]:
    """What a repository that copied the templates holds (and its committed recording)."""
    files = {place: template for template, place in COPIED_TO.items()}
    return files | ({RECORDING: recording} if recording is not None else {})


# --- reading the scripts --------------------------------------------------------------------


def logical_lines(script: str) -> list[str]:
    """The script's commands: continuation lines joined, comments and blank lines dropped."""
    joined = re.sub(r"\\\n", " ", script)
    return [line.strip() for line in joined.splitlines() if line.strip()[:1] not in ("", "#")]


def simple_commands(line: str) -> list[list[str]]:
    """The simple commands of one shell line, split at ``;``, ``&&``, ``||`` and ``|``."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    commands: list[list[str]] = [[]]
    for token in lexer:
        if token and all(char in ";&|()" for char in token):
            commands.append([])
        else:
            commands[-1].append(token)
    return [words for words in commands if words]


@dataclass(frozen=True)
class Command:
    """One ``close-contract`` invocation of a template, as written."""

    job: str
    words: tuple[str, ...]  # close-contract and its arguments, variables unexpanded
    assignments: tuple[str, ...]  # NAME=value words before it

    def option(self, name: str) -> str | None:
        return self.words[self.words.index(name) + 1] if name in self.words else None

    def text(self) -> str:
        return shlex.join([*self.assignments, *self.words])


def commands_in(script: str, job: str) -> list[Command]:
    found = []
    for line in logical_lines(script):
        for words in simple_commands(line):
            while words and words[0] in {"if", "then", "else", "elif", "!", "{"}:
                words = words[1:]
            assignments = []
            while words and re.match(r"^[A-Za-z_]\w*=", words[0]):
                assignments.append(words.pop(0))
            if words and words[0] == "close-contract":
                found.append(Command(job, tuple(words), tuple(assignments)))
    return found


def github_commands(path: Path) -> list[Command]:
    return [
        command
        for name, job in load(path)["jobs"].items()
        for step in job["steps"]
        if "run" in step
        for command in commands_in(step["run"], name)
    ]


def gitlab_commands() -> list[Command]:
    return [
        command
        for name, job in gitlab_jobs(load(GITLAB)).items()
        for item in job["script"]
        for command in commands_in(item, name)
    ]


def top_variables(path: Path) -> dict[str, str]:
    """The variables at the top of a template: what a copy sets."""
    data = load(path)
    found = data["variables"] if path == GITLAB else data["env"]
    return {name: str(value) for name, value in found.items()}


def written_by(commands: list[Command], job: str, variables: Mapping[str, str]) -> set[str]:
    """What the job's close-contract commands write, as paths relative to the checkout."""
    return {
        expand(value, variables)
        for command in commands
        if command.job == job
        for name in WRITES
        if (value := command.option(name)) is not None
    }


# --- what a copy needs ----------------------------------------------------------------------


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.stem)
def test_template_installs_the_toolkit_from_a_spec_named_at_the_top(path: Path) -> None:
    text = path.read_text("utf-8")
    top = top_variables(path)

    assert DEFAULT_SPEC.match(top["CLOSE_CONTRACT_SPEC"]), top["CLOSE_CONTRACT_SPEC"]
    assert top["CLOSE_BASE_URL"] == LIVE_URL
    assert top["CLOSE_CONTRACT_RECORDING"] == RECORDING
    # The repository that copies a template is not the toolkit.
    assert not re.search(r"pip install (-e )?\.(\s|$)", text)
    if path == GITLAB:
        pipeline = load(GITLAB)
        assert pipeline["default"]["before_script"] == [INSTALL]
        for name, job in gitlab_jobs(pipeline).items():
            uses = any(commands_in(item, name) for item in job["script"])
            assert ("before_script" not in job) == uses, f"{name}: installs iff it runs the toolkit"
        return
    for name, job in load(path)["jobs"].items():
        runs = [step.get("run", "") for step in job["steps"]]
        if any(commands_in(script, name) for script in runs):
            assert INSTALL in runs, f"{path.name} {name}: no install step"


@pytest.mark.parametrize("path", GITHUB, ids=lambda p: p.stem)
def test_github_caches_pip_per_spec_and_pins_every_action(path: Path) -> None:
    for job in load(path)["jobs"].values():
        uses = [step["uses"] for step in job["steps"] if "uses" in step]
        for action in uses:
            # A major version tag or a commit: a copy keeps working as actions move on.
            assert re.match(r"^[\w.-]+/[\w./-]+@(v\d+(\.\d+)*|[0-9a-f]{40})$", action), action
        steps = job["steps"]
        runs = [step.get("run") for step in steps]
        if INSTALL not in runs:
            continue
        (cache,) = [s for s in steps if s.get("uses", "").startswith("actions/cache@")]
        assert steps.index(cache) < runs.index(INSTALL)
        assert cache["with"]["path"] == "~/.cache/pip"
        assert "${{ env.CLOSE_CONTRACT_SPEC }}" in cache["with"]["key"]


def test_gitlab_caches_pip_for_every_job_that_installs() -> None:
    pipeline = load(GITLAB)
    assert pipeline["variables"]["PIP_CACHE_DIR"] == "$CI_PROJECT_DIR/.cache/pip"
    for name, job in gitlab_jobs(pipeline).items():
        if "before_script" in job:
            continue  # installs nothing
        caches = job.get("cache", pipeline["default"]["cache"])
        assert any(cache["paths"] == [".cache/pip"] for cache in caches), name


def test_github_triggers() -> None:
    nightly, pre_release = triggers(load(GITHUB_NIGHTLY)), triggers(load(GITHUB_PRE_RELEASE))

    assert set(nightly) == {"schedule", "workflow_dispatch"}
    assert nightly["schedule"][0]["cron"].split()[2:] == ["*", "*", "*"]  # every night
    assert set(pre_release) == {"push", "pull_request", "workflow_dispatch"}
    assert pre_release["push"] == {"tags": ["v*"]}
    assert "candidate_base_url" in pre_release["workflow_dispatch"]["inputs"]
    for path in GITHUB:
        workflow = load(path)
        assert workflow["permissions"] == {"contents": "read"}
        assert workflow["defaults"]["run"]["shell"] == "bash"  # -eo pipefail
    jobs = load(GITHUB_NIGHTLY)["jobs"] | load(GITHUB_PRE_RELEASE)["jobs"]
    # One live run at a time on production's organization, whichever workflow starts it.
    assert jobs["nightly"]["concurrency"] == jobs["pre-release"]["concurrency"]


@pytest.mark.parametrize("path", GITHUB, ids=lambda p: p.stem)
def test_github_renders_and_keeps_every_report(path: Path) -> None:
    workflow = load(path)
    commands = github_commands(path)
    for name, job in workflow["jobs"].items():
        steps = job["steps"]
        runs = [c for c in commands if c.job == name and c.words[1] == "run"]
        if not runs:
            continue
        always = [s for s in steps if s.get("if") == "always()"]
        # Markdown into the summary page, JUnit into a check, and everything kept, also
        # when the run failed or was cancelled.
        for command in runs:
            summary = f'cat {command.option("--report-md")} >> "$GITHUB_STEP_SUMMARY"'
            assert any(summary in s.get("run", "") for s in always), f"{name}: no summary"
            junit = [s for s in always if s.get("uses", "").startswith("mikepenz/")]
            assert [s["with"]["report_paths"] for s in junit] == [command.option("--junit-xml")]
        uploads = [s for s in steps if s.get("uses", "").startswith("actions/upload-")]
        assert all(s["if"].startswith("always()") for s in uploads)
        kept = {p.rstrip("/") for p in lines(uploads[0]["with"]["path"])}
        kept = {p.replace("${{ env.CLOSE_CONTRACT_RECORDING }}", RECORDING) for p in kept}
        written = written_by(commands, name, top_variables(path))
        assert written <= kept, f"{name}: {written - kept} not kept"


def test_gitlab_keeps_every_report_and_shows_junit() -> None:
    commands = gitlab_commands()
    variables = top_variables(GITLAB)
    for name, job in gitlab_jobs(load(GITLAB)).items():
        written = written_by(commands, name, variables)
        if not written:
            continue
        artifacts = job["artifacts"]
        assert artifacts["when"] == "always"
        kept = {expand(path, variables).rstrip("/") for path in artifacts["paths"]}
        assert written <= kept, f"{name}: {written - kept} not kept"
        junit = {c.option("--junit-xml") for c in commands if c.job == name}
        assert artifacts["reports"]["junit"] in junit


@pytest.mark.parametrize("path", GITHUB, ids=lambda p: p.stem)
def test_github_keys_come_from_secrets_and_reach_scripts_as_variables(path: Path) -> None:
    workflow = load(path)
    for name, job in workflow["jobs"].items():
        for step in job["steps"]:
            # An expression pasted into a script is a script injection; variables are not.
            assert "${{" not in step.get("run", ""), f"{name}: {step.get('name')}"
            for variable, value in (step.get("env") or {}).items():
                if variable.endswith("API_KEY"):
                    assert value == f"${{{{ secrets.{variable} }}}}"
                if variable == "GH_TOKEN":
                    assert value == "${{ github.token }}"


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.stem)
def test_template_explains_every_exit_code(path: Path) -> None:
    text = path.read_text("utf-8")
    meanings = {
        "0": ["the contract holds"],
        "1": ["violations or regressions"],
        "2": ["usage", "configuration error"],
        "3": ["unreachable", "inconclusive"],
        "130": ["interrupted", "reports"],
    }
    for code, words in meanings.items():
        # "#   3  no verdict: ..." and its continuation lines, indented further.
        entry = re.search(rf"^# {{1,4}}{code}  (.+(?:\n# {{5,}}\S.*)*)", text, re.M)
        assert entry, f"{path.name}: no comment explains exit code {code}"
        explained = " ".join(entry.group(1).replace("#", " ").split())
        missing = [word for word in words if word not in explained]
        assert not missing, f"{path.name}: exit {code} does not mention {missing}"


def test_both_systems_run_the_same_commands() -> None:
    # One behaviour, two CI systems: a fix made in one template must be made in the other.
    gitlab = gitlab_commands()
    for (path, job), counterpart in COUNTERPARTS.items():
        github = [c.text() for c in github_commands(path) if c.job == job]
        assert github == [c.text() for c in gitlab if c.job == counterpart], job
        assert github, job


# --- GitHub's expressions and GitLab's rules ------------------------------------------------


def test_expressions_read_as_github_reads_them() -> None:
    contexts = {"inputs": {"url": ""}, "vars": {"URL": "http://x"}, "steps": {}}
    status = {"success": False, "failure": True, "always": True, "cancelled": False}

    assert render("${{ inputs.url || vars.URL }}/api", contexts) == "http://x/api"
    assert condition("failure() && steps.live.outputs.status == '1'", contexts, status) is False
    assert condition("inputs.missing == ''", contexts, status) is False  # success() is false
    assert condition("always() && vars.URL == 'HTTP://X'", contexts, status) is True
    assert Rule('$A && ($B == "x" || $C)', {"A": "1", "C": ""}).evaluate() in (None, "")
    assert Rule('$A && ($B == "x" || $C)', {"A": "1", "B": "x"}).evaluate() is True
    assert Rule("$B == null", {}).evaluate() is True


# --- the walks of exit codes, with a stand-in close-contract -------------------------------

FAKE_CLOSE_CONTRACT = r"""#!/usr/bin/env bash
# A stand-in close-contract: logs its subcommand, writes the files it is asked for when it
# has a verdict (0 or 1), and exits as the test says (FAKE_RUN, FAKE_BASELINE, ...).
echo "$1" >> "$STANDIN_LOG"
case "$1" in
  run) code=${FAKE_RUN:-0} ;;
  baseline) code=${FAKE_BASELINE:-0} ;;
  diff) code=${FAKE_DIFF:-0} ;;
  cleanup) code=${FAKE_CLEANUP:-0} ;;
  *) exit 2 ;;
esac
shift
while [ "$#" -gt 0 ] && [ "$code" -le 1 ]; do
  case "$1" in
    --junit-xml) echo "<testsuites/>" > "$2" ;;
    --report-json | --report-md | --report-html | --out) echo "{}" > "$2" ;;
    --record) mkdir -p "$2" && echo "{}" > "$2/baseline.json" ;;
  esac
  shift
done
exit "$code"
"""

FAKE_PYTHON = """#!/usr/bin/env bash
# A stand-in python: pip installs are logged (the toolkit is the stand-in beside it); anything
# else runs the real interpreter.
if [ "$1 $2 $3" = "-m pip install" ]; then echo "pip $4" >> "$STANDIN_LOG"; exit 0; fi
exec {python} "$@"
"""


def stand_in_world(tmp_path: Path, recorded: bool, **codes: int) -> World:
    """A world whose close-contract exits with ``codes`` (run=1, diff=0, ...)."""
    bin_dir = tmp_path / "stand-ins"
    bin_dir.mkdir()
    scripts = {
        "close-contract": FAKE_CLOSE_CONTRACT,
        "python": FAKE_PYTHON.format(python=shlex.quote(sys.executable)),
        "python3": FAKE_PYTHON.format(python=shlex.quote(sys.executable)),
    }
    for name, text in scripts.items():
        (bin_dir / name).write_text(text, "utf-8")
        (bin_dir / name).chmod(0o755)
    recording = tmp_path / "recorded"
    if recorded:
        recording.mkdir()
        (recording / "baseline.json").write_text("{}", "utf-8")
    return make_world(
        tmp_path / "world",
        bin_dir,
        copied(recording if recorded else None),
        secrets={
            "CLOSE_API_KEY": "production_api_key_0123456789",
            "CANDIDATE_API_KEY": CANDIDATE_KEY,
            "CLOSE_CONTRACT_ISSUE_TOKEN": ISSUE_TOKEN,
        },
        variables={"CANDIDATE_BASE_URL": "https://candidate.invalid/api/v1"},
        env={
            "STANDIN_LOG": str(tmp_path / "calls.log"),
            **{f"FAKE_{name.upper()}": str(code) for name, code in codes.items()},
        },
    )


def calls(world: World) -> list[str]:
    log = Path(world.env["STANDIN_LOG"])
    return log.read_text("utf-8").split("\n")[:-1] if log.exists() else []


def open_issue(world: World) -> None:
    issue = {"number": 1, "title": ISSUE_TITLE, "state": "open", "body": "", "comments": []}
    world.issues_file.write_text(json.dumps({"issues": [issue]}), "utf-8")


@pytest.mark.parametrize(
    ("code", "issue_open", "result", "issue_after"),
    [
        (0, False, "success", None),
        (0, True, "success", ("closed", 1)),  # holds again: the issue is closed
        (1, False, "failure", ("open", 0)),  # broken: an issue is opened
        (1, True, "failure", ("open", 1)),  # still broken: the open one gets a comment
        (2, False, "failure", None),  # the file's or the repository's fault: no issue
        (3, False, "success", None),  # no verdict: a warning, no issue
    ],
)
def test_github_nightly_alerts_on_violations_only(
    code: int, issue_open: bool, result: str, issue_after: tuple[str, int] | None, tmp_path: Path
) -> None:
    world = stand_in_world(tmp_path, recorded=True, run=code)
    if issue_open:
        open_issue(world)

    run = run_github(GITHUB_NIGHTLY, SCHEDULE, world)

    nightly = run["nightly"]
    assert nightly.result == result, nightly.log
    # Installed from the spec at the top of the template, then cleanup, then the run.
    assert calls(world)[0] == f"pip {top_variables(GITHUB_NIGHTLY)['CLOSE_CONTRACT_SPEC']}"
    assert calls(world)[1:] == ["cleanup", "run"]
    assert nightly.steps["live"]["outputs"] == {"status": str(code)}
    assert ("::warning title=close-contract: no verdict" in nightly.log) == (code == 3)
    issues = world.issues()
    if issue_after is None:
        assert [i["state"] for i in issues] == (["open"] if issue_open else [])
    else:
        (issue,) = issues
        assert (issue["state"], len(issue["comments"])) == issue_after
        assert f"/actions/runs/{run.run_id}" in (issue["comments"] or [issue["body"]])[-1]
    assert run["commit-recording"].result == "skipped"  # a recording is committed already
    # The reports are kept, and go to the summary page, whatever the verdict.
    if code <= 1:
        assert nightly.summary == "{}\n"
        assert nightly.junit == ["junit.xml"]
        assert "report.html" in files_in(run.artifacts[f"close-contract-nightly-{run.run_id}"])


@pytest.mark.parametrize("code", [0, 1, 3])
def test_github_first_night_records_instead_of_failing(code: int, tmp_path: Path) -> None:
    world = stand_in_world(tmp_path, recorded=False, run=code)
    world.variables["CLOSE_CONTRACT_COMMIT_RECORDING"] = "true"

    run = run_github(GITHUB_NIGHTLY, GitHubEvent("workflow_dispatch"), world)

    assert run["nightly"].result == ("failure" if code == 1 else "success")
    assert "::notice title=close-contract: first night" in run["nightly"].log
    (recording,) = [
        c
        for c in github_commands(GITHUB_NIGHTLY)
        if c.words[1] == "run" and "--baseline" not in c.words
    ]
    assert recording.option("--record") == "$CLOSE_CONTRACT_RECORDING"
    # A recording with a verdict is kept apart; only one that holds is committed.
    assert ("close-contract-baseline" in run.artifacts) == (code <= 1)
    assert run["commit-recording"].result == ("success" if code == 0 else "skipped")
    assert (f"{RECORDING}/baseline.json" in committed(world)) == (code == 0)


# (production baseline, candidate run, diff) exit codes -> the job's exit code, diff called?
PRE_RELEASE = [
    ((0, 0, 0), 0, True),
    ((1, 0, 0), 0, True),  # production's own violations do not block the comparison
    ((2, 0, 0), 2, False),
    ((3, 0, 0), 3, False),
    ((0, 1, 0), 1, True),
    ((0, 0, 1), 1, True),  # a difference alone fails the release
    ((0, 1, 1), 1, True),
    ((0, 0, 2), 2, True),  # a diff that could not compare is no verdict
    ((0, 2, 0), 2, False),  # no verdict on the candidate: nothing to compare, no release
    ((0, 3, 0), 3, False),
]


@pytest.mark.parametrize(
    ("codes", "exit_code", "diffed"),
    PRE_RELEASE,
    ids=[f"baseline{b}-run{r}-diff{d}" for (b, r, d), _, _ in PRE_RELEASE],
)
def test_pre_release_compares_whenever_the_candidate_has_a_verdict(
    codes: tuple[int, int, int], exit_code: int, diffed: bool, tmp_path: Path
) -> None:
    baseline, run_code, diff = codes
    world = stand_in_world(tmp_path, recorded=True, baseline=baseline, run=run_code, diff=diff)

    # GitLab's job is one script: its exit code is the job's.
    run = run_gitlab(GITLAB, GitLabEvent("web"), world)

    assert run["pre-release"].outputs["exit_code"] == str(exit_code), run["pre-release"].log
    steps = ["baseline", "run", "diff"] if diffed else ["baseline", "run"]
    assert [c for c in calls(world) if not c.startswith("pip")] == (
        steps if baseline < 2 else ["baseline"]
    )


def test_pre_release_scripts_are_the_same_on_both_systems() -> None:
    # So the walk above, on GitLab, covers GitHub's job too.
    def scripts(texts: list[str]) -> list[str]:
        return [" ".join(" ".join(logical_lines(text)).split()) for text in texts]

    steps = load(GITHUB_PRE_RELEASE)["jobs"]["pre-release"]["steps"]
    github = [s["run"] for s in steps if commands_in(s.get("run", ""), "pre-release")]
    assert scripts(gitlab_jobs(load(GITLAB))["pre-release"]["script"]) == scripts(github)


@pytest.mark.parametrize("code", [0, 1, 2, 3])
def test_gitlab_nightly_warns_without_a_verdict_and_alerts_on_a_report(
    code: int, tmp_path: Path
) -> None:
    world = stand_in_world(tmp_path, recorded=True, run=code)

    with gitlab_api(world):
        run = run_gitlab(GITLAB, GitLabEvent("schedule"), world)

    assert set(run.jobs) == {"nightly", "nightly-alert"}
    expected = {0: "success", 1: "failure", 2: "failure", 3: "warning"}[code]
    assert run["nightly"].result == expected, run["nightly"].log
    assert [c for c in calls(world) if not c.startswith("pip")] == ["cleanup", "run"]
    # A failed run opens an issue when it left a report (1), not when it has none (2).
    assert run["nightly-alert"].result == ("success" if code in (1, 2) else "skipped")
    issues = world.issues()
    assert len(issues) == (code == 1)
    if issues:
        assert issues[0]["title"] == ISSUE_TITLE
        assert issues[0]["body"].startswith(f"Pipeline: https://gitlab.example/{REPOSITORY}")


def test_gitlab_alert_comments_on_the_issue_still_open(tmp_path: Path) -> None:
    world = stand_in_world(tmp_path, recorded=True, run=1)
    open_issue(world)

    with gitlab_api(world):
        run = run_gitlab(GITLAB, GitLabEvent("schedule"), world)

    assert run["nightly-alert"].result == "success", run["nightly-alert"].log
    (issue,) = world.issues()
    assert len(issue["comments"]) == 1 and "Pipeline: " in issue["comments"][0]


@pytest.mark.parametrize("path", [GITHUB_NIGHTLY, GITLAB], ids=lambda p: p.stem)
def test_nightly_runs_whatever_the_cleanup_of_earlier_runs_says(path: Path, tmp_path: Path) -> None:
    # A leftover the cleanup could not prove a run's own (exit 3) is reported, never a reason
    # to skip tonight's run.
    world = stand_in_world(tmp_path, recorded=True, cleanup=3)
    if path == GITLAB:
        run = run_gitlab(GITLAB, GitLabEvent("schedule"), world)
    else:
        run = run_github(path, SCHEDULE, world)

    assert run["nightly"].result == "success"
    assert [c for c in calls(world) if not c.startswith("pip")] == ["cleanup", "run"]
    assert "could not prove its own" in run["nightly"].log


@pytest.mark.parametrize("path", [GITHUB_NIGHTLY, GITLAB], ids=lambda p: p.stem)
def test_nightly_keeps_each_night_s_report_for_the_trend(path: Path, tmp_path: Path) -> None:
    world = stand_in_world(tmp_path, recorded=True)

    runs = [
        run_gitlab(GITLAB, GitLabEvent("schedule"), world)
        if path == GITLAB
        else run_github(path, SCHEDULE, world)
        for _ in range(2)
    ]

    # The newest state in the CI's cache holds both nights' JSON reports, which the next
    # night's --history reads.
    newest = list(world.caches.values())[-1] / "close-contract-history"
    assert sorted(p.name for p in newest.iterdir()) == [f"report-{r.run_id}.json" for r in runs]


@pytest.mark.parametrize("path", [GITHUB_PRE_RELEASE, GITLAB], ids=lambda p: p.stem)
def test_replay_passes_before_the_first_recording(path: Path, tmp_path: Path) -> None:
    # A repository that copied the templates today has nothing to replay until the first
    # night: its pull requests pass.
    world = stand_in_world(tmp_path, recorded=False)
    world.variables.clear()  # no candidate either
    if path == GITLAB:
        run = run_gitlab(GITLAB, GitLabEvent("merge_request_event"), world)
    else:
        run = run_github(path, GitHubEvent("pull_request"), world)

    assert set(run.jobs) - {"pre-release"} == {"replay"}
    assert run["replay"].result == "success", run["replay"].log
    assert [c for c in calls(world) if not c.startswith("pip")] == []
    assert "yet" in run["replay"].log


CANDIDATE = {"CANDIDATE_BASE_URL": "https://candidate.invalid/api/v1"}


@pytest.mark.parametrize(
    ("event", "variables", "jobs"),
    [
        (TAG, {}, {"replay"}),
        (TAG, CANDIDATE, {"replay", "pre-release"}),
        (GitHubEvent("pull_request"), CANDIDATE, {"replay", "pre-release"}),
        # A fork's pull request gets no secrets: the replay only.
        (GitHubEvent("pull_request", head="someone/fork"), CANDIDATE, {"replay"}),
        (GitHubEvent("workflow_dispatch"), {}, {"replay"}),
        (
            GitHubEvent("workflow_dispatch", inputs={"candidate_base_url": "u"}),
            {},
            {"replay", "pre-release"},
        ),
    ],
)
def test_github_pre_release_runs_whenever_a_candidate_is_known(
    event: GitHubEvent, variables: dict[str, str], jobs: set[str]
) -> None:
    workflow = load(GITHUB_PRE_RELEASE)
    assert triggered(workflow, event)
    inputs = {}
    if event.name == "workflow_dispatch":
        inputs = {"candidate_base_url": ""} | dict(event.inputs)
    contexts = {"github": event.context(1), "vars": variables, "inputs": inputs, "needs": {}}
    status = {"success": True, "failure": False, "always": True, "cancelled": False}
    runs = {n for n, job in workflow["jobs"].items() if condition(job.get("if"), contexts, status)}
    assert runs == jobs
    assert not triggered(workflow, SCHEDULE) and not triggered(load(GITHUB_NIGHTLY), TAG)


@pytest.mark.parametrize(
    ("event", "settings", "jobs"),
    [
        (GitLabEvent("schedule"), {}, {"nightly", "nightly-alert"}),
        (GitLabEvent("schedule"), {"CANDIDATE_BASE_URL": "u"}, {"nightly", "nightly-alert"}),
        (GitLabEvent("push"), {"CANDIDATE_BASE_URL": "u"}, {"replay"}),
        (GitLabEvent("merge_request_event"), {}, {"replay"}),
        (
            GitLabEvent("merge_request_event"),
            {"CANDIDATE_BASE_URL": "u"},
            {"replay", "pre-release"},
        ),
        (GitLabEvent("push", tag="v2.0.0"), {"CANDIDATE_BASE_URL": "u"}, {"replay", "pre-release"}),
        (GitLabEvent("web"), {"CANDIDATE_BASE_URL": "u"}, {"pre-release"}),
        (GitLabEvent("web"), {}, set()),
    ],
)
def test_gitlab_rules_pick_the_jobs(
    event: GitLabEvent, settings: dict[str, str], jobs: set[str]
) -> None:
    variables = event.predefined(1, "https://gitlab.invalid/api/v4") | top_variables(GITLAB)
    variables |= settings | {"CLOSE_CONTRACT_ISSUE_TOKEN": ISSUE_TOKEN}
    picked = {
        name
        for name, job in gitlab_jobs(load(GITLAB)).items()
        if rule_when(job["rules"], variables) is not None
    }
    assert picked == jobs


# --- the templates, run with the toolkit built from this checkout ---------------------------


@dataclass(frozen=True)
class Toolkit:
    """The venv a job installs into: the wheel built from this checkout, preinstalled."""

    bin: Path
    spec: str  # CLOSE_CONTRACT_SPEC for it: the same form as the templates' git URL


def offline_pip_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON"))}
    # Nothing is fetched, and no configuration of this machine's pip applies.
    return env | {
        "PIP_NO_INDEX": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_CONFIG_FILE": os.devnull,
    }


@pytest.fixture(scope="session")
def toolkit(tmp_path_factory: pytest.TempPathFactory) -> Toolkit:
    """Build the wheel of this checkout and install it into a venv of its own."""
    built = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip", "--quiet"]
    wheel_args = ["wheel", "--no-build-isolation", "--no-deps", "-w", str(built), str(ROOT)]
    subprocess.run([*pip, *wheel_args], check=True, env=offline_pip_env(), timeout=300)
    (wheel,) = built.glob("close_contract-*.whl")
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
        check=True,
        timeout=120,
    )
    # The dependencies are this environment's (nothing is downloaded): the venv reads its
    # site-packages as a path, so an editable install of this checkout there stays unseen.
    (purelib,) = venv.glob("lib/python*/site-packages")
    (purelib / "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    python = str(venv / "bin" / "python")
    install = ["-m", "pip", "--quiet", "install", "--no-index", "--no-deps", str(wheel)]
    subprocess.run([python, *install], check=True, env=offline_pip_env(), timeout=300)
    where = subprocess.run(
        [python, "-c", "import contract.suite, contract; print(contract.__file__)"],
        check=True,
        capture_output=True,
        text=True,
        env=offline_pip_env(),
        cwd=venv,  # not the checkout, whose contract/ `python -c` would import first
        timeout=60,
    ).stdout.strip()
    assert Path(where).is_relative_to(venv), f"the venv imports {where}, not the wheel"
    return Toolkit(venv / "bin", f"close-contract @ {wheel.as_uri()}")


def test_wheel_holds_what_the_toolkit_reads_at_run_time(toolkit: Toolkit) -> None:
    (purelib,) = toolkit.bin.parent.glob("lib/python*/site-packages")
    installed = files_in(purelib)
    schemas = {p.name for p in (ROOT / "contract" / "schemas").glob("*.json")}
    assert {f"contract/schemas/{name}" for name in schemas} <= installed
    assert "contract/reports/report.schema.json" in installed
    assert {"contract/emulator/__init__.py", "contract/suite/test_contract.py"} <= installed
    assert {"strategies/__init__.py", "contract/py.typed"} <= installed
    (entry_points,) = purelib.glob("close_contract-*.dist-info/entry_points.txt")
    assert "close-contract = contract.cli:main" in entry_points.read_text("utf-8")


@dataclass(frozen=True)
class Servers:
    production: EmulatorServer
    candidate: EmulatorServer  # another deployment: its own seed (so other ids) and key
    broken: EmulatorServer  # production, regressed


@pytest.fixture(scope="module")
def servers() -> Iterator[Servers]:
    production = EmulatorServer().start()
    candidate = EmulatorServer(seed=1, api_key=CANDIDATE_KEY).start()
    broken = EmulatorServer(faults=("drop_date_updated",)).start()
    try:
        yield Servers(production, candidate, broken)
    finally:
        for server in (production, candidate, broken):
            server.stop()


# What a project sets for every job to keep these runs small (options are variables too),
# and pip kept offline: the spec is the wheel, the dependencies are where the venv sees them.
SMALL_RUNS = {
    "CLOSE_EXAMPLES": "1",
    "CLOSE_STATEFUL_RUNS": "1",
    "PIP_NO_INDEX": "1",
    "PIP_NO_DEPS": "1",
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    "PIP_CONFIG_FILE": os.devnull,
}


def keys_of(*servers: EmulatorServer) -> set[str]:
    keys = {key for s in servers for key in (s.api_key, s.other_api_key)}
    return keys | {base64.b64encode(f"{key}:".encode()).decode() for key in keys}


def assert_no_key(world: World, keys: set[str], *texts: str) -> None:
    """No key, in any form, in what the jobs kept, wrote or said."""
    for path in world.root.rglob("*"):
        if path.is_file() and path.parent.name != "scripts":
            data = path.read_bytes()
            assert not [k for k in keys if k.encode() in data], f"a key is in {path}"
    for text in texts:
        assert not [k for k in keys if k in text]


def test_github_first_night_next_night_and_a_release(
    toolkit: Toolkit, servers: Servers, tmp_path: Path
) -> None:
    production = servers.production
    world = make_world(
        tmp_path,
        toolkit.bin,
        copied(),
        top={"CLOSE_CONTRACT_SPEC": toolkit.spec, "CLOSE_BASE_URL": production.base_url},
        secrets={
            "CLOSE_API_KEY": production.api_key,
            "CLOSE_OTHER_API_KEY": production.other_api_key,
            "CANDIDATE_API_KEY": CANDIDATE_KEY,
        },
        variables={
            "CLOSE_CONTRACT_COMMIT_RECORDING": "true",
            "CANDIDATE_BASE_URL": servers.candidate.base_url,
        },
        env=SMALL_RUNS,
    )
    keys = keys_of(production, servers.candidate)

    # Given a repository without a recording, when the first night runs:
    first = run_github(GITHUB_NIGHTLY, SCHEDULE, world)

    # Then the contract is judged, the recording made, kept and committed.
    nightly = first["nightly"]
    assert nightly.result == "success", nightly.log
    assert nightly.steps["live"]["outputs"] == {"recorded": "true", "status": "0"}
    kept = files_in(first.artifacts[f"close-contract-nightly-{first.run_id}"])
    assert {"report.json", "report.md", "report.html", "junit.xml"} <= kept
    assert f"{RECORDING}/baseline.json" in kept
    assert "baseline.json" in files_in(first.artifacts["close-contract-baseline"])
    assert nightly.summary.startswith("# close-contract report")
    assert nightly.junit == ["junit.xml"]
    assert first["commit-recording"].result == "success", first["commit-recording"].log
    assert f"{RECORDING}/baseline.json" in committed(world)
    assert world.issues() == []

    # When the next night finds production regressed:
    world.top["CLOSE_BASE_URL"] = servers.broken.base_url
    second = run_github(GITHUB_NIGHTLY, SCHEDULE, world)

    # Then it is compared with the committed recording, fails, and opens the issue.
    nightly = second["nightly"]
    assert nightly.result == "failure", nightly.log
    assert nightly.steps["live"]["outputs"] == {"status": "1"}
    assert second["commit-recording"].result == "skipped"
    (issue,) = world.issues()
    assert (issue["title"], issue["state"]) == (ISSUE_TITLE, "open")
    assert f"/actions/runs/{second.run_id}" in issue["body"]
    assert "# close-contract report" in issue["body"]
    kept_dir = second.artifacts[f"close-contract-nightly-{second.run_id}"]
    assert "recording/baseline.json" in files_in(kept_dir)
    # The first night's report came back from the cache: the HTML report tells what is new.
    assert "new since the last run" in (kept_dir / "report.html").read_text("utf-8")
    assert_no_key(world, keys, nightly.log, nightly.summary)

    # When a release is tagged, with production back to health:
    world.top["CLOSE_BASE_URL"] = production.base_url
    release = run_github(GITHUB_PRE_RELEASE, TAG, world)

    # Then the committed recording replays offline, and the candidate (another deployment:
    # other ids) compares with production's fresh baseline without a difference.
    replay, pre_release = release["replay"], release["pre-release"]
    assert replay.result == "success", replay.log
    assert replay.junit == ["replay.xml"] and replay.summary.startswith("# close-contract")
    assert pre_release.result == "success", pre_release.log
    assert pre_release.junit == ["candidate.xml"]
    assert "## Differences from production" in pre_release.summary
    kept = files_in(release.artifacts[f"close-contract-pre-release-{release.run_id}"])
    assert {"production.json", "candidate.json", "candidate.html", "differences.txt"} <= kept
    assert "candidate/baseline.json" in kept
    assert_no_key(world, keys, pre_release.log, pre_release.summary)


def test_gitlab_first_night_records_and_a_broken_contract_opens_an_issue(
    toolkit: Toolkit, servers: Servers, tmp_path: Path
) -> None:
    # The commands of GitLab's jobs are those of GitHub's (see
    # test_both_systems_run_the_same_commands), which the tests above run: this one runs what
    # is GitLab's own, the pipeline around them, on a first night that finds a regression.
    broken = servers.broken
    world = make_world(
        tmp_path,
        toolkit.bin,
        copied(),
        top={"CLOSE_CONTRACT_SPEC": toolkit.spec, "CLOSE_BASE_URL": broken.base_url},
        secrets={"CLOSE_API_KEY": broken.api_key, "CLOSE_CONTRACT_ISSUE_TOKEN": ISSUE_TOKEN},
        env=SMALL_RUNS,
    )

    with gitlab_api(world):
        run = run_gitlab(GITLAB, GitLabEvent("schedule"), world)

    nightly = run["nightly"]
    assert nightly.result == "failure" and nightly.outputs["exit_code"] == "1", nightly.log
    # The recording is made all the same, and kept with the reports for the user to commit.
    kept = files_in(run.artifacts["nightly"])
    assert {"report.json", "report.md", "report.html", "junit.xml"} <= kept
    assert f"{RECORDING}/baseline.json" in kept
    assert nightly.junit == ["junit.xml"]
    history = world.caches["close-contract-state"] / "close-contract-history"
    assert [p.name for p in history.iterdir()] == [f"report-{run.run_id}.json"]
    assert run["nightly-alert"].result == "success", run["nightly-alert"].log
    (issue,) = world.issues()
    assert issue["title"] == ISSUE_TITLE and "# close-contract report" in issue["body"]
    assert issue["body"].startswith(f"Pipeline: https://gitlab.example/{REPOSITORY}/-/pipelines/")
    assert_no_key(world, keys_of(broken), nightly.log)
