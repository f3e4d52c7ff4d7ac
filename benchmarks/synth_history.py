"""Build a large synthetic git history with planted secrets, for scan benchmarks.

The history is written with one `git fast-import` stream, so tens of thousands of commits take
seconds. Everything is derived from a seed: the same arguments give the same repository. Secrets
are generated at run time (never stored in this file) and written to a ground-truth manifest, with
hard negatives (placeholders, documentation keys, bad checksums) that a good scanner must ignore.
"""

from __future__ import annotations

import argparse
import json
import random
import string
import subprocess
import zlib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

ALNUM = string.ascii_letters + string.digits
BASE32 = string.ascii_uppercase + "234567"  # AWS key ids use the base32 alphabet
BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase

WORDS = tuple(
    [
        "def",
        "class",
        "return",
        "import",
        "from",
        "self",
        "value",
        "config",
        "request",
        "response",
        "user",
        "account",
        "service",
        "handler",
        "client",
        "server",
        "data",
        "items",
        "result",
        "error",
        "logger",
        "cache",
        "session",
        "token_count",
        "timeout",
        "retry",
        "backoff",
        "queue",
        "worker",
        "batch",
        "stream",
        "buffer",
        "offset",
        "limit",
        "page",
        "cursor",
        "query",
        "filter",
        "update",
        "delete",
        "create",
        "fetch",
        "parse",
        "render",
        "format",
        "encode",
        "decode",
        "validate",
        "schema",
        "field",
        "model",
        "record",
        "index",
        "key_name",
        "route",
        "path",
        "method",
        "status",
        "header",
        "body",
        "payload",
        "event",
        "message",
        "topic",
    ]
)


@dataclass(frozen=True)
class Planted:
    """One credential (or decoy) written into the history."""

    kind: str  # e.g. "aws", "github", "decoy-placeholder"
    secret: str
    path: str
    commit_index: int
    real: bool  # False for decoys a scanner should not report
    how: str  # "added", "deleted-later", "side-branch", "tag-only", "merge-only", "message"


def base62_crc32(payload: str) -> str:
    """GitHub-style checksum tail: CRC32 of the token body, base62, 6 characters."""
    value = zlib.crc32(payload.encode())
    digits = []
    for _ in range(6):
        value, rem = divmod(value, 62)
        digits.append(BASE62[rem])
    return "".join(reversed(digits))


