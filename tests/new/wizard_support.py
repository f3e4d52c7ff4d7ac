"""A tiny tagged Copier template for the wizard's tests (fast, and independent of the real one)."""

from __future__ import annotations

from pathlib import Path

from tests.gitrepo import GitRepo

_VALIDATOR = (
    "{% if not (service_name | regex_search('^[a-z][a-z0-9-]{1,39}$')) %}"
    "use lowercase letters, digits and dashes{% endif %}"
)


def copier_yml(*, service_default: str | None = "tiny") -> str:
    """Questions like the real template's, small; `service_default=None` makes one required."""
    default = f"  default: {service_default}\n" if service_default is not None else ""
    return (
        "_subdirectory: template\n"
        "_answers_file: .copier-answers.yml\n"
        "service_name:\n"
        "  type: str\n"
        "  help: Service name\n"
        f"{default}"
        f'  validator: "{_VALIDATOR}"\n'
        "team:\n"
        "  type: str\n"
        "  help: Owning team\n"
        "  default: platform\n"
        "repo_owner:\n"
        "  type: str\n"
        "  help: Repository owner\n"
        "  default: example-org\n"
        "with_database:\n"
        "  type: bool\n"
        "  help: Needs a database?\n"
        "  default: false\n"
        "oncall_contact:\n"
        "  type: str\n"
        "  help: Who is paged\n"
        "  default: '#oncall'\n"
    )


FILES: dict[str, str] = {
    "template/{{ _copier_conf.answers_file }}.jinja": (
        "# Changes here will be overwritten by Copier\n{{ _copier_answers|to_nice_yaml }}"
    ),
    "template/README.md.jinja": (
        "# {{ service_name }}\n\nOwned by {{ team }}; paged: {{ oncall_contact }}.\n"
    ),
    "template/src/app.py.jinja": 'NAME = "{{ service_name }}"\n',
    "template/{% if with_database %}db.sql{% endif %}.jinja": "CREATE TABLE t (id int);\n",
    "template/.pre-commit-config.yaml": "repos: []\n",
    "template/.gitignore": ".venv/\n__pycache__/\n",
}


def tiny_template(path: Path, *, service_default: str | None = "tiny") -> Path:
    """A template repository at `path`, committed and tagged v1.0.0; returns its path."""
    repo = GitRepo.init(path)
    repo.commit("template v1", {"copier.yml": copier_yml(service_default=service_default), **FILES})
    repo.tag("v1.0.0")
    return path
