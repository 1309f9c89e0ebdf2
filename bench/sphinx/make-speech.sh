#!/usr/bin/env bash
# Speaks each line of a text file with flite (default; TTS=espeak-ng for espeak-ng), alternating a male
# and a female US voice,
# band-limits it like a phone call (8 kHz), joins the lines with silence and writes a 16-bit mono
# WAV at the given rate (sox resamples 8k -> 16k, as the call pipeline does before Sphinx4).
# Usage: make-speech.sh LINES.txt OUT.wav [RATE=16000] [PAUSE_SECONDS=1.2]
set -euo pipefail
lines=$1 out=$2 rate=${3:-16000} pause=${4:-1.2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sox -n -r 8000 -c 1 -b 16 "$work/gap.wav" trim 0 "$pause"
parts=("$work/gap.wav")
i=0
while IFS= read -r text; do
  [ -n "$text" ] || continue
  i=$((i + 1))
  if [ "${TTS:-flite}" = flite ]; then
    if [ $((i % 2)) = 1 ]; then voice=rms; else voice=slt; fi
    flite -voice "$voice" -t "$text" -o "$work/raw$i.wav"
  else
    if [ $((i % 2)) = 1 ]; then voice=en-us; speed=175; else voice=en-us+f3; speed=165; fi
    espeak-ng -v "$voice" -s "$speed" -w "$work/raw$i.wav" "$text"
  fi
  sox "$work/raw$i.wav" -r 8000 -c 1 -b 16 "$work/line$i.wav" gain -n -3
  parts+=("$work/line$i.wav" "$work/gap.wav")
done < "$lines"
sox "${parts[@]}" "$work/all8k.wav"
sox "$work/all8k.wav" -r "$rate" -c 1 -b 16 "$out"
