"""Stand-ins of a GitHub Actions runner and a GitLab runner, for the CI templates in docs/ci/.

A pipeline runs as its CI system would run it, on local directories: its jobs in order (GitHub:
the file's, which follows their ``needs``; GitLab: stage by stage), each decided by its
``if:`` or ``rules:`` (:mod:`support.ci_expressions`); each job in a fresh clone of the
repository (:class:`World`); each script under ``bash --noprofile --norc -eo pipefail`` with
the template's variables, the settings' secrets and variables, and the CI system's own
(``GITHUB_OUTPUT``, ``GITHUB_STEP_SUMMARY``, ``CI_PROJECT_DIR``, …). The actions the GitHub
templates use (checkout, setup-python, caches, artifacts, the JUnit check) and GitLab's caches,
artifacts and JUnit reports are done on directories of the world's own; anything else fails.
"""

from __future__ import annotations

import fnmatch
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from support.ci_expressions import Rule, condition, render, truthy
from support.ci_trackers import GH, GITLAB_PROJECT, serve_gitlab_issues

__all__ = [
    "GITHUB_TOKEN",
    "REPOSITORY",
    "GitHubEvent",
    "GitLabEvent",
    "JobRun",
    "PipelineRun",
    "World",
    "committed",
    "expand",
    "files_in",
    "gitlab_api",
    "gitlab_jobs",
    "lines",
    "load",
    "make_world",
    "rule_when",
    "run_github",
    "run_gitlab",
    "triggered",
    "triggers",
]

#: The repository that copied the templates (``github.repository``, GitLab's project path).
REPOSITORY = "acme/crm-integration"
#: The workflow's token (``github.token``).
GITHUB_TOKEN = "ghs_workflow_token_0123456789"


def load(path: Path) -> dict[Any, Any]:
    """A template, read as its CI system reads it."""
    data = yaml.safe_load(path.read_text("utf-8"))
    assert isinstance(data, dict), f"{path.name} is not a YAML mapping"
    return data


def triggers(workflow: Mapping[Any, Any]) -> dict[str, Any]:
    """A workflow's ``on:``."""
    # YAML 1.1 reads the key `on` as the boolean true; GitHub reads it as "on".
    found = workflow["on"] if "on" in workflow else workflow[True]
    assert isinstance(found, dict)
    return found


def gitlab_jobs(pipeline: Mapping[Any, Any]) -> dict[str, dict[str, Any]]:
    """A pipeline's jobs, by name (its keywords and hidden jobs left out)."""
    keywords = {"default", "include", "stages", "variables", "workflow"}
    return {
        name: job
        for name, job in pipeline.items()
        if name not in keywords and not str(name).startswith(".")
    }


def lines(value: str) -> list[str]:
    """The entries of a multi-line action input (``path: |``)."""
    return [line.strip() for line in value.splitlines() if line.strip()]


def expand(text: str, variables: Mapping[str, str]) -> str:
    """``$NAME`` and ``${NAME}`` replaced, as GitLab expands its variables (unset: empty)."""
    return re.sub(r"\$\{?(\w+)\}?", lambda m: variables.get(m.group(1), ""), text)


@dataclass
class World:
    """A repository that copied the templates, its CI settings, and the CI system's stores."""

    root: Path  # a directory of the test's own
    origin: Path  # the repository (bare), which jobs clone and push to
    bin: Path  # python and close-contract: the toolkit's venv, or stand-ins
    top: dict[str, str]  # the variables at the top of the templates, as the copy set them
    secrets: dict[str, str]
    variables: dict[str, str]  # repository variables (GitHub) or project variables (GitLab)
    env: dict[str, str]  # what every script also sees
    gitlab_api: str = "http://127.0.0.1:9/api/v4"
    caches: dict[str, Path] = field(default_factory=dict)
    runs: Iterator[int] = field(default_factory=lambda: itertools.count(1001))

    @property
    def issues_file(self) -> Path:
        """The issues of both trackers' stand-ins (see :mod:`support.ci_trackers`)."""
        return self.root / "issues.json"

    def issues(self) -> list[dict[str, Any]]:
        """The issues as they stand."""
        found: list[dict[str, Any]] = json.loads(self.issues_file.read_text("utf-8"))["issues"]
        return found

    def runner_env(self) -> dict[str, str]:
        """What every script of every job sees before its CI system's own variables."""
        return {
            "PATH": os.pathsep.join([str(self.bin), str(self.root / "tools"), "/usr/bin", "/bin"]),
            "HOME": str(self.root / "home"),
            "LANG": "C.UTF-8",
            "GIT_CONFIG_NOSYSTEM": "1",
            "ISSUES_STATE": str(self.issues_file),
            "EXPECTED_REPO": REPOSITORY,
            **self.env,
        }


