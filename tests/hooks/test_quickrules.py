"""The commit-time Detector shortcuts give exactly the full Detector's results."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.hooks.quickrules import detector_for, needed
from scaffold.paths import cache_root
from scaffold.scan.detect import Detector
from scaffold.scan.examples import expand
from scaffold.scan.rulecache import cached_ruleset
from scaffold.scan.rules import load_rules, split_example

RULESET = load_rules()
FULL = Detector(RULESET, engine="python")


def _samples() -> list[bytes]:
    texts = []
    for rule in RULESET.rules:
        for example in (*rule.examples, *rule.negatives):
            texts.append(split_example(expand(example, 0))[0].encode())
    return texts


def test_cached_ruleset_equals_a_fresh_load() -> None:
    first = cached_ruleset()
    assert first == load_rules()
    assert list(cache_root().glob("ruleset-*.pickle")), "the cache was not written"
    assert cached_ruleset() == first  # from the pickle this time


def test_extra_rule_file_changes_miss_the_cache(tmp_path: Path) -> None:
    extra = tmp_path / "extra.toml"
    rule = (
        'provider = "Acme"\nseverity = "high"\nremediation = "Rotate it."\n[[rules]]\n'
        'id = "acme-key"\ndescription = "Acme key"\npattern = \'\\b(acme_[a-z0-9]{{{n}}})\\b\'\n'
        'keywords = ["acme_"]\nexamples = ["key = «acme_{{{{alnum:{n}}}}}»"]\n'
    )
    extra.write_text(rule.format(n=20), encoding="utf-8")
    assert cached_ruleset((extra,)).by_id("acme-key").pattern.endswith("{20})\\b")
    extra.write_text(rule.format(n=24), encoding="utf-8")
    assert cached_ruleset((extra,)).by_id("acme-key").pattern.endswith("{24})\\b")


def test_narrowed_detector_finds_exactly_what_the_full_one_finds() -> None:
    samples = _samples()
    assert samples
    for data in samples:
        narrowed, _ = detector_for([data])
        assert narrowed.scan(data) == FULL.scan(data), data[:80]


def test_narrowing_keeps_few_rules_for_ordinary_code() -> None:
    code = b"def handler(event):\n    return {'status': 200}\n"
    kept = needed(RULESET, [code])
    assert len(kept.rules) < len(RULESET.rules) // 2
    assert kept.version != RULESET.version


@pytest.mark.parametrize("engine", ["python"])
def test_all_samples_in_one_commit(engine: str) -> None:
    samples = _samples()
    narrowed, _ = detector_for(samples, engine=engine)
    for data in samples:
        assert narrowed.scan(data) == FULL.scan(data)


def test_content_without_any_keyword_needs_no_detector() -> None:
    from scaffold.hooks.quickrules import NothingToMatch

    matcher, ruleset = detector_for([b"x = 1\n", b"\x00\x01"])
    assert isinstance(matcher, NothingToMatch)
    assert ruleset == load_rules()
    assert matcher.scan(b"x = 1\n") == FULL.scan(b"x = 1\n") == []
