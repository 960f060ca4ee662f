#!/usr/bin/env bash
# Regenerates the bundled spoken-digits set (see README.md in this folder):
# the English words "zero".."nine" synthesised by espeak-ng with 48 voices
# (8 accents x 6 voice variants each), each voice saying every digit once at a
# speed and pitch picked by a fixed rule, silence trimmed and converted to
# 16 kHz mono 16-bit PCM by sox (spec §1.2 "Input waveform"). Split by voice:
# every voice built on the variants m3, m6 or f2 is a test voice, so no test
# voice (and no test variant) is heard in training.
#
# Usage (from anywhere):  bash datasets/spoken-digits/make-dataset.sh
# Installs espeak-ng and sox with apt-get when they are missing (needs root or
# sudo). Deterministic: no random numbers, sox dithering off (-D).
set -euo pipefail

OUT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DIGITS=(zero one two three four five six seven eight nine)
ACCENTS=(en-us en en-gb-scotland en-gb-x-rp en-gb-x-gbclan en-gb-x-gbcwmd en-029 en-us-nyc)
VARIANTS=(m1 m2 m3 m4 m5 m6 m7 f1 f2 f3 f4 f5)
VARIANTS_PER_ACCENT=6
TEST_VARIANTS=" m3 m6 f2 "
SPEEDS=(120 140 160 180 200)  # espeak-ng -s, words per minute (default 175)
PITCHES=(30 40 50 60 70)      # espeak-ng -p, 0..99 (default 50)

if ! command -v espeak-ng >/dev/null || ! command -v sox >/dev/null; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update
  $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y espeak-ng sox
fi
echo "using $(espeak-ng --version | head -n 1) and $(sox --version | head -n 1)"

rm -rf "${OUT:?}"/{zero,one,two,three,four,five,six,seven,eight,nine} "$OUT/manifest.csv"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
echo "file,label,voice,speed,pitch,split" > "$OUT/manifest.csv"

count=0
for a in "${!ACCENTS[@]}"; do
  accent="${ACCENTS[$a]}"
  for k in $(seq 0 $((VARIANTS_PER_ACCENT - 1))); do
    # Accent a takes 6 consecutive variants starting at 3a (mod 12): each variant serves 4 accents.
    variant="${VARIANTS[$(((3 * a + k) % ${#VARIANTS[@]}))]}"
    voice="$accent+$variant"
    split=train
    if [[ "$TEST_VARIANTS" == *" $variant "* ]]; then split=test; fi
    v=$((a * VARIANTS_PER_ACCENT + k))
    for d in "${!DIGITS[@]}"; do
      word="${DIGITS[$d]}"
      speed="${SPEEDS[$(((v + 2 * d) % ${#SPEEDS[@]}))]}"
      pitch="${PITCHES[$(((3 * v + d) % ${#PITCHES[@]}))]}"
      file="$word/${accent}_${variant}-$word.wav"
      mkdir -p "$OUT/$word"
      espeak-ng -v "$voice" -s "$speed" -p "$pitch" -w "$TMP/raw.wav" "$word"
      # Trim leading and trailing silence (below 0.3 % of full scale), then 16 kHz mono 16-bit.
      sox -D "$TMP/raw.wav" -r 16000 -c 1 -b 16 -e signed-integer "$OUT/$file" \
        silence 1 0.01 0.3% reverse silence 1 0.01 0.3% reverse
      echo "$file,$word,$voice,$speed,$pitch,$split" >> "$OUT/manifest.csv"
      count=$((count + 1))
    done
  done
done

echo "wrote $count clips and manifest.csv to $OUT ($(du -sh "$OUT" | cut -f1) in all)"