@dataclass
class JobRun:
    """How one job ended, and what it left."""

    result: str  # success, failure, warning (GitLab: an allowed failure) or skipped
    outputs: dict[str, str] = field(default_factory=dict)
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    summary: str = ""
    log: str = ""
    junit: list[str] = field(default_factory=list)
    workdir: Path | None = None


@dataclass
class PipelineRun:
    """One run of a workflow or pipeline: its id, its jobs by name, its artifacts by name
    (GitHub: the upload's name; GitLab: the job's)."""

    run_id: int
    jobs: dict[str, JobRun] = field(default_factory=dict)
    artifacts: dict[str, Path] = field(default_factory=dict)

    def __getitem__(self, job: str) -> JobRun:
        return self.jobs[job]


_SCRIPTS = itertools.count()


def bash(script: str, workdir: Path, env: Mapping[str, str], world: World) -> tuple[int, str]:
    """Run a script as both CI systems run theirs: bash without profiles, -e and pipefail."""
    path = world.root / "scripts" / f"{next(_SCRIPTS)}.sh"
    path.parent.mkdir(exist_ok=True)
    path.write_text(script, "utf-8")
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(path)],
        cwd=workdir,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=300,
    )
    # The log holds what the script said, not its text (which names every message it may say).
    return done.returncode, f"--- {path} exited {done.returncode}\n{done.stdout}{done.stderr}"


