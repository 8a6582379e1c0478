#!/bin/sh
# Regenerates the shipped prompt set in ../../audio/prompts/ (run from server/media via
# `go generate`). Needs espeak-ng and sox (Debian packages espeak-ng and sox). The voice is
# espeak-ng's synthesised en-us voice, so the output carries no recording licence; the result is
# 8 kHz mono 16-bit PCM WAV with leading and trailing silence trimmed, dithered with sox's
# repeatable seed (-R) so the same tools give the same bytes.
set -eu
out=audio/prompts
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

say() { # say NAME TEXT
	espeak-ng -v en-us -s 150 -w "$tmp/$1.raw.wav" "$2"
	sox -R "$tmp/$1.raw.wav" -r 8000 -c 1 -b 16 -e signed-integer "$out/$1.wav" \
		silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse pad 0 0.15
}

say caller-number "You are caller number"
say wait-about "Your expected wait is about"
say minute "minute"
say minutes "minutes"
say less-than-a-minute "Your expected wait is less than a minute"
say more-than "more than"
say options "Press 1 to leave a voicemail, press 2 to be called back"
say leave-message "Please leave your message after the tone"
say callback-confirm "Thank you. We will call you back, and you keep your place in line"
say message-saved "Your message has been saved. Goodbye"
for n in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 30 40 50 60 70 80 90; do
	say "$n" "$n"
done
# The tone before a voicemail: 400 ms of 1 kHz at half scale.
sox -R -n -r 8000 -c 1 -b 16 -e signed-integer "$out/tone.wav" synth 0.4 sine 1000 vol 0.5
