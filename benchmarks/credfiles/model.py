"""The records of the credential-file corpus: files, numbered lines, generated values."""

from __future__ import annotations

import random
from dataclasses import dataclass

from scaffold.scan.examples import expand

# Stems people build passwords from (Summer2024!): words, not secrets.
STEMS = ("Summer", "Winter", "Dragon", "Sunshine", "Falcon", "Maple", "Rocket", "Coffee", "Tiger")


@dataclass(frozen=True)
class CorpusFile:
    format: str
    path: str
    lines: tuple[tuple[str, int | None], ...]  # text, number of the credential it holds

    def text(self) -> str:
        return "".join(line + "\n" for line, _ in self.lines)


class Draw:
    """Values for one corpus: generated, numbered, the same for the same seed."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._count = 0
        self.rng = random.Random(seed)
        self.credentials = 0

    def __call__(self, template: str) -> str:
        self._count += 1
        return expand(template, seed=self._seed * 100_000 + self._count)

    def password(self) -> str:
        """Half random, half the way people pick them (a word, digits, a symbol)."""
        if self.rng.random() < 0.5:
            return self(f"{{{{pw:{self.rng.randint(10, 20)}}}}}")
        stem = self.rng.choice(STEMS)
        return f"{stem}{self.rng.randint(10, 9999)}{self.rng.choice('!@%*.?')}"

    def number(self) -> int:
        self.credentials += 1
        return self.credentials


Line = tuple[str, int | None]


def _file(draw: Draw, fmt: str, path: str, parts: list[str | tuple[str]]) -> CorpusFile:
    """`parts`: plain lines, or 1-tuples for a line holding a credential of its own."""
    lines: list[Line] = []
    for part in parts:
        if isinstance(part, tuple):
            lines.append((part[0], draw.number()))
        else:
            lines.append((part, None))
    return CorpusFile(fmt, path, tuple(lines))


def _block(draw: Draw, fmt: str, path: str, before: list[str], secret: list[str]) -> CorpusFile:
    """A file whose credential spans several lines (a key file): one number for all of it."""
    number = draw.number()
    lines = [(line, number) for line in before + secret]
    return CorpusFile(fmt, path, tuple(lines))


def _aws(draw: Draw) -> tuple[str, str]:
    return draw("AKIA{{base32:16}}"), draw("{{b64:40}}")
