// Command holdmusic writes the built-in hold music, audio/hold.wav: a 24-second loop of a
// four-chord progression (C, A minor, F, G) with an arpeggiated melody over soft pads,
// synthesised here from sine partials so the file carries no licence beyond the repository's.
// The output is 8 kHz mono 16-bit PCM WAV and is deterministic (no randomness), so regenerating
// it gives the same bytes. Run it from server/media with `go generate`.
package main

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
)

const (
	rate      = 8000
	chordSecs = 3.0
	beatSecs  = 0.375 // eight arpeggio notes per chord
)

// progression holds MIDI note numbers: a chord's pad notes and its arpeggio notes.
var progression = []struct{ pad, arp []int }{
	{pad: []int{48, 55, 64}, arp: []int{60, 64, 67, 72, 67, 64, 67, 72}}, // C
	{pad: []int{45, 52, 60}, arp: []int{57, 60, 64, 69, 64, 60, 64, 69}}, // Am
	{pad: []int{41, 53, 57}, arp: []int{53, 57, 60, 65, 60, 57, 60, 65}}, // F
	{pad: []int{43, 50, 59}, arp: []int{55, 59, 62, 67, 62, 59, 62, 74}}, // G
}

func freq(midi int) float64 { return 440 * math.Pow(2, float64(midi-69)/12) }

func main() {
	out := "audio/hold.wav"
	if len(os.Args) > 1 {
		out = os.Args[1]
	}
	const loops = 2
	n := int(float64(len(progression)*loops) * chordSecs * rate)
	mix := make([]float64, n)
	chordLen := int(chordSecs * rate)
	beatLen := int(beatSecs * rate)
	for i := range n {
		c := progression[(i/chordLen)%len(progression)]
		tc := float64(i%chordLen) / rate // time in chord
		t := float64(i) / rate
		// Pad: soft attack and release over the chord.
		env := math.Min(1, tc/0.3) * math.Min(1, (chordSecs-tc)/0.3)
		var s float64
		for _, m := range c.pad {
			f := freq(m)
			s += 0.10 * env * (math.Sin(2*math.Pi*f*t) + 0.3*math.Sin(4*math.Pi*f*t))
		}
		// Arpeggio: plucked notes with an exponential decay.
		b := (i % chordLen) / beatLen
		tb := float64(i%beatLen) / rate
		f := freq(c.arp[b%len(c.arp)])
		pluck := math.Exp(-tb*6) * math.Min(1, tb/0.005)
		s += 0.28 * pluck * (math.Sin(2*math.Pi*f*t) + 0.25*math.Sin(4*math.Pi*f*t) + 0.1*math.Sin(6*math.Pi*f*t))
		mix[i] = s
	}
	pcm := make([]byte, 2*n)
	for i, s := range mix {
		v := int16(math.Max(-1, math.Min(1, s*0.8)) * 32767)
		binary.LittleEndian.PutUint16(pcm[2*i:], uint16(v))
	}
	if err := os.WriteFile(out, wav(pcm), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// wav wraps 8 kHz mono 16-bit PCM in a canonical 44-byte WAV header.
func wav(pcm []byte) []byte {
	h := make([]byte, 44, 44+len(pcm))
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(36+len(pcm)))
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1) // PCM
	binary.LittleEndian.PutUint16(h[22:], 1) // mono
	binary.LittleEndian.PutUint32(h[24:], rate)
	binary.LittleEndian.PutUint32(h[28:], rate*2)
	binary.LittleEndian.PutUint16(h[32:], 2)
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], uint32(len(pcm)))
	return append(h, pcm...)
}
