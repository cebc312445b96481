"""A teacher's small git repository (a notebook and a data file), served from
the host over HTTP on 127.0.0.1 for nbgitpuller links.

Served by `git http-backend` (the smart protocol), since nbgitpuller clones
with `--depth 1` and git's dumb protocol cannot make a shallow clone; the
bare repository also gets `git update-server-info` after every push, so a
dumb client works too. The container shares the host's network, so the URL
works inside it as well.

    with GitRepo() as repo:
        repo.url                       # http://127.0.0.1:PORT/workshop.git
        repo.push({"data.csv": "..."}, "teacher: more data")
"""

import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NOTEBOOK = "intro.ipynb"
DATA = "data.csv"


def notebook(*sources):
    """An nbformat 4 notebook with one code cell per source (no outputs)."""
    cells = [
        {"cell_type": "code", "execution_count": None, "id": f"cell-{i}", "metadata": {}, "outputs": [], "source": s}
        for i, s in enumerate(sources)
    ]
    meta = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}
    return json.dumps({"cells": cells, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


FIRST_FILES = {
    NOTEBOOK: notebook("rows = open('data.csv').read().split()\nlen(rows)"),
    DATA: "x,y\n1,2\n3,4\n",
    "README.md": "# Workshop\n\nOpen intro.ipynb.\n",
}


def git(*args, cwd=None, env=None):
    p = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} (in {cwd}) exited {p.returncode}: {p.stderr.strip()}")
    return p.stdout


GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Teacher",
    "GIT_AUTHOR_EMAIL": "teacher@example.org",
    "GIT_COMMITTER_NAME": "Teacher",
    "GIT_COMMITTER_EMAIL": "teacher@example.org",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


class _Backend(BaseHTTPRequestHandler):
    """One request through `git http-backend` as CGI."""

    root = ""  # set on the subclass made per server

    def do_GET(self):
        self.cgi()

    def do_POST(self):
        self.cgi()

    def cgi(self):
        path, _, query = self.path.partition("?")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": self.root,
            "GIT_HTTP_EXPORT_ALL": "1",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "REMOTE_ADDR": self.client_address[0],
        }
        if self.headers.get("Content-Encoding"):
            env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
        if self.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if length:
            env["CONTENT_LENGTH"] = str(length)
        p = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True)
        head, _, payload = p.stdout.partition(b"\r\n\r\n")  # CGI headers, then the body
        status, headers = 200, []
        for line in head.decode("latin-1").splitlines():
            key, _, value = line.partition(":")
            if key.lower() == "status":
                status = int(value.split()[0])
            elif key:
                headers.append((key, value.strip()))
        if p.returncode != 0 and not head:
            status, payload, headers = 500, p.stderr, [("Content-Type", "text/plain")]
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        self.server.requests.append(f"{self.command} {self.path} {status}")

    def log_message(self, *args):  # the log goes to self.server.requests
        pass


class GitRepo:
    """The bare repository NAME.git served on a free port of 127.0.0.1, and the
    teacher's working copy that pushes to it."""

    def __init__(self, name="workshop", files=None):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix="hubcfg-e2e-git.")
        self.bare = os.path.join(self.dir, "srv", f"{name}.git")
        self.work = os.path.join(self.dir, "teacher")
        git("init", "-q", "--bare", "-b", "main", self.bare, env=GIT_ENV)
        git("init", "-q", "-b", "main", self.work, env=GIT_ENV)
        git("remote", "add", "origin", self.bare, cwd=self.work, env=GIT_ENV)
        self.push(files or FIRST_FILES, "teacher: first version")
        handler = type("Backend", (_Backend,), {"root": os.path.join(self.dir, "srv")})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.requests = []
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/{name}.git"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.wait_ready()

    def wait_ready(self, timeout=10):
        """Until the info/refs of the smart protocol answer (the server's own
        error in the exception otherwise)."""
        deadline, last = time.time() + timeout, None
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/info/refs?service=git-upload-pack", timeout=5) as r:
                    if r.status == 200 and b"refs/heads/main" in r.read():
                        return
            except OSError as e:
                last = e
            time.sleep(0.2)
        raise RuntimeError(f"the git server on {self.url} did not answer within {timeout}s: {last}; {self.server.requests}")

    def push(self, files, message):
        """Writes files (path: text) in the teacher's copy, commits and pushes;
        returns the new commit's id."""
        for path, text in files.items():
            full = os.path.join(self.work, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w") as f:
                f.write(text)
        git("add", "-A", cwd=self.work, env=GIT_ENV)
        git("commit", "-q", "-m", message, cwd=self.work, env=GIT_ENV)
        git("push", "-q", "origin", "main", cwd=self.work, env=GIT_ENV)
        git("update-server-info", cwd=self.bare, env=GIT_ENV)
        return git("rev-parse", "HEAD", cwd=self.work, env=GIT_ENV).strip()

    def read(self, path):
        with open(os.path.join(self.work, path)) as f:
            return f.read()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
