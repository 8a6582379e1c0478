package media

import (
	"math"
	"testing"
)

// TestG711KnownValues pins the codec tables to values from ITU-T G.711 (and every
// implementation of it): silence, full scale, and the payload types.
func TestG711KnownValues(t *testing.T) {
	cases := []struct {
		codec Codec
		pcm   int16
		enc   byte
	}{
		{PCMU, 0, 0xFF},
		{PCMU, 32767, 0x80},
		{PCMU, -32768, 0x00},
		{PCMA, 0, 0xD5},
		{PCMA, 32767, 0xAA},
		{PCMA, -32768, 0x2A},
	}
	for _, c := range cases {
		if got := c.codec.Encode(nil, []int16{c.pcm})[0]; got != c.enc {
			t.Errorf("%v.Encode(%d) = %#x, want %#x", c.codec, c.pcm, got, c.enc)
		}
	}
	if got := PCMU.Decode(nil, []byte{0x80, 0x00}); got[0] != 32124 || got[1] != -32124 {
		t.Errorf("PCMU.Decode(0x80, 0x00) = %v, want [32124 -32124]", got)
	}
	if got := PCMA.Decode(nil, []byte{0xD5, 0xAA}); got[0] != 8 || got[1] != 32256 {
		t.Errorf("PCMA.Decode(0xD5, 0xAA) = %v, want [8 32256]", got)
	}
	if PCMU.PayloadType() != 0 || PCMA.PayloadType() != 8 || PCMU.String() != "PCMU" || PCMA.String() != "PCMA" {
		t.Error("payload types or names wrong")
	}
	if Codec(9).Valid() {
		t.Error("Codec(9) is valid")
	}
}

// TestG711RoundTrip checks every 16-bit sample survives encode and decode within G.711's
// quantisation step: logarithmic segments make the error at most about 1/32 of the sample
// (half a step of 1/16), plus the smallest step near zero.
func TestG711RoundTrip(t *testing.T) {
	for _, codec := range []Codec{PCMU, PCMA} {
		worst := 0.0
		for x := math.MinInt16; x <= math.MaxInt16; x++ {
			y := codec.Decode(nil, codec.Encode(nil, []int16{int16(x)}))[0]
			err := math.Abs(float64(y) - float64(x))
			if limit := math.Abs(float64(x))/32 + 132; err > limit {
				t.Fatalf("%v: %d decodes to %d, error %v > %v", codec, x, y, err, limit)
			}
			worst = max(worst, err)
		}
		if worst == 0 {
			t.Fatalf("%v round trip is lossless; the codec is not G.711", codec)
		}
	}
}

// TestTranscode checks the µ-law↔A-law conversion Bridge uses matches a linear round trip.
func TestTranscode(t *testing.T) {
	for x := -32000; x <= 32000; x += 97 {
		u := PCMU.Encode(nil, []int16{int16(x)})
		a := append([]byte(nil), u...)
		transcode(a, PCMU, PCMA)
		lin := PCMA.Decode(nil, a)[0]
		if d := math.Abs(float64(lin) - float64(x)); d > math.Abs(float64(x))/16+140 {
			t.Fatalf("µ-law→A-law of %d gives %d", x, lin)
		}
		back := append([]byte(nil), a...)
		transcode(back, PCMA, PCMU)
		if lin2 := PCMU.Decode(nil, back)[0]; math.Abs(float64(lin2)-float64(x)) > math.Abs(float64(x))/16+140 {
			t.Fatalf("A-law→µ-law of %d gives %d", x, lin2)
		}
	}
	p := []byte{1, 2, 3}
	transcode(p, PCMA, PCMA)
	if p[0] != 1 || p[2] != 3 {
		t.Fatal("same-codec transcode changed the payload")
	}
}