def git(*args: str, cwd: Path, world: World | None = None) -> str:
    env = {"PATH": os.environ["PATH"], "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd)}
    if world is not None:
        env = world.runner_env()
    identity = ["-c", "user.name=Tester", "-c", "user.email=tester@example.invalid"]
    done = subprocess.run(
        ["git", *identity, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def copy_paths(workdir: Path, paths: list[str], into: Path) -> list[Path]:
    """Copy what exists of ``paths`` (files, directories, globs) into ``into``, keeping their
    places relative to ``workdir``; return the files copied, relative to ``workdir``."""
    files: list[Path] = []
    for entry in paths:
        for found in sorted(workdir.glob(entry.rstrip("/"))):
            files += [p for p in found.rglob("*") if p.is_file()] if found.is_dir() else [found]
    for file in files:
        target = into / file.relative_to(workdir)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(file, target)
    return [file.relative_to(workdir) for file in files]


def junit_files(workdir: Path, pattern: str) -> list[str]:
    """The JUnit files a report matches, each parsed as a CI system would."""
    found = sorted(workdir.glob(pattern))
    for path in found:
        assert ET.parse(path).getroot().tag in ("testsuites", "testsuite"), path
    return [str(path.relative_to(workdir)) for path in found]


# GitHub Actions


@dataclass(frozen=True)
class GitHubEvent:
    name: str
    ref: str = "refs/heads/main"
    inputs: Mapping[str, str] = field(default_factory=dict)
    head: str = REPOSITORY  # a pull request's head repository (another one: a fork's)

    def context(self, run_id: int) -> dict[str, Any]:
        event: dict[str, Any] = {}
        if self.name == "pull_request":
            repo = {"full_name": self.head, "fork": self.head != REPOSITORY}
            event = {"pull_request": {"head": {"repo": repo}}}
        return {
            "event_name": self.name,
            "event": event,
            "ref": self.ref,
            "repository": REPOSITORY,
            "run_id": str(run_id),
            "run_attempt": "1",
            "server_url": "https://github.com",
            "token": GITHUB_TOKEN,
        }


def triggered(workflow: Mapping[Any, Any], event: GitHubEvent) -> bool:
    on = triggers(workflow)
    if event.name not in on:
        return False
    if event.name == "push" and event.ref.startswith("refs/tags/"):
        tags = on["push"].get("tags", [])
        return any(fnmatch.fnmatch(event.ref.removeprefix("refs/tags/"), t) for t in tags)
    return True


def run_github(path: Path, event: GitHubEvent, world: World) -> PipelineRun:
    """Run a workflow's jobs (in the file's order, which follows their needs)."""
    workflow = load(path)
    assert triggered(workflow, event), f"{path.name} does not run on {event}"
    run = PipelineRun(next(world.runs))
    env = {name: world.top.get(name, str(value)) for name, value in workflow["env"].items()}
    declared = triggers(workflow).get("workflow_dispatch") or {}
    inputs: dict[str, Any] = {}
    if event.name == "workflow_dispatch":
        inputs = {k: v.get("default") for k, v in (declared.get("inputs") or {}).items()}
        inputs |= event.inputs
    for name, job in workflow["jobs"].items():
        needs = job.get("needs", [])
        needs = [needs] if isinstance(needs, str) else list(needs)
        contexts: dict[str, Any] = {
            "github": event.context(run.run_id),
            "env": env,
            "vars": world.variables,
            "secrets": world.secrets,
            "inputs": inputs,
            "runner": {"os": "Linux"},
            "needs": {n: {"result": run[n].result, "outputs": run[n].outputs} for n in needs},
        }
        status = {
            "success": all(run[n].result == "success" for n in needs),
            "failure": any(run[n].result == "failure" for n in needs),
            "always": True,
            "cancelled": False,
        }
        if not condition(job.get("if"), contexts, status):
            run.jobs[name] = JobRun("skipped")
            continue
        assert workflow["defaults"]["run"]["shell"] == "bash"
        run.jobs[name] = github_job(name, job, contexts, event, world, run)
    return run


def github_job(
    name: str,
    job: Mapping[str, Any],
    contexts: dict[str, Any],
    event: GitHubEvent,
    world: World,
    run: PipelineRun,
) -> JobRun:
    workdir = world.root / f"github-{run.run_id}-{name}"
    env = contexts["env"] | {k: render(v, contexts) for k, v in (job.get("env") or {}).items()}
    contexts = contexts | {"env": env, "steps": {}}
    done = JobRun("success", workdir=workdir)
    failed = False
    for step in job["steps"]:
        status = {"success": not failed, "failure": failed, "always": True, "cancelled": False}
        if not condition(step.get("if"), contexts, status):
            continue
        outputs: dict[str, str] = {}
        if "uses" in step:
            inputs = {k: render(v, contexts) for k, v in (step.get("with") or {}).items()}
            ok = github_action(step["uses"], inputs, env, workdir, world, run, done)
        else:
            step_env = env | {k: render(v, contexts) for k, v in (step.get("env") or {}).items()}
            ok, outputs = github_script(step["run"], step_env, event, workdir, world, run, done)
        if "id" in step:
            contexts["steps"][step["id"]] = {"outputs": outputs}
        failed = failed or not ok
    done.result = "failure" if failed else "success"
    done.outputs = {k: render(v, contexts) for k, v in (job.get("outputs") or {}).items()}
    done.steps = contexts["steps"]
    return done


def github_script(
    script: str,
    env: Mapping[str, str],
    event: GitHubEvent,
    workdir: Path,
    world: World,
    run: PipelineRun,
    job: JobRun,
) -> tuple[bool, dict[str, str]]:
    files = world.root / "runner" / str(next(_SCRIPTS))
    files.mkdir(parents=True)
    output, summary = files / "output", files / "summary"
    output.touch()
    summary.touch()
    variables = {
        **world.runner_env(),
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": event.name,
        "GITHUB_OUTPUT": str(output),
        "GITHUB_REPOSITORY": REPOSITORY,
        "GITHUB_RUN_ID": str(run.run_id),
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_WORKSPACE": str(workdir),
        "RUNNER_OS": "Linux",
        **env,
    }
    code, log = bash(script, workdir, variables, world)
    job.log += log
    job.summary += summary.read_text("utf-8")
    written = output.read_text("utf-8").splitlines()
    assert not [line for line in written if "<<" in line], "multi-line outputs are not read"
    return code == 0, dict(line.split("=", 1) for line in written if line)


def github_action(
    uses: str,
    inputs: Mapping[str, str],
    env: Mapping[str, str],
    workdir: Path,
    world: World,
    run: PipelineRun,
    job: JobRun,
) -> bool:
    """What the actions the templates use do, on local directories."""
    action = uses.split("@")[0]
    if action == "actions/checkout":
        git("clone", "--quiet", str(world.origin), str(workdir), cwd=world.root)
    elif action == "actions/setup-python":
        assert inputs["python-version"] == "3.11"
    elif action == "actions/cache":
        # pip's cache: its key changes with the spec, so a new spec starts a new cache.
        assert inputs["path"] == "~/.cache/pip"
        assert env["CLOSE_CONTRACT_SPEC"] in inputs["key"]
    elif action == "actions/cache/restore":
        hit = world.caches.get(inputs["key"])
        if hit is None:
            prefixes = lines(inputs.get("restore-keys", ""))
            keys = [k for k in world.caches if any(k.startswith(p) for p in prefixes)]
            hit = world.caches[keys[-1]] if keys else None
        if hit is not None:
            shutil.copytree(hit, workdir, dirs_exist_ok=True)
    elif action == "actions/cache/save":
        if inputs["key"] not in world.caches:  # a cache entry never changes
            saved = world.root / "caches" / str(len(world.caches))
            saved.mkdir(parents=True)
            copy_paths(workdir, lines(inputs["path"]), saved)
            world.caches[inputs["key"]] = saved
    elif action == "mikepenz/action-junit-report":
        job.junit += junit_files(workdir, inputs["report_paths"])
    elif action == "actions/upload-artifact":
        return upload(inputs, workdir, world, run)
    elif action == "actions/download-artifact":
        target = workdir / inputs.get("path", ".")
        shutil.copytree(run.artifacts[inputs["name"]], target, dirs_exist_ok=True)
    else:
        raise AssertionError(f"the runner stand-in does not know {uses}")
    return True


def upload(inputs: Mapping[str, str], workdir: Path, world: World, run: PipelineRun) -> bool:
    name = inputs["name"]
    assert name not in run.artifacts, f"two artifacts named {name}"
    staging = world.root / "staging" / f"{run.run_id}-{name}"
    files = copy_paths(workdir, lines(inputs["path"]), staging)
    if not files:
        return inputs.get("if-no-files-found", "warn") != "error"
    # As upload-artifact does: paths are kept below the files' common directory.
    common = Path(os.path.commonpath([str(f.parent) for f in files]))
    run.artifacts[name] = staging / common
    return True


# GitLab CI/CD


@dataclass(frozen=True)
class GitLabEvent:
    source: str  # CI_PIPELINE_SOURCE: schedule, push, merge_request_event, web
    tag: str = ""
    variables: Mapping[str, str] = field(default_factory=dict)  # set for this pipeline

    def predefined(self, run_id: int, api: str) -> dict[str, str]:
        found = {
            "CI": "true",
            "GITLAB_CI": "true",
            "CI_PIPELINE_SOURCE": self.source,
            "CI_PIPELINE_ID": str(run_id),
            "CI_PIPELINE_URL": f"https://gitlab.example/{REPOSITORY}/-/pipelines/{run_id}",
            "CI_DEFAULT_BRANCH": "main",
            "CI_PROJECT_ID": GITLAB_PROJECT,
            "CI_API_V4_URL": api,
        }
        if self.tag:
            found["CI_COMMIT_TAG"] = self.tag
        elif self.source == "merge_request_event":
            found["CI_MERGE_REQUEST_IID"] = "7"
        else:
            found["CI_COMMIT_BRANCH"] = "main"
        return found


def rule_when(rules: list[dict[str, Any]], variables: Mapping[str, str]) -> str | None:
    """The first matching rule's ``when``, or None: the job is not in the pipeline."""
    for rule in rules:
        if truthy(Rule(rule["if"], variables).evaluate()):
            return str(rule.get("when", "on_success"))
    return None


def run_gitlab(path: Path, event: GitLabEvent, world: World) -> PipelineRun:
    """Run the pipeline's jobs stage by stage, with their rules, needs and caches."""
    pipeline = load(path)
    run = PipelineRun(next(world.runs))
    predefined = event.predefined(run.run_id, world.gitlab_api)
    top = {name: world.top.get(name, str(v)) for name, v in pipeline["variables"].items()}
    # Variables in the project's settings and those given to the pipeline win over the file's.
    settings = {**world.variables, **world.secrets, **event.variables}
    stages: list[str] = pipeline["stages"]
    jobs = gitlab_jobs(pipeline)
    for stage in stages:
        for name, job in jobs.items():
            if job["stage"] != stage:
                continue
            variables = {**predefined, **top, **(job.get("variables") or {})}
            when = rule_when(job["rules"], variables | settings)
            if when is None:
                continue
            needs = job.get("needs")
            earlier = [n for n in run.jobs if stages.index(jobs[n]["stage"]) < stages.index(stage)]
            deps = earlier if needs is None else [n for n in needs if n in run.jobs]
            failed = any(run[d].result == "failure" for d in deps)
            if failed != (when == "on_failure"):
                run.jobs[name] = JobRun("skipped")
                continue
            run.jobs[name] = gitlab_job(name, job, pipeline, variables, settings, deps, world, run)
    return run


def gitlab_job(
    name: str,
    job: Mapping[str, Any],
    pipeline: Mapping[str, Any],
    variables: Mapping[str, str],
    settings: Mapping[str, str],
    deps: list[str],
    world: World,
    run: PipelineRun,
) -> JobRun:
    workdir = world.root / f"gitlab-{run.run_id}-{name}"
    git("clone", "--quiet", str(world.origin), str(workdir), cwd=world.root)
    env = {**variables, "CI_PROJECT_DIR": str(workdir), "CI_JOB_NAME": name}
    env = {k: expand(v, env) for k, v in env.items()} | dict(settings)
    caches = job.get("cache", pipeline["default"]["cache"])
    caches = [caches] if isinstance(caches, dict) else caches
    for cache in caches:
        if cache["key"] in world.caches:
            shutil.copytree(world.caches[cache["key"]], workdir, dirs_exist_ok=True)
    for dep in deps:
        if dep in run.artifacts:
            shutil.copytree(run.artifacts[dep], workdir, dirs_exist_ok=True)
    before = job.get("before_script", pipeline["default"]["before_script"])
    code, log = bash("\n".join([*before, *job["script"]]), workdir, world.runner_env() | env, world)
    allowed = (job.get("allow_failure") or {}).get("exit_codes", [])
    result = "success" if code == 0 else "warning" if code in allowed else "failure"
    done = JobRun(result, log=log, workdir=workdir, outputs={"exit_code": str(code)})
    artifacts = job.get("artifacts")
    if artifacts and (artifacts["when"] == "always" or result != "failure"):
        kept = world.root / "artifacts" / f"{run.run_id}-{name}"
        copy_paths(workdir, [expand(p, env) for p in artifacts["paths"]], kept)
        run.artifacts[name] = kept
        done.junit = junit_files(workdir, artifacts["reports"]["junit"])
    for cache in caches:
        if cache.get("when", "on_success") == "always" or result == "success":
            saved = world.root / "caches" / f"{run.run_id}-{name}-{cache['key']}"
            saved.mkdir(parents=True)
            copy_paths(workdir, cache["paths"], saved)
            world.caches[cache["key"]] = saved  # GitLab replaces a cache each time
    return done


def make_world(
    tmp_path: Path,
    bin_dir: Path,
    files: Mapping[str, Path],
    *,
    top: Mapping[str, str] | None = None,
    secrets: Mapping[str, str] | None = None,
    variables: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
) -> World:
    """A repository whose first commit holds ``files`` (its path -> a file or directory to
    copy there), with the CI settings and stores of its own, under ``tmp_path``."""
    seed = tmp_path / "seed"
    for place, source in files.items():
        (seed / place).parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, seed / place)
        else:
            shutil.copy(source, seed / place)
    git("init", "--quiet", "--initial-branch=main", cwd=seed)
    git("add", "--all", cwd=seed)
    git("commit", "--quiet", "--message=Copy the close-contract templates", cwd=seed)
    origin = tmp_path / "origin.git"
    git("clone", "--quiet", "--bare", str(seed), str(origin), cwd=tmp_path)
    tools = tmp_path / "tools"
    tools.mkdir()
    # -S: the stand-in needs nothing beyond the standard library, and starts faster.
    (tools / "gh").write_text(f"#!{sys.executable} -S\n{GH}", "utf-8")
    (tools / "gh").chmod(0o755)
    (tmp_path / "home").mkdir()
    (tmp_path / "issues.json").write_text('{"issues": []}', "utf-8")
    return World(
        root=tmp_path,
        origin=origin,
        bin=bin_dir,
        top=dict(top or {}),
        secrets=dict(secrets or {}),
        variables=dict(variables or {}),
        env=dict(env or {}),
    )


def committed(world: World) -> list[str]:
    """The files of the repository's default branch."""
    return git("ls-tree", "-r", "--name-only", "HEAD", cwd=world.origin).split()


def files_in(directory: Path) -> set[str]:
    """Every file under ``directory``, as a path relative to it."""
    return {str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file()}


@contextmanager
def gitlab_api(world: World) -> Iterator[None]:
    """GitLab's issues API for the world's pipelines, over its issues file."""
    with serve_gitlab_issues(world.issues_file) as api:
        world.gitlab_api = api
        yield
