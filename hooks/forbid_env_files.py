"""Entry for the `forbid-env-files` hook; logic: scaffold.hooks.envfiles."""

from scaffold.hooks.envfiles import main

if __name__ == "__main__":
    raise SystemExit(main())