def _rand(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _github(rng: random.Random, *, good: bool = True) -> str:
    body = _rand(rng, ALNUM, 30)
    tail = base62_crc32(body)
    if not good:
        tail = tail[::-1] if tail[::-1] != tail else "000000"
    return f"ghp_{body}{tail}"


# Each generator returns (secret, line of code that holds it).
SecretMaker = Callable[[random.Random], tuple[str, str]]


def _aws(rng: random.Random) -> tuple[str, str]:
    key_id = "AKIA" + _rand(rng, BASE32, 16)
    secret = _rand(rng, ALNUM + "/+", 40)
    return key_id, f'AWS_ACCESS_KEY_ID = "{key_id}"\nAWS_SECRET_ACCESS_KEY = "{secret}"'


def _gh(rng: random.Random) -> tuple[str, str]:
    token = _github(rng)
    return token, f'GITHUB_TOKEN = "{token}"'


def _slack(rng: random.Random) -> tuple[str, str]:
    token = f"xoxb-{_rand(rng, string.digits, 11)}-{_rand(rng, string.digits, 12)}-" + _rand(
        rng, ALNUM, 24
    )
    return token, f"slack_token: {token}"


def _stripe(rng: random.Random) -> tuple[str, str]:
    token = "sk_live_" + _rand(rng, ALNUM, 24)
    return token, f"stripe.api_key = '{token}'"


def _pg(rng: random.Random) -> tuple[str, str]:
    password = _rand(rng, ALNUM, 20)
    return password, f"DATABASE_URL=postgres://app:{password}@db.internal:5432/app"


def _pem(rng: random.Random) -> tuple[str, str]:
    body = "\n".join(_rand(rng, ALNUM + "+/", 64) for _ in range(12))
    begin = "-----BEGIN " + "RSA PRIVATE KEY-----"
    end = "-----END " + "RSA PRIVATE KEY-----"
    return body.splitlines()[0], f"{begin}\n{body}\n{end}"


REAL_MAKERS: dict[str, SecretMaker] = {
    "aws": _aws,
    "github": _gh,
    "slack": _slack,
    "stripe": _stripe,
    "postgres-url": _pg,
    "private-key": _pem,
}


def _decoys(rng: random.Random) -> list[tuple[str, str, str]]:
    """Hard negatives: (kind, value, line). Famous doc keys are assembled from parts."""
    doc_key = "AKIA" + "IOSFODNN7" + "EXAMPLE"
    bad_gh = _github(rng, good=False)
    return [
        ("decoy-doc-key", doc_key, f'aws_access_key_id = "{doc_key}"'),
        ("decoy-bad-checksum", bad_gh, f'token = "{bad_gh}"'),
        ("decoy-template", "${DB_PASSWORD}", 'password = "${DB_PASSWORD}"'),
        ("decoy-placeholder", "changeme", 'password = "changeme"'),
        ("decoy-env", "os.environ", 'api_key = os.environ["API_KEY"]'),
        ("decoy-jinja", "{{ secret }}", 'secret: "{{ secret }}"'),
    ]


class History:
    """Writes a fast-import stream for a repository with churn, branches, merges and tags."""

    def __init__(self, rng: random.Random, files: int, line_pool: int) -> None:
        self.rng = rng
        self.pool = [self._line() for _ in range(line_pool)]
        self.tree: dict[str, list[str]] = {}
        for i in range(files):
            self.tree[self._path(i)] = self._content()
        self.mark = 0
        self.clock = 1_600_000_000
        self.planted: list[Planted] = []

    def _line(self) -> str:
        indent = "    " * self.rng.randint(0, 3)
        words = " ".join(self.rng.choice(WORDS) for _ in range(self.rng.randint(3, 12)))
        return f"{indent}{words} = {self.rng.randint(0, 10**6)}"

    def _path(self, i: int) -> str:
        ext = self.rng.choice(["py", "py", "js", "ts", "go", "yaml", "json", "md"])
        return f"src/pkg{i % 40}/mod_{i}.{ext}"

    def _content(self) -> list[str]:
        size = int(self.rng.lognormvariate(4.8, 0.9))  # lines; median ~120
        return [self.rng.choice(self.pool) for _ in range(max(5, min(size, 8000)))]

    def _churn(self, lines: list[str]) -> list[str]:
        out = list(lines)
        for _ in range(self.rng.randint(1, 6)):
            at = self.rng.randrange(len(out) + 1)
            if self.rng.random() < 0.6:
                out.insert(at, self._line())
            elif out:
                out[min(at, len(out) - 1)] = self._line()
        return out

    def _commit(
        self,
        ref: str,
        message: str,
        changes: dict[str, str | None],
        parents: list[int],
    ) -> Iterator[bytes]:
        self.mark += 1
        self.clock += self.rng.randint(60, 7200)
        who = f"Dev {self.rng.randint(1, 25)} <dev@example.com> {self.clock} +0000"
        msg = message.encode()
        head = [f"commit {ref}", f"mark :{self.mark}", f"author {who}", f"committer {who}"]
        yield ("\n".join(head) + f"\ndata {len(msg)}\n").encode() + msg + b"\n"
        if parents:
            yield f"from :{parents[0]}\n".encode()
            for extra in parents[1:]:
                yield f"merge :{extra}\n".encode()
        for path, content in changes.items():
            if content is None:
                yield f"D {path}\n".encode()
            else:
                data = content.encode()
                yield f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n"
        yield b"\n"

    def stream(self, commits: int, plant_every: int, *, merges: bool = False) -> Iterator[bytes]:
        """`merges`: a pull-request workflow, most changes made on a topic branch and merged
        with a merge commit while main moves on, and a tag every 50 commits (the shape of
        git/git and GitHub histories that the plain history lacks)."""
        rng = self.rng
        changes: dict[str, str | None] = {p: "\n".join(c) + "\n" for p, c in self.tree.items()}
        yield from self._commit("refs/heads/main", "initial import", changes, [])
        main_tip = self.mark
        kinds = list(REAL_MAKERS)
        for n in range(1, commits):
            changes = {}
            for path in rng.sample(sorted(self.tree), k=rng.randint(1, 3)):
                self.tree[path] = self._churn(self.tree[path])
                changes[path] = "\n".join(self.tree[path]) + "\n"
            if rng.random() < 0.01:  # new file
                path = self._path(10_000 + n)
                self.tree[path] = self._content()
                changes[path] = "\n".join(self.tree[path]) + "\n"
            if rng.random() < 0.005 and len(self.tree) > 50:  # deletion
                gone = rng.choice(sorted(self.tree))
                del self.tree[gone]
                changes[gone] = None
            message = f"{rng.choice(WORDS)}: {rng.choice(WORDS)} {rng.choice(WORDS)} (#{n})"
            if n % plant_every == 0:
                kind = kinds[(n // plant_every) % len(kinds)]
                secret, code = REAL_MAKERS[kind](rng)
                path = f"config/settings_{n}.py"
                changes[path] = f"# settings\n{code}\n"
                self.planted.append(Planted(kind, secret, path, n, True, "deleted-later"))
                yield from self._commit("refs/heads/main", message, changes, [main_tip])
                main_tip = self.mark
                # the secret is removed again a few commits later: only history holds it
                yield from self._commit(
                    "refs/heads/main", f"remove settings {n}", {path: None}, [main_tip]
                )
                main_tip = self.mark
                continue
            if n % (plant_every * 3) == plant_every // 2:
                for kind, value, code in _decoys(rng):
                    changes[f"examples/decoy_{n}_{kind}.txt"] = code + "\n"
                    self.planted.append(
                        Planted(kind, value, f"examples/decoy_{n}_{kind}.txt", n, False, "added")
                    )
            if merges and n % 2 == 0:
                yield from self._commit(f"refs/heads/topic-{n % 64}", message, changes, [main_tip])
                topic_tip = self.mark
                other = rng.choice(list(self.tree))
                if other not in changes:  # main moves on meanwhile, so the merge is a real one
                    self.tree[other] = self._churn(self.tree[other])
                    moved: dict[str, str | None] = {other: "\n".join(self.tree[other]) + "\n"}
                    yield from self._commit("refs/heads/main", f"fix {n}", moved, [main_tip])
                    main_tip = self.mark
                # fast-import takes the first parent's tree: the merge result names the topic's
                # files again, as a clean merge's tree holds them
                yield from self._commit(
                    "refs/heads/main", f"Merge pull request #{n}", changes, [main_tip, topic_tip]
                )
            else:
                yield from self._commit("refs/heads/main", message, changes, [main_tip])
            main_tip = self.mark
            if merges and n % 50 == 0:
                yield f"reset refs/tags/r{n}\nfrom :{main_tip}\n\n".encode()
            if n % 997 == 0:  # a side branch with one secret, merged with its own change
                secret, code = _gh(rng)
                side_path = f"side/branch_{n}.env.py"
                yield from self._commit(
                    f"refs/heads/feature-{n}", f"wip {n}", {side_path: f"{code}\n"}, [main_tip]
                )
                side_tip = self.mark
                self.planted.append(Planted("github", secret, side_path, n, True, "side-branch"))
                merge_secret, merge_code = _stripe(rng)
                merge_path = f"merge/resolution_{n}.py"
                yield from self._commit(
                    "refs/heads/main",
                    f"Merge feature-{n}",
                    {merge_path: merge_code + "\n", side_path: None},
                    [main_tip, side_tip],
                )
                main_tip = self.mark
                self.planted.append(
                    Planted("stripe", merge_secret, merge_path, n, True, "merge-only")
                )
            if n % 2500 == 0:
                yield f"reset refs/tags/v{n // 2500}.0.0\nfrom :{main_tip}\n\n".encode()


def build(
    dest: Path, commits: int, files: int, seed: int, plant_every: int, *, merges: bool = False
) -> list[Planted]:
    """Create `dest` as a fresh repository holding the synthetic history; return ground truth."""
    if dest.exists():
        raise SystemExit(f"error: {dest} exists; choose a new path")
    subprocess.run(["git", "init", "-q", "-b", "main", str(dest)], check=True, input=b"")
    history = History(random.Random(seed), files=files, line_pool=20_000)
    proc = subprocess.Popen(
        ["git", "fast-import", "--quiet", "--done"],
        cwd=dest,
        stdin=subprocess.PIPE,
    )
    assert proc.stdin is not None
    for chunk in history.stream(commits, plant_every, merges=merges):
        proc.stdin.write(chunk)
    proc.stdin.write(b"done\n")
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("error: git fast-import failed")
    subprocess.run(["git", "checkout", "-q", "main"], cwd=dest, check=True, input=b"")
    manifest = dest.parent / f"{dest.name}.truth.json"
    manifest.write_text(json.dumps([asdict(p) for p in history.planted], indent=1))
    return history.planted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--commits", type=int, default=20_000)
    parser.add_argument("--files", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--plant-every", type=int, default=400)
    args = parser.parse_args()
    planted = build(args.dest, args.commits, args.files, args.seed, args.plant_every)
    print(f"{args.dest}: {args.commits} commits, {len(planted)} planted values")


if __name__ == "__main__":
    main()
