"""The parsed rule set comes from its pickle, and the pickle follows the rule files."""

from __future__ import annotations

from pathlib import Path

from scaffold.paths import cache_root
from scaffold.scan.rulecache import cached_ruleset
from scaffold.scan.rules import load_rules


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
