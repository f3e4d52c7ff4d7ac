"""Entry for the `check-oidc-trust-policy` hook; logic: scaffold.hooks.trust."""

from scaffold.hooks.trust import main

if __name__ == "__main__":
    raise SystemExit(main())
