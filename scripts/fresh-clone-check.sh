#!/usr/bin/env bash
# Fresh-clone check: clones the committed HEAD of this repository into a temporary
# folder and runs the README's test command (`npm test`) there, to confirm that no step
# depends on something left on this machine (built files, node_modules, state).
#
#   scripts/fresh-clone-check.sh [--keep]     --keep leaves the clone for inspection
#
# The tests read the shared spec at ../shared (spec/vectors): the clone gets a sibling
# `shared` linked to this checkout's ../shared. Uncommitted changes are NOT included.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
keep=0
[ "${1:-}" = "--keep" ] && keep=1
shared=$(cd "$here/.." && pwd)/shared
[ -d "$shared/spec" ] || { echo "fresh-clone-check: $shared/spec not found" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/ee-fresh-clone.XXXXXX")
cleanup() {
  if [ "$keep" = 1 ]; then echo "fresh-clone-check: clone kept in $work/repo" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
ln -s "$shared" "$work/shared"
git clone --quiet --no-local "$here" "$work/repo"
cd "$work/repo"
echo "fresh-clone-check: HEAD $(git rev-parse --short HEAD) cloned into $work/repo" >&2
[ -z "$(cd "$here" && git status --porcelain --untracked-files=no)" ] ||
  echo "fresh-clone-check: note: $here has uncommitted changes; they are not in the clone" >&2

start=$(date +%s)
# The README's test command, exactly.
npm test
echo "fresh-clone-check: npm test passed in a fresh clone in $(( $(date +%s) - start )) s" >&2
