"""A repository generated from template 0.1.0, then edited by its team, updates to the current
template with plain `copier update` and with `scaffold update`: local work survives, nothing in a
live account is renamed, and afterwards every pipeline name is one Terraform creates."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scaffold.cli import main
from scaffold.update import sources
from scaffold.update.sources import local_template_repo, template_source_from_dir
from tests.gitrepo import git
from tests.new.names import created, name_problems
from tests.new.template_versions import template_at
from tests.update.projects import generate

pytestmark = pytest.mark.slow

ANSWERS = {
    "service_name": "payments-api",
    "repo_owner": "acme",
    "aws_account_dev": "123456789012",
    "aws_account_staging": "210987654321",
    "aws_account_production": "345678901234",
}
NEW_FILES = [
    "scripts/check-placeholders.sh",
    "scripts/bootstrap.sh",
    "infra/modules/service/monitoring.tf",
    "infra/modules/service/load_balancer.tf",
    "infra/modules/deploy-role/apply.tf",
    "infra/accounts/dev/main.tf",
    ".github/pull_request_template.md",
    ".pre-commit-config.offline.yaml",
]


def _names_by_address(repo: Path) -> dict[str, str]:
    """Every resource that has a name, in every environment: address -> name."""
    found: dict[str, str] = {}
    for env, stack in created(repo).items():
        for module_name, module in stack.module.modules.items():
            for resource in module.resources():
                for key in ("name", "function_name", "family", "alarm_name", "identifier"):
                    if key in resource.block.attributes:
                        address = f"{env}:module.{module_name}.{resource.kind}.{resource.name}"
                        found[address] = str(resource[key])
                        break
    return found


def _edit_like_a_team(project: Path) -> None:
    readme = project / "README.md"
    readme.write_text(readme.read_text("utf-8") + "\n## Our notes\n\nCall Sam first.\n", "utf-8")
    app = project / "src" / "payments_api" / "app.py"
    text = app.read_text("utf-8")
    route = (
        '    @app.get("/ping")\n'
        "    def ping() -> dict[str, str]:\n"
        '        return {"pong": "yes"}\n\n'
    )
    app.write_text(text.replace("    return app\n", route + "    return app\n"), "utf-8")
    dev = project / "infra" / "envs" / "dev" / "main.tf"
    dev.write_text(
        dev.read_text("utf-8").replace("desired_count      = 1", "desired_count      = 3")
    )
    (project / "NOTES.md").write_text("ours\n", "utf-8")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "the team's own changes")


@pytest.mark.parametrize("tool", ["copier", "scaffold"])
def test_a_0_1_0_repository_updates_keeping_its_edits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tool: str
) -> None:
    old = template_at("0.1.0", tmp_path / "released")
    source = template_source_from_dir(old, "0.1.0", local_template_repo())
    project = generate(source.url, tmp_path / "payments-api", source.ref or "", **ANSWERS).path
    before = _names_by_address(project)
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text("utf-8"))
    assert "deploy.yml:deploy-dev assumes" in " ".join(name_problems(project, recorded))
    _edit_like_a_team(project)

    current = sources.packaged_template_source()  # today's template, next to 0.1.0
    assert current.ref == "v0.2.0"
    if tool == "scaffold":
        assert main(["update", str(project)]) == 0
    else:  # plain copier: scaffold registered its template repository as trusted
        proc = subprocess.run(
            [sys.executable, "-m", "copier", "update", "--defaults"],
            cwd=project,
            input=b"",
            capture_output=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr.decode()

    answers = yaml.safe_load((project / ".copier-answers.yml").read_text("utf-8"))
    assert answers["_commit"] == "v0.2.0"
    assert answers["bake_minutes"] == 10 and answers["with_account_baseline"] is True
    status = git(project, "status", "--porcelain", "--untracked-files=all")
    conflicted = [line for line in status.splitlines() if line[:2] in ("UU", "AA")]
    assert conflicted == [] and ".rej" not in status
    for path in project.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            assert not re.search(r"^<{7} ", path.read_text("utf-8", "replace"), re.M), path
    # the team's work is still there
    assert (
        (project / "README.md").read_text("utf-8").endswith("\n## Our notes\n\nCall Sam first.\n")
    )
    assert '@app.get("/ping")' in (project / "src" / "payments_api" / "app.py").read_text()
    assert "desired_count      = 3" in (project / "infra/envs/dev/main.tf").read_text("utf-8")
    assert (project / "NOTES.md").read_text("utf-8") == "ours\n"
    for name in NEW_FILES:
        assert (project / name).is_file(), name
    # nothing that exists is renamed (a rename is a replacement in a live account) ...
    after = _names_by_address(project)
    renamed = {a: (n, after.get(a)) for a, n in before.items() if after.get(a) != n}
    assert renamed == {}
    # ... and the pipelines now use the names Terraform creates
    assert name_problems(project, answers) == []
