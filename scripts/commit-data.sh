#!/usr/bin/env bash
# Commit data/ back to the branch, but only if it changed (the nightly workflow's commit step).
#
# - Only data/ is staged: nothing else in the working tree (site/, credentials files) can
#   end up in the commit.
# - Bot identity, message with the UTC date.
# - On a push race (someone pushed first) it runs `git pull --rebase` and retries, a bounded
#   number of times (PUSH_ATTEMPTS, default 5).
# - GITHUB_TOKEN, when set, is handed to git through environment config for this script only
#   (actions/checkout runs with persist-credentials: false, so the token never sits in
#   .git/config while the generator runs).
#
# Environment: DATA_DIR (default data), BRANCH (default GITHUB_REF_NAME, else the current
# branch), REMOTE (default origin), PUSH_ATTEMPTS (default 5), RETRY_DELAY seconds
# (default 2; doubled after each failed attempt), GITHUB_TOKEN, GITHUB_SERVER_URL.
set -euo pipefail

data_dir="${DATA_DIR:-data}"
remote="${REMOTE:-origin}"
attempts="${PUSH_ATTEMPTS:-5}"
delay="${RETRY_DELAY:-2}"
branch="${BRANCH:-${GITHUB_REF_NAME:-}}"
if [ -z "$branch" ]; then
  branch="$(git symbolic-ref --quiet --short HEAD)" || {
    echo "commit-data: HEAD is detached; set BRANCH to the branch to push to" >&2
    exit 2
  }
fi

if [ -n "${GITHUB_TOKEN:-}" ]; then
  server="${GITHUB_SERVER_URL:-https://github.com}"
  auth="$(printf 'x-access-token:%s' "$GITHUB_TOKEN" | base64 | tr -d '\n')"
  if [ -n "${GITHUB_ACTIONS:-}" ]; then echo "::add-mask::$auth"; fi
  export GIT_CONFIG_COUNT=1
  export GIT_CONFIG_KEY_0="http.$server/.extraheader"
  export GIT_CONFIG_VALUE_0="AUTHORIZATION: basic $auth"
fi

export GIT_AUTHOR_NAME="github-actions[bot]"
export GIT_AUTHOR_EMAIL="41898282+github-actions[bot]@users.noreply.github.com"
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME"
export GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"

if [ ! -d "$data_dir" ]; then
  echo "commit-data: no $data_dir/ directory: nothing to commit"
  exit 0
fi

git add --all -- "$data_dir"
if git diff --cached --quiet -- "$data_dir"; then
  echo "commit-data: $data_dir/ is unchanged: nothing to commit"
  exit 0
fi

changed="$(git diff --cached --name-only -- "$data_dir" | wc -l | tr -d ' ')"
today="$(date -u +%Y-%m-%d)"
git commit --quiet -m "Update download data for $today (UTC)" \
  -m "Nightly update: $changed file(s) changed under $data_dir/." -- "$data_dir"
echo "commit-data: committed $changed changed file(s) under $data_dir/"

for ((i = 1; i <= attempts; i++)); do
  if git push "$remote" "HEAD:refs/heads/$branch"; then
    echo "commit-data: pushed to $remote/$branch"
    exit 0
  fi
  if [ "$i" -eq "$attempts" ]; then
    break
  fi
  echo "commit-data: push rejected (attempt $i of $attempts); pulling with rebase and retrying" >&2
  sleep "$delay"
  delay=$((delay * 2))
  if ! git pull --rebase --quiet "$remote" "$branch"; then
    git rebase --abort 2>/dev/null || true
    echo "commit-data: could not rebase onto $remote/$branch (conflict in $data_dir/?)." \
      "Fix: resolve it by hand, e.g. run the update again on a fresh clone." >&2
    exit 1
  fi
done
echo "commit-data: giving up after $attempts push attempts" >&2
exit 1
