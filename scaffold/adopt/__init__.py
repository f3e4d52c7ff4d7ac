"""`scaffold adopt`: bring scaffold's guardrails into a repository scaffold did not generate.

The guardrails are a Copier template of their own (templates/adopt/), rendered into a staging
directory and then merged into the tree: new files are added, .gitignore and the pre-commit
config gain only missing lines, and anything else that exists is a conflict shown as a diff.
"""
