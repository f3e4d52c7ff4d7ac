#!/bin/sh
# The first step of every deploy: refuses, in one line, while a placeholder answer is still in
# the files the pipeline deploys from (an example AWS account id such as 111111111111, the
# example organisation or example.com). Nothing is deployed until the real values are in.
#   sh scripts/check-placeholders.sh
set -eu
cd "$(dirname "$0")/.."

targets=""
for path in infra .github .gitlab-ci.yml; do
  [ -e "$path" ] && targets="$targets $path"
done
[ -n "$targets" ] || exit 0

# One digit twelve times, as the template's example account ids are.
accounts=""
for digit in 0 1 2 3 4 5 6 7 8 9; do
  accounts="$accounts|$digit{12}"
done
accounts="(^|[^0-9])(${accounts#|})([^0-9]|\$)"

refuse() {
  # $1: what it is; $2: an extended regular expression for it
  # shellcheck disable=SC2086 # $targets is a list of paths
  # sorted: the same first hit on every machine, whatever order the filesystem lists
  hit=$(grep -rEn -m 1 -e "$2" $targets 2>/dev/null | sort | head -n 1 | cut -d: -f1,2) || true
  if [ -n "$hit" ]; then
    echo "placeholder $1 at $hit: give the real value (scaffold update --data NAME=VALUE; README.md, \"Before the first deploy\"); nothing was deployed" >&2
    exit 1
  fi
}

refuse "AWS account id" "$accounts"
refuse "organisation example-org" "example-org"
# example.com/.org/.net, and addresses in the reserved .example, .invalid and .test domains
refuse "example domain" "(^|[^A-Za-z0-9.-])([A-Za-z0-9-]+\\.)*example\\.(com|org|net)([^A-Za-z0-9-]|\$)"
refuse "example address" "@[A-Za-z0-9.-]+\\.(example|invalid|test)([^A-Za-z0-9.-]|\$)"
echo "no placeholder answers left"
