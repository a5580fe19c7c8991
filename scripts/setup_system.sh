#!/usr/bin/env bash
# System packages: a CJK font so that charts show Chinese text.
# Uses apt where it is available and we are root; otherwise says what is missing
# and still succeeds (a learner's laptop usually has Microsoft JhengHei or PingFang TC).
set -uo pipefail

have_cjk_font() {
    command -v fc-list >/dev/null 2>&1 || return 1
    fc-list ':lang=zh-tw' family 2>/dev/null | grep -q .
}

if have_cjk_font; then
    exit 0
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "安裝中文字型 fonts-noto-cjk (installing the CJK font)..."
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk fontconfig >/dev/null 2>&1; then
        apt-get update -qq >/dev/null 2>&1
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk fontconfig >/dev/null 2>&1 \
            || echo "警告：無法安裝 fonts-noto-cjk (warning: could not install fonts-noto-cjk)" >&2
    fi
    # matplotlib caches the font list: drop it so the new font is found.
    rm -rf "${HOME:-/root}/.cache/matplotlib" 2>/dev/null || true
else
    cat >&2 <<'MSG'
提醒：找不到中文字型，圖表中的中文可能無法顯示。
  Windows 已內建「微軟正黑體」(Microsoft JhengHei)；macOS 已內建「蘋方」(PingFang TC)；
  Linux 請安裝 Noto Sans CJK TC（例如 sudo apt-get install fonts-noto-cjk）。
Note: no CJK font found; charts may not show Chinese text. Install Noto Sans CJK TC
(Debian/Ubuntu: sudo apt-get install fonts-noto-cjk). Set-up continues.
MSG
fi
exit 0
