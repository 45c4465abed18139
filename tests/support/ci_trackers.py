"""The issue trackers the CI templates in docs/ci/ alert through, as stand-ins over one JSON
file of issues (``{"issues": [{"number", "title", "state", "body", "comments"}]}``):

* ``gh``, GitHub's command line, in the few issue commands the GitHub template runs
  (:data:`GH`, a script to put on the PATH);
* GitLab's issues API for one project, served on 127.0.0.1 (:func:`serve_gitlab_issues`),
  which the GitLab template reaches with curl.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["GH", "GITLAB_PROJECT", "ISSUE_TOKEN", "serve_gitlab_issues"]

#: The project access token the GitLab template's alert is given.
ISSUE_TOKEN = "glpat-issue-token-0123456789"
#: The GitLab project the pipelines run in (``CI_PROJECT_ID``).
GITLAB_PROJECT = "42"

#: A stand-in ``gh`` (run by a Python interpreter): it needs ``GH_TOKEN``, and ``GH_REPO``
#: equal to ``EXPECTED_REPO``; the issues file is ``ISSUES_STATE``.
GH = r'''
"""A stand-in gh: the issue commands the templates use, on a JSON file of issues."""
import json, os, re, sys
from pathlib import Path

state_file = Path(os.environ["ISSUES_STATE"])
state = json.loads(state_file.read_text("utf-8"))
args = sys.argv[1:]
if not os.environ.get("GH_TOKEN") or os.environ.get("GH_REPO") != os.environ["EXPECTED_REPO"]:
    sys.exit("gh: GH_TOKEN and GH_REPO must be set")
def option(name):
    return args[args.index(name) + 1]
def body():
    return Path(option("--body-file")).read_text("utf-8")
def issue(number):
    return next(i for i in state["issues"] if str(i["number"]) == number)
if args[:2] == ["issue", "list"]:
    assert option("--state") == "open" and option("--json") == "number", args
    assert option("--jq") == ".[0].number // empty", args
    title = re.fullmatch(r'in:title "(.+)"', option("--search")).group(1)
    found = [i for i in state["issues"] if i["state"] == "open" and title in i["title"]]
    if found:
        print(found[0]["number"])
elif args[:2] == ["issue", "create"]:
    number = len(state["issues"]) + 1
    state["issues"].append(
        {"number": number, "title": option("--title"), "state": "open", "body": body(),
         "comments": []}
    )
elif args[:2] == ["issue", "comment"]:
    issue(args[2])["comments"].append(body())
elif args[:2] == ["issue", "close"]:
    issue(args[2])["state"] = "closed"
    issue(args[2])["comments"].append(option("--comment"))
else:
    sys.exit(f"gh stand-in: {args} is not a command the templates use")
state_file.write_text(json.dumps(state), "utf-8")
'''


@contextmanager
def serve_gitlab_issues(issues_file: Path) -> Iterator[str]:
    """GitLab's issues API of :data:`GITLAB_PROJECT` over ``issues_file``, on 127.0.0.1;
    yield the API root (``CI_API_V4_URL``)."""
    lock = threading.Lock()
    prefix = f"/api/v4/projects/{GITLAB_PROJECT}/issues"

    def read() -> dict[str, Any]:
        state: dict[str, Any] = json.loads(issues_file.read_text("utf-8"))
        return state

    class Handler(BaseHTTPRequestHandler):
        def answer(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path != prefix:
                return self.answer(404, {"message": "404 Not Found"})
            if self.headers["PRIVATE-TOKEN"] != ISSUE_TOKEN:
                return self.answer(401, {"message": "401 Unauthorized"})
            if query.get("state") != "opened" or query.get("in") != "title":
                return self.answer(400, {"message": f"the test expects no such query: {query}"})
            found = [
                {"iid": i["number"], "title": i["title"]}
                for i in read()["issues"]
                if i["state"] == "open" and query.get("search", "") in i["title"]
            ]
            self.answer(200, found)

        def do_POST(self) -> None:
            if self.headers["PRIVATE-TOKEN"] != ISSUE_TOKEN:
                return self.answer(401, {"message": "401 Unauthorized"})
            length = int(self.headers["Content-Length"])
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            notes = re.fullmatch(rf"{prefix}/(\d+)/notes", self.path)
            with lock:
                state = read()
                if self.path == prefix:
                    number = len(state["issues"]) + 1
                    issue = {"number": number, "title": form["title"], "state": "open"}
                    state["issues"].append(issue | {"body": form["description"], "comments": []})
                elif notes and 0 < int(notes.group(1)) <= len(state["issues"]):
                    issue = state["issues"][int(notes.group(1)) - 1]
                    issue["comments"].append(form["body"])
                else:
                    return self.answer(404, {"message": "404 Not Found"})
                issues_file.write_text(json.dumps(state), "utf-8")
            self.answer(201, {"iid": issue["number"]})

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/v4"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
