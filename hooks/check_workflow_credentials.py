"""Entry for the `check-workflow-credentials` hook; logic: scaffold.hooks.workflows."""

from scaffold.hooks.workflows import main

if __name__ == "__main__":
    raise SystemExit(main())
