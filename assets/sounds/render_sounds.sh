#!/usr/bin/env bash
# Renders the offline voice clips the wall display plays when no text-to-speech engine exists:
# digits, 十/百, letters, the fixed phrases of "请 A012 号到 3 号窗口办理", and a two-tone chime.
# Needs espeak-ng (voice cmn-latn-pinyin: plain `cmn` reads many hanzi as spelled pinyin) and sox.
# Every clip: 16 kHz mono 16-bit, leading/trailing silence trimmed, peak-normalised to -1 dBFS,
# so terminal/voice.py can join them sample by sample into one announcement.
# Usage: assets/sounds/render_sounds.sh   (idempotent; rewrites the WAVs next to this script)
set -euo pipefail
cd "$(dirname "$0")"
VOICE=cmn-latn-pinyin
SPEED=140   # words per minute: a little slower than espeak's 175, for a large echoing hall
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

say() {  # say NAME TEXT
  espeak-ng -v "$VOICE" -s "$SPEED" -w "$tmp/$1.raw.wav" "$2" 2>/dev/null
  sox "$tmp/$1.raw.wav" -r 16000 -c 1 -b 16 "$1.wav" \
    silence 1 0.01 0.5% reverse silence 1 0.01 0.5% reverse norm -1
}

digits=(零 一 二 三 四 五 六 七 八 九)
for i in "${!digits[@]}"; do say "digit_$i" "${digits[$i]}"; done
say ten 十
say hundred 百
for letter in {A..Z}; do say "letter_$letter" "$letter"; done
say qing 请
say hao_dao 号到
say hao_chuangkou_banli 号窗口办理

# Ding-dong: two decaying bells, then a short rest before the voice.
sox -n -r 16000 -c 1 -b 16 "$tmp/ding.wav" synth 0.45 sine 988 fade q 0.005 0.45 0.4
sox -n -r 16000 -c 1 -b 16 "$tmp/dong.wav" synth 0.7 sine 784 fade q 0.005 0.7 0.65
sox -n -r 16000 -c 1 -b 16 "$tmp/rest.wav" trim 0 0.25
sox "$tmp/ding.wav" "$tmp/dong.wav" "$tmp/rest.wav" chime.wav norm -3
echo "rendered $(ls ./*.wav | wc -l) clips into $(pwd)"
