"""The credential files people commit (benchmarks/credfiles): found, and nothing else reported.

The same corpus bench_credfiles runs the peers on; here the Detector reads it directly, with each
file's path, as a source that knows paths will.
"""

from __future__ import annotations

import pytest

from benchmarks.credfiles import CorpusFile, build
from scaffold.scan.detect import Detector
from scaffold.scan.rules import load_rules

DETECTOR = Detector(load_rules())


def found_and_wrong(files: list[CorpusFile]) -> tuple[set[int], list[str]]:
    found: set[int] = set()
    wrong: list[str] = []
    for file in files:
        for match in DETECTOR.scan(file.text().encode(), path=file.path):
            held = file.lines[match.line - 1][1]
            if held is None:
                wrong.append(f"{file.path}:{match.line} {match.rule_id}")
            else:
                found.add(held)
    return found, wrong


@pytest.mark.parametrize("seed", [0, 1])
def test_every_format_is_found_and_the_hard_negatives_stay_silent(seed: int) -> None:
    files = build(seed)
    found, wrong = found_and_wrong(files)
    assert wrong == []
    for fmt in dict.fromkeys(file.format for file in files):
        numbers = {n for f in files if f.format == fmt for _, n in f.lines if n is not None}
        missed = numbers - found
        # One miss is allowed per format for human-chosen passwords that read as stand-ins.
        assert len(missed) <= max(1, len(numbers) // 10), (fmt, sorted(missed))
    total = {n for f in files for _, n in f.lines if n is not None}
    assert len(found & total) / len(total) >= 0.97
