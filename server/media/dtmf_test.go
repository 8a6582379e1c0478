package media

import (
	"errors"
	"testing"
)

// event builds an RFC 4733 telephone-event payload.
func event(code byte, end bool, duration uint16) []byte {
	b := []byte{code, 10, byte(duration >> 8), byte(duration)}
	if end {
		b[1] |= 0x80
	}
	return b
}

func TestDTMFDetector(t *testing.T) {
	type pkt struct {
		ts      uint32
		payload []byte
	}
	// Key 5 held for 3 packets, its end packet sent 3 times; key # whose start packets were
	// lost (only its end packets arrive); key 5 again (a new timestamp); a flash event (16).
	stream := []pkt{
		{1000, event(5, false, 160)}, {1000, event(5, false, 320)}, {1000, event(5, false, 480)},
		{1000, event(5, true, 640)}, {1000, event(5, true, 640)}, {1000, event(5, true, 640)},
		{3000, event(11, true, 800)}, {3000, event(11, true, 800)}, {3000, event(11, true, 800)},
		{5000, event(5, false, 160)}, {5000, event(5, true, 320)}, {5000, event(5, true, 320)},
		{7000, event(16, true, 160)},
		{9000, event(12, false, 160)}, {9000, event(15, true, 320)},
	}
	var d DTMFDetector
	var got []byte
	for _, p := range stream {
		if k, ok, err := d.Detect(p.ts, p.payload); err != nil {
			t.Fatal(err)
		} else if ok {
			got = append(got, k)
		}
	}
	if string(got) != "5#5A" {
		t.Fatalf("detected %q, want %q (each event once, flash ignored)", got, "5#5A")
	}
	before := d
	if _, ok, err := d.Detect(11000, []byte{1, 2}); !errors.Is(err, ErrBadDTMF) || ok || d != before {
		t.Fatalf("short payload: ok=%v err=%v, detector changed=%v", ok, err, d != before)
	}
}
