# Locate Python 3.13.0 (pyenv) and define the virtual-environment paths; sourced by the other scripts.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV_DIR="${MINING_FLEET_VENVS:-$ROOT/.venv}"
VENV_2025="$VENV_DIR/ha-2025.4"
VENV_2026="$VENV_DIR/ha-2026.2"

find_python() {
  local candidate
  for candidate in \
    "${MINING_FLEET_PYTHON:-}" \
    "$( (pyenv root 2>/dev/null || echo "$HOME/.pyenv") )/versions/3.13.0/bin/python3" \
    "$(command -v python3.13 || true)"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] \
      && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "error: Python 3.13 not found. Install it with 'pyenv install 3.13.0'" \
    "or point MINING_FLEET_PYTHON at a python3.13 executable." >&2
  return 1
}
