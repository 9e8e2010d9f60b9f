#!/usr/bin/env bash
# The AWS emulators the tests run, pinned, each in its own Python virtual environment under
# .replog/emulators/<name> (PyPI only; nothing else is downloaded):
#   ministack  the deploy test: `serverless deploy --stage local` into it, handlers run as Node processes
#   moto       a second DynamoDB implementation for the store contract tests (moto[server])
#   schemathesis  not an emulator: the HTTP contract test runs it against replog dev from its OpenAPI document
# Their own venvs, because ministack pins botocore exactly and would otherwise replace the
# botocore that other Python tools on the machine (awscli, cfn-lint) were installed with.
#
# Usage: scripts/emulators/install.sh [ministack|moto|schemathesis ...]   (default: all; skipped when installed)
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd -- "$SCRIPT_DIR/../.." && pwd -P)"
PYTHON="${PYTHON:-python3}"

declare -A SPEC=([ministack]='ministack==1.5.33' [moto]='moto[server]==5.2.1' [schemathesis]='schemathesis==4.32.5')
declare -A BIN=([ministack]='ministack' [moto]='moto_server' [schemathesis]='schemathesis')

install_one() {
  local name="$1" dir="$REPO_ROOT/.replog/emulators/$1"
  local spec="${SPEC[$name]:?unknown tool $name (ministack, moto or schemathesis)}"
  if [ -x "$dir/bin/${BIN[$name]}" ] && [ "$(cat "$dir/.installed" 2>/dev/null)" = "$spec" ]; then
    return 0
  fi
  local started=$SECONDS
  rm -rf "$dir"
  "$PYTHON" -m venv "$dir"
  "$dir/bin/pip" install --quiet --disable-pip-version-check "$spec"
  echo "$spec" >"$dir/.installed"
  echo "emulators: installed $spec into $dir in $((SECONDS - started))s"
}

if [ "$#" -eq 0 ]; then set -- ministack moto schemathesis; fi
for name in "$@"; do install_one "$name"; done
