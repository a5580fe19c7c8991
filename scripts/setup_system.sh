#!/usr/bin/env bash
# System packages the course kit uses, installed with apt where it is available and we are root:
#   fonts-noto-cjk            Chinese text in charts (matplotlib, seaborn)
#   fonts-noto-color-emoji    the self-check marks (✅ ❌) and 🔒 📝 in notebooks and reports
#   bubblewrap                the grader's sandbox: every learner kernel runs inside `bwrap`
#   chromium                  the real-browser tests (Playwright drives Debian's chromium)
#   postgresql                the shared-gradebook tests start a throw-away PostgreSQL server
#   nodejs, npm               only when npm is missing: the class hub's proxy is installed from npm
# Elsewhere (a learner's laptop) it says what is missing and still succeeds: Windows and macOS
# have Chinese fonts and emoji built in; only instructors who grade need bubblewrap.
set -uo pipefail

PACKAGES=(fonts-noto-cjk fonts-noto-color-emoji fontconfig bubblewrap chromium postgresql)
# Node.js may come from elsewhere (e.g. NodeSource, which bundles npm): ask for Debian's only without npm.
command -v npm >/dev/null 2>&1 || PACKAGES+=(nodejs npm)

missing=()
for pkg in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "安裝系統套件 (installing system packages): ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; then
        apt-get update -qq >/dev/null 2>&1
        apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 \
            || echo "警告：無法安裝 ${missing[*]} (warning: could not install them)" >&2
    fi
    # matplotlib caches the font list: drop it so new fonts are found.
    rm -rf "${HOME:-/root}/.cache/matplotlib" 2>/dev/null || true
    exit 0
fi

have_cjk_font() {
    command -v fc-list >/dev/null 2>&1 && fc-list ':lang=zh-tw' family 2>/dev/null | grep -q .
}
if ! have_cjk_font; then
    cat >&2 <<'MSG'
提醒：找不到中文字型，圖表中的中文可能無法顯示。
  Windows 已內建「微軟正黑體」(Microsoft JhengHei)；macOS 已內建「蘋方」(PingFang TC)；
  Linux 請安裝 Noto Sans CJK TC（例如 sudo apt-get install fonts-noto-cjk fonts-noto-color-emoji）。
Note: no CJK font found; charts may not show Chinese text. Install Noto Sans CJK TC
(Debian/Ubuntu: sudo apt-get install fonts-noto-cjk fonts-noto-color-emoji). Set-up continues.
MSG
fi
if ! command -v bwrap >/dev/null 2>&1; then
    echo "提醒：未安裝 bubblewrap，評分（netmarketing grade）需要它；學員練習不需要 (note: graders need bubblewrap: apt-get install bubblewrap)." >&2
fi
exit 0
