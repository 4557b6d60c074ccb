#!/usr/bin/env bash
# One entry point for a newcomer and for CI:
#   bash dev.sh run    set everything up, then run the main job
#   bash dev.sh test   set everything up, then run the whole test suite
# Set-up is idempotent: system libraries for Qt (apt-get, when missing), a virtual environment
# in .venv with the pinned packages, and the project installed in editable mode.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
VENV=.venv

setup() {
    bash tools/system-deps.sh
    if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        echo "dev.sh: Python 3.11 or newer is needed; $PYTHON is $("$PYTHON" --version 2>&1)" >&2
        exit 1
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        "$PYTHON" -m venv "$VENV"
    fi
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check \
        -c constraints.txt -e ".[test]"
}

run_main() {
    # The workstation on the built-in demo: a synthetic HCC patient whose baseline is read and
    # whose first follow-up waits to be read (images generated once into the user data folder).
    if [ "$(uname)" = Linux ] && [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
        echo "dev.sh: no display (DISPLAY is not set), so the workstation window cannot open."
        echo "        On a desktop, 'bash dev.sh run' opens it on the built-in demo."
        echo "        Meanwhile, the criteria engine on the example read:"
        echo
        "$VENV/bin/mrecist" assess resources/examples/read-hcc-ablation.json --format text
        return 0
    fi
    "$VENV/bin/mrecist"
}

run_tests() {
    echo "== import contracts (lint-imports)"
    "$VENV/bin/lint-imports"
    echo "== ruff"
    "$VENV/bin/ruff" check .
    echo "== mypy --strict on the criteria engine"
    "$VENV/bin/mypy" --strict recist
    echo "== recist tests with nothing but pytest installed (the engine is pure)"
    if [ ! -x .venv-pure/bin/python ]; then
        "$PYTHON" -m venv .venv-pure
    fi
    .venv-pure/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt pytest
    PYTHONPATH="$PWD" .venv-pure/bin/python -m pytest -c tests/pure-pytest.ini tests/recist -q
    echo "== whole test suite"
    QT_QPA_PLATFORM=offscreen "$VENV/bin/python" -m pytest -q
}

case "${1:-run}" in
    run) setup; run_main ;;
    test) setup; run_tests ;;
    setup) setup ;;
    *) echo "usage: bash dev.sh [run|test|setup]" >&2; exit 2 ;;
esac
