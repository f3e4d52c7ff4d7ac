"""Matcher throughput: MB per CPU-second of Detector.scan for each engine, on one core.

Two corpora: `generated` (code-like lines in several languages; about 3% of lines carry words
secret scanners key on, such as token, password, api_key; a few real-shaped credentials
planted) and `site-packages` (the real Python sources installed in this virtualenv). Content is
cut into blobs of --blob-kb, as a history scan hands them over. CPU time is reported next to
wall time because the machine may be shared.

    .venv/bin/python -m benchmarks.bench_detect --corpus generated --mb 32
    .venv/bin/python -m benchmarks.bench_detect --corpus site-packages --mb 32
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

from scaffold.scan.detect import Detector
from scaffold.scan.examples import expand
from scaffold.scan.rules import load_rules

PLAIN = [
    "def {name}(self, {arg}: str) -> None:",
    "    return self.{name}({arg}, timeout=30)",
    "const {name} = require('./{arg}');",
    "export async function {name}({arg}) {{ return fetch(`/api/${{{arg}}}`); }}",
    "  {arg}: {{ type: String, required: true }},",
    "{arg}_url: https://{name}.internal/{arg}",
    "    if not {arg}:",
    "        raise ValueError('missing {name} value')",
    "- name: {name}\n  image: ghcr.io/acme/{arg}:1.2.3",
    "| {name} | {arg} | see the docs |",
    "import {{ {name} }} from '@acme/{arg}';",
    "    for {arg} in self.{name}s:",
    "        total += {arg}.amount * 100",
    '  <div class="{name}">{{{{ {arg} }}}}</div>',
    "",
]
KEYWORDY = [
    "    token = request.headers.get('Authorization')",
    "    password_hash = bcrypt.hashpw({arg}.encode(), salt)",
    "# {name}: read the api_key from the environment, never from the code",
    "    logger.info('refreshing token for %s', {arg})",
    "SECRET_NAME = '{name}-{arg}'",
]
WORDS = ["user", "session", "client", "config", "cache", "item", "order", "value", "handler"]
PLANTED = [
    "GITHUB_TOKEN={{github:ghp}}",
    "stripe_key = 'sk_live_{{alnum:32}}'",
    "{{pem:RSA PRIVATE KEY}}",
]


def generated(megabytes: int, seed: int = 0) -> bytes:
    rng = random.Random(seed)
    out: list[str] = []
    size = 0
    while size < megabytes * 1024 * 1024:
        roll = rng.random()
        if roll < 0.0005:
            line = expand(rng.choice(PLANTED), rng.randrange(10**6))
        else:
            template = rng.choice(KEYWORDY if roll < 0.03 else PLAIN)
            line = template.format(
                name=rng.choice(WORDS) + str(rng.randrange(99)), arg=rng.choice(WORDS)
            )
        out.append(line)
        size += len(line) + 1
    return "\n".join(out).encode()


def site_packages(megabytes: int) -> list[bytes]:
    root = next(Path(p) for p in sys.path if p.endswith("site-packages"))
    blobs, size = [], 0
    for path in sorted(root.rglob("*.py")):
        blobs.append(path.read_bytes())
        size += len(blobs[-1])
        if size >= megabytes * 1024 * 1024:
            break
    return blobs


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--corpus", choices=("generated", "site-packages"), default="generated")
    parser.add_argument("--mb", type=int, default=32, help="corpus size in MiB")
    parser.add_argument("--blob-kb", type=int, default=64, help="blob size (generated corpus)")
    args = parser.parse_args()
    if args.corpus == "generated":
        data = generated(args.mb)
        step = args.blob_kb * 1024
        blobs = [data[i : i + step] for i in range(0, len(data), step)]
    else:
        blobs = site_packages(args.mb)
    total = sum(len(b) for b in blobs)
    ruleset = load_rules()
    print(f"{len(ruleset.rules)} rules; {args.corpus}: {total / 1e6:.1f} MB in {len(blobs)} blobs")
    for engine in ("hyperscan", "python"):
        started = time.perf_counter()
        detector = Detector(ruleset, engine)
        built = time.perf_counter() - started
        detector.scan(blobs[0])  # warm-up
        wall, cpu = time.perf_counter(), time.process_time()
        found = sum(len(detector.scan(blob)) for blob in blobs)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(
            f"{engine:>9}: {total / cpu / 1e6:7.1f} MB/s per CPU-second "
            f"({total / wall / 1e6:.1f} MB/s wall), {found} matches, built in {built:.2f}s"
        )


if __name__ == "__main__":
    main()
