"""Entry for the `scaffold-secrets` hook; logic: scaffold.hooks.secrets_cli."""

from scaffold.hooks.secrets_cli import main

if __name__ == "__main__":
    raise SystemExit(main())
