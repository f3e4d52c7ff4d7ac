"""scaffold: production-safe service repositories, template updates and secret scanning."""


def __getattr__(name: str) -> str:
    # looked up on first use: importlib.metadata costs ~50 ms, too much for a commit-time hook
    if name != "__version__":
        raise AttributeError(f"module 'scaffold' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("scaffold")
    except PackageNotFoundError:  # running from a source tree that was never installed
        found = "0.0.0"
    globals()["__version__"] = found
    return found
