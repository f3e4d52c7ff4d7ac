"""`scaffold audit`: score repositories against the seeds' production-readiness checklist.

Checks are data (checks/*.toml, each with examples); evaluators read a repository's files (and,
on request, the AWS account) and return verdicts; reports render them.
"""
