#!/usr/bin/env bash
# Generates samples/support-call.wav (8 kHz 16-bit mono, like an Asterisk MixMonitor .wav) and
# samples/support-call.txt (the exact words, the reference for word error rate) from the dialogue
# below, using two synthetic voices and sox. Needs: flite (default) or espeak-ng, and sox.
# flite's CMU ARCTIC voices are recognised far better than espeak-ng's by the embedded Sphinx4 engine
# (word error rate 43% against 84% on this call, see BENCHMARKS.md), so they make the default demo.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out_wav="$here/support-call.wav"
out_txt="$here/support-call.txt"
# The two legs of the same call, as MixMonitor's r()/t() options record them: the caller's audio (received by the
# channel) and the agent's (transmitted), each silent while the other one talks, aligned in time.
out_in="$here/support-call-in.wav"
out_out="$here/support-call-out.wav"
tts=${TTS:-flite}                      # flite or espeak-ng
if [ "$tts" = flite ]; then
  agent_voice=${AGENT_VOICE:-rms}      # male US voice for the agent
  caller_voice=${CALLER_VOICE:-slt}    # female US voice for the caller
else
  agent_voice=${AGENT_VOICE:-en-us}
  caller_voice=${CALLER_VOICE:-en-us+f3}
fi
pause=${TURN_PAUSE_SECONDS:-0.8}       # silence between turns, long enough for endpointing

command -v "$tts" >/dev/null || { echo "make-sample-call: $tts is not installed (apt-get install $tts)" >&2; exit 1; }
command -v sox >/dev/null || { echo "make-sample-call: sox is not installed" >&2; exit 1; }

# Speaker tag, then the words. Common words on purpose: the call is also the WER test.
dialogue=$(cat <<'TURNS'
A|Thank you for calling customer support, my name is John. How can I help you today?
C|Hi John, I placed an order last week and it has not arrived yet.
A|I am sorry to hear that. Can I have your order number please?
C|Yes, the order number is four five seven two nine one.
A|I found your order. The package was sent on Monday but it was returned to our warehouse.
C|Why was it returned? I was at home all week.
A|The delivery address was missing the apartment number.
C|Oh, I see. Can you send it again, or should I ask for a refund?
A|I can send it again today at no cost, and it should arrive by Friday.
C|That would be great. Please add apartment twelve to the address.
A|Done. You will get an email with the new tracking number in a few minutes.
C|Thank you so much for your help.
A|You are welcome. Have a nice day.
TURNS
)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sox -n -r 8000 -c 1 -b 16 "$work/gap.wav" trim 0 "$pause"
parts=()
caller_parts=()
agent_parts=()
: > "$out_txt"
i=0
while IFS='|' read -r who text; do
  [ -n "$who" ] || continue
  i=$((i + 1))
  voice=$agent_voice; speed=175
  if [ "$who" = C ]; then voice=$caller_voice; speed=165; fi
  if [ "$tts" = flite ]; then
    flite -voice "$voice" -t "$text" -o "$work/raw$i.wav"
  else
    espeak-ng -v "$voice" -s "$speed" -w "$work/raw$i.wav" "$text"
  fi
  # Telephone band: 8 kHz mono 16-bit, a little headroom so sox never clips.
  # -D: no dither, so that a rerun writes the same samples (the committed WAVs were made with sox's default
  # dither and differ from a rerun by that +-1 LSB noise only).
  sox -D "$work/raw$i.wav" -r 8000 -c 1 -b 16 "$work/turn$i.wav" gain -n -3
  sox "$work/turn$i.wav" "$work/mute$i.wav" vol 0
  parts+=("$work/turn$i.wav" "$work/gap.wav")
  if [ "$who" = C ]; then
    caller_parts+=("$work/turn$i.wav" "$work/gap.wav"); agent_parts+=("$work/mute$i.wav" "$work/gap.wav")
  else
    agent_parts+=("$work/turn$i.wav" "$work/gap.wav"); caller_parts+=("$work/mute$i.wav" "$work/gap.wav")
  fi
  echo "$text" >> "$out_txt"
done <<< "$dialogue"

sox "$work/gap.wav" "${parts[@]}" "$out_wav"
sox "$work/gap.wav" "${caller_parts[@]}" "$out_in"
sox "$work/gap.wav" "${agent_parts[@]}" "$out_out"
echo "wrote $out_wav ($(sox --i -D "$out_wav") s), its legs $out_in and $out_out, and $out_txt" >&2
