#!/usr/bin/env bash
# Create the virtual environment and install the course kit with its dependencies.
# Called by `make setup` when pyproject.toml changed since the last install (and with --proxy-only every time).
set -euo pipefail
python_bin="$1"
venv="$2"
only="${3:-}"   # --proxy-only: just make sure the class hub's proxy is installed (after system packages)

install_proxy() {
    # The class hub's proxy (configurable-http-proxy) comes from npm, installed into the environment
    # so `netmarketing hub start` never downloads anything; without npm only the hub is unavailable.
    local proxy_dir="$venv/share/netmarketing-proxy"
    if [ ! -x "$proxy_dir/node_modules/.bin/configurable-http-proxy" ]; then
        if command -v npm >/dev/null 2>&1; then
            npm install --silent --no-audit --no-fund --prefix "$proxy_dir" "configurable-http-proxy@5" >/dev/null 2>&1 \
                || echo "警告：無法以 npm 安裝 configurable-http-proxy，教室（netmarketing hub）無法啟動 (warning: npm install failed)" >&2
        else
            echo "提醒：沒有 npm，無法安裝教室用的 configurable-http-proxy (note: no npm; the class hub needs it)" >&2
        fi
    fi
    if [ -x "$proxy_dir/node_modules/.bin/configurable-http-proxy" ]; then
        ln -sf "../share/netmarketing-proxy/node_modules/.bin/configurable-http-proxy" "$venv/bin/configurable-http-proxy"
    fi
}
if [ "$only" = "--proxy-only" ]; then
    [ -d "$venv/bin" ] && install_proxy
    exit 0
fi

if ! "$python_bin" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "需要 Python 3.11 以上 (Python >= 3.11 is required); found: $("$python_bin" --version 2>&1)" >&2
    exit 1
fi
[ -x "$venv/bin/python" ] || "$python_bin" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
# ./langpack is the course's build of the zh-TW JupyterLab language pack (upstream + the course's
# translations, nbgrader's panels included); it takes the place of the upstream distribution.
"$venv/bin/python" -m pip install --quiet -e ".[dev]" ./langpack

# JupyterLab opens in Traditional Chinese: the zh-TW language pack is installed
# with the package; here we make it the default locale of this environment.
# No news or update checks: the course runs offline on JupyterHub and laptops alike.
# Opening a notebook starts its kernel without asking which one (the dialog's button is English).
settings="$venv/share/jupyter/lab/settings"
mkdir -p "$settings"
cat > "$settings/overrides.json" <<'JSON'
{
  "@jupyterlab/translation-extension:plugin": {"locale": "zh_TW"},
  "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false},
  "@jupyterlab/notebook-extension:tracker": {"autoStartDefaultKernel": true}
}
JSON

install_proxy

# nbgrader's server and lab extensions are installed by pip; make sure the
# server extension is on for this environment (idempotent).
"$venv/bin/jupyter" server extension enable --sys-prefix nbgrader >/dev/null 2>&1 || true
echo "已安裝課程套件於 $venv (course kit installed in $venv)"
