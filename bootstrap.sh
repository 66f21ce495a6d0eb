#!/usr/bin/env bash
# Set Dorado up on a fresh machine and run one job: `./bootstrap.sh demo` or `./bootstrap.sh test`.
#
# Finds a Python >= 3.12 by itself ($PYTHON, then PATH, then pyenv), installs the locked
# environment into .venv with uv (fetched into .tools/ when the machine has none), then hands over
# to the justfile. Repeatable: a second run reuses everything and only re-checks the lock.
set -euo pipefail
cd "$(dirname "$0")"

want_major=3
want_minor=12

ok_python() {
    "$1" -c "import sys; sys.exit(0 if sys.version_info >= ($want_major, $want_minor) else 1)" 2>/dev/null
}

find_python() {
    if [ -n "${PYTHON:-}" ]; then
        if ok_python "$PYTHON"; then echo "$PYTHON"; return 0; fi
        echo "bootstrap: \$PYTHON=$PYTHON is not a Python >= $want_major.$want_minor" >&2
        return 1
    fi
    for name in python3 python3.12 python3.13 python3.14 python; do
        if command -v "$name" >/dev/null 2>&1 && ok_python "$(command -v "$name")"; then
            command -v "$name"; return 0
        fi
    done
    if command -v pyenv >/dev/null 2>&1; then
        root=$(pyenv root)
        for cand in $(ls -d "$root"/versions/3.* 2>/dev/null | sort -t. -k2,2n -k3,3n); do
            if [ -x "$cand/bin/python" ] && ok_python "$cand/bin/python"; then
                echo "$cand/bin/python"; return 0
            fi
        done
    fi
    cat >&2 <<MSG
bootstrap: no Python >= $want_major.$want_minor found (looked at \$PYTHON, PATH and pyenv).
Install one, for example:
  Debian/Ubuntu:  sudo apt install python3.12 python3.12-venv
  pyenv:          pyenv install 3.12
  uv:             pip install uv && uv python install 3.12
then run this again (or point \$PYTHON at it).
MSG
    return 1
}

PY=$(find_python)
echo "bootstrap: using $PY ($("$PY" -c 'import platform; print(platform.python_version())'))"

if command -v uv >/dev/null 2>&1 && uv --version >/dev/null 2>&1; then
    UV=$(command -v uv)
else
    if [ ! -x .tools/bin/uv ]; then
        echo "bootstrap: installing uv into .tools/"
        "$PY" -m venv .tools
        .tools/bin/python -m pip install --quiet --disable-pip-version-check uv
    fi
    UV=.tools/bin/uv
fi

UV_PYTHON="$PY" "$UV" sync --frozen --quiet
export PATH="$PWD/.venv/bin:$PATH"

job=${1:-demo}
shift || true
case "$job" in
    demo|test|tui|bench|lint) exec just "$job" "$@" ;;
    setup) echo "bootstrap: environment ready in .venv (activate with: source .venv/bin/activate)" ;;
    *) echo "bootstrap: unknown job '$job' (demo, test, tui, bench, lint, setup)" >&2; exit 2 ;;
esac
