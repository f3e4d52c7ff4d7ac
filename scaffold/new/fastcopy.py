"""Copier's copy, tuned for a new service rendered into a fresh staging directory.

Three hooks into Copier's worker, all optimisations only: if a Copier release drops or renames
what they hook, the copy is the same, just slower (the baseline reconciles with git's index
whatever it was told; see tests/new/test_fastcopy.py):
- each written file is reported as soon as it is complete, so detect-secrets can scan it while
  Copier renders the rest;
- the per-file sync of executable bits into a git index is skipped: it runs one `git config`
  process per file, ~0.2 s per service, and by Copier's own account is a no-op for files no
  index tracks, which is every file of a new staging directory;
- its Jinja environment compiles each template once (below).

Copier 9.19 deprecates importing its `Worker`; when it is gone, `copy` falls back to the public
`run_copy` without the hooks.

Compiling once. Copier renders path parts, question fields and the answers-file name through
`Environment.from_string`, which compiles on every call (a generated service is ~540 compiles
of ~120 distinct strings), and loads file templates from a fresh clone whose path changes each
run, so Jinja's own caches never hit. Both are fixed with Jinja's public extension points:

- `from_string` is memoised per environment. A compile first runs the extensions' `preprocess`
  (Copier's `yield` tag resets its state there), so a reused template runs it too.
- File templates get a bytecode cache in scaffold's cache directory, keyed by template name and
  the environment's syntax instead of the clone's throwaway path; Jinja itself checks each
  entry against a checksum of the source, so an edited template is compiled afresh.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Callable
from functools import cached_property
from pathlib import Path, PurePath
from typing import Any

from jinja2 import BytecodeCache, Environment, FileSystemBytecodeCache, Template
from jinja2 import __version__ as jinja_version

from scaffold.paths import cache_root

# what changes the code Jinja generates for the same source
_SYNTAX = (
    "block_start_string",
    "block_end_string",
    "variable_start_string",
    "variable_end_string",
    "comment_start_string",
    "comment_end_string",
    "line_statement_prefix",
    "line_comment_prefix",
    "trim_blocks",
    "lstrip_blocks",
    "newline_sequence",
    "keep_trailing_newline",
    "optimized",
)


def _flavour(env: Environment) -> str:
    described = {name: repr(getattr(env, name, None)) for name in _SYNTAX}
    described["extensions"] = repr(sorted(env.extensions))
    described["autoescape"] = repr(env.autoescape)
    described["class"] = f"{type(env).__module__}.{type(env).__qualname__}"
    described["jinja"] = jinja_version
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:16]


class _ByName(FileSystemBytecodeCache):
    """Jinja's file-system bytecode cache, keyed by name and syntax rather than by path."""

    def __init__(self, flavour: str) -> None:
        directory = cache_root() / "jinja"
        directory.mkdir(parents=True, exist_ok=True)
        super().__init__(str(directory), pattern=f"{flavour}-%s.cache")

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return hashlib.sha1(name.encode("utf-8"), usedforsecurity=False).hexdigest()


def _bytecode_cache(env: Environment) -> BytecodeCache | None:
    try:
        return _ByName(_flavour(env))
    except OSError:
        return None  # no writable cache: templates are compiled each time, as before


def compile_once(env: Environment) -> Environment:
    """Make `env` reuse compiled templates (in place); returns it."""
    if env.bytecode_cache is None:
        env.bytecode_cache = _bytecode_cache(env)
    compiled: dict[str, Template] = {}
    from_string = env.from_string

    def cached(
        source: Any, globals: Any = None, template_class: type[Template] | None = None
    ) -> Template:
        if globals is not None or template_class is not None or not isinstance(source, str):
            return from_string(source, globals, template_class)
        template = compiled.get(source)
        if template is None:
            template = compiled[source] = from_string(source)
        else:
            env.preprocess(source)  # what compiling would have run first
        return template

    env.from_string = cached  # type: ignore[method-assign]
    return env


# Told the path (relative, POSIX) of each file Copier has finished writing.
FileWritten = Callable[[str], None]


def _staging_worker(on_file: FileWritten | None) -> type[Any] | None:
    """Copier's Worker with the hooks above, or None when Copier no longer exposes it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            from copier import Worker
        except ImportError:
            return None

    class StagingWorker(Worker):
        @cached_property
        def jinja_env(self) -> Any:
            return compile_once(super().jinja_env)

        def _render_file(
            self, src_relpath: Path, dst_relpath: Path, *args: Any, **kwargs: Any
        ) -> None:
            super()._render_file(src_relpath, dst_relpath, *args, **kwargs)
            if on_file is not None:
                on_file(PurePath(dst_relpath).as_posix())

        def _sync_git_index_executable_bit(self, dst_relpath: Path, src_mode: int) -> None:
            return None

    return StagingWorker


def copy(src: str, dst: Path, on_file: FileWritten | None = None, **options: Any) -> Any:
    """`copier.run_copy(src, dst, **options)`, hooked as above; returns Copier's worker."""
    worker_class = _staging_worker(on_file)
    if worker_class is None:
        import copier

        return copier.run_copy(src, dst, **options)
    with worker_class(src_path=src, dst_path=dst, **options) as worker:
        worker.run_copy()
    return worker
