"""Stand-ins for `aws` and `terraform` on PATH, so the generated scripts run for real offline.

Each one records its argument list (one JSON array per line) in the log and answers the few
calls the scripts make from what the test put in its environment: FAKE_ACCOUNT (who the
session is), FAKE_FIRING (alarms in ALARM), FAKE_BUCKETS (buckets that exist), FAKE_PLAN
(`terraform show -json` output).
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

_AWS = r"""
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps(["aws", *args]) + "\n")
def value(flag):
    return args[args.index(flag) + 1] if flag in args else None
if args[:2] == ["sts", "get-caller-identity"]:
    print(os.environ["FAKE_ACCOUNT"])
elif args[:2] == ["s3api", "head-bucket"]:
    sys.exit(0 if value("--bucket") in os.environ.get("FAKE_BUCKETS", "").split() else 1)
elif args[:2] == ["cloudwatch", "describe-alarms"]:
    start = args.index("--alarm-names") + 1
    names = []
    for arg in args[start:]:
        if arg.startswith("--"):
            break
        names.append(arg)
    firing = [n for n in names if n in os.environ.get("FAKE_FIRING", "").split()]
    print("\t".join(firing) if firing else "None")
"""

_TERRAFORM = r"""
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps(["terraform", *args]) + "\n")
rest = [a for a in args if not a.startswith("-chdir=")]
if rest[:2] == ["show", "-json"]:
    print(os.environ.get("FAKE_PLAN", '{"resource_changes": []}'))
elif rest[:1] == ["show"]:
    print("Plan: 1 to add, 0 to change, 0 to destroy.")
"""


def install(bin_dir: Path) -> None:
    """Write `aws` and `terraform` into `bin_dir`."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    for name, body in (("aws", _AWS), ("terraform", _TERRAFORM)):
        path = bin_dir / name
        path.write_text(f"#!{sys.executable}\n{body}", encoding="utf-8")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)


def environment(bin_dir: Path, log: Path, **fake: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "FAKE_", "GITHUB_"))}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["FAKE_LOG"] = str(log)
    env.update({f"FAKE_{key.upper()}": value for key, value in fake.items()})
    return env


def calls(log: Path) -> list[list[str]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text("utf-8").splitlines()]
