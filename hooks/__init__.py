"""Thin entries for running scaffold's hooks from a checkout: `python -m hooks.<hook>`.

Other repositories get the hooks through `.pre-commit-hooks.yaml`, where pre-commit installs
scaffold and runs its console scripts. scaffold's own `.pre-commit-config.yaml` instead runs
these modules with `repo: local`, so a commit to scaffold is checked by the hook code in that
same work tree. Each module only calls a `main` in `scaffold/hooks/`, where the logic lives.
"""
