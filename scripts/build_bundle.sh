#!/usr/bin/env bash
# Build the Elastic Beanstalk source bundle: a zip of a committed tree, minus everything
# .gitattributes marks export-ignore (tests, docs, tooling, local state).
#
#   scripts/build_bundle.sh [TREE_ISH] [OUTPUT_ZIP]
#
# TREE_ISH defaults to HEAD: only committed files ship, exactly what `eb deploy` would zip.
# OUTPUT_ZIP defaults to var/bundle/careervp-vpr-jobs-<short id>.zip. Prints the zip's path.
set -euo pipefail

cd "$(dirname "$0")/.."

tree_ish="${1:-HEAD}"
if ! git rev-parse --verify --quiet "${tree_ish}^{tree}" >/dev/null; then
  echo "build_bundle: '${tree_ish}' is not a commit or tree in this repository" >&2
  exit 2
fi
short_id="$(git rev-parse --short "${tree_ish}^{tree}")"
if [[ "$tree_ish" == "HEAD" ]] && ! git diff --quiet HEAD -- 2>/dev/null; then
  echo "build_bundle: note: uncommitted changes are not in the bundle (it is built from HEAD)" >&2
fi

output="${2:-var/bundle/careervp-vpr-jobs-${short_id}.zip}"
mkdir -p "$(dirname "$output")"
rm -f "$output"

# git archive reads export-ignore from the .gitattributes inside the archived tree, so an
# old commit is bundled with the rules it was committed with.
git archive --format=zip --output="$output" "$tree_ish"

# Refuse a bundle Elastic Beanstalk could not run.
listing="$(python3 -c 'import sys, zipfile; print(*zipfile.ZipFile(sys.argv[1]).namelist(), sep="\n")' "$output")"
for required in Procfile requirements.txt manage.py gunicorn.conf.py .ebextensions/; do
  if ! grep -q "^${required}" <<<"$listing"; then
    echo "build_bundle: ${required} is missing from ${output} (not committed?)" >&2
    rm -f "$output"
    exit 1
  fi
done

echo "$output"
