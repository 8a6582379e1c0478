package media

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// recordTo runs Record into a temporary file and reads the file back.
func recordTo(t *testing.T, ctx context.Context, leg Leg, max time.Duration, keys string) (Recording, *Clip) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vm.wav")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := Record(ctx, leg, f, max, keys)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	clip, err := LoadWAV(path)
	if err != nil {
		t.Fatalf("the recording is not a valid WAV: %v", err)
	}
	return rec, clip
}

// TestRecordStopsAtMax: 10 frames offered, a 130 ms maximum: the file holds exactly the first
// 1040 samples, decoded.
func TestRecordStopsAtMax(t *testing.T) {
	leg := newFakeLeg(PCMA)
	var want []int16
	for i := range 10 {
		f := tone(1, int16(i*500)).frame(PCMA, 0)
		leg.in <- Frame{Audio: append([]byte(nil), f...)}
		want = PCMA.Decode(want, f)
	}
	rec, clip := recordTo(t, context.Background(), leg, 130*time.Millisecond, "#")
	if rec.Duration != 130*time.Millisecond || rec.Key != 0 {
		t.Fatalf("recording %+v, want 130ms and no key", rec)
	}
	if !slices.Equal(clip.PCM(), want[:1040]) {
		t.Fatalf("file holds %d samples, not the first 1040 received", len(clip.PCM()))
	}
	if len(leg.in) != 3 {
		t.Fatalf("Record read %d frames, want 7 (it stops at the maximum)", 10-len(leg.in))
	}
}

// TestRecordEnds: a stop key, a hang-up and a cancelled context each end the recording with a
// valid file of what came before; other keys are not recorded.
func TestRecordEnds(t *testing.T) {
	frame := tone(1, 2000).frame(PCMU, 0)
	t.Run("key", func(t *testing.T) {
		leg := newFakeLeg(PCMU)
		leg.in <- Frame{Audio: slices.Clone(frame)}
		leg.in <- Frame{Digit: '1'}
		leg.in <- Frame{Audio: slices.Clone(frame)}
		leg.in <- Frame{Digit: '#'}
		leg.in <- Frame{Audio: slices.Clone(frame)}
		rec, clip := recordTo(t, context.Background(), leg, time.Minute, "#*")
		if rec.Key != '#' || rec.Duration != 40*time.Millisecond || len(clip.PCM()) != 320 {
			t.Fatalf("%+v with %d samples; want # after 40ms", rec, len(clip.PCM()))
		}
	})
	t.Run("hang-up", func(t *testing.T) {
		leg := newFakeLeg(PCMU)
		leg.in <- Frame{Audio: slices.Clone(frame)}
		close(leg.in) // hang up after the frame
		rec, clip := recordTo(t, context.Background(), leg, time.Minute, "#")
		if rec.Duration != 20*time.Millisecond || !slices.Equal(clip.PCM(), PCMU.Decode(nil, frame)) {
			t.Fatalf("%+v", rec)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		leg := newFakeLeg(PCMU)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		rec, clip := recordTo(t, ctx, leg, time.Minute, "#")
		if rec.Duration != 0 || len(clip.PCM()) != 0 {
			t.Fatalf("%+v", rec)
		}
	})
}

// TestRecordOverUDP records what a UDP leg receives from a phone.
func TestRecordOverUDP(t *testing.T) {
	phone, gw := listen(t, PCMU), listen(t, PCMU)
	phone.SetRemote(gw.LocalAddr())
	clips, err := DefaultPrompts().Clips([]string{"5"})
	if err != nil {
		t.Fatal(err)
	}
	c := clips[0]
	for i := range c.Frames() {
		if err := phone.WriteFrame(c.frame(PCMU, i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := phone.WriteFrame(c.frame(PCMU, 0)); err != nil { // beyond the maximum: not recorded
		t.Fatal(err)
	}
	var buf writeSeeker
	rec, err := Record(timeoutCtx(t), gw, &buf, c.Duration(), "")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadWAV(bytes.NewReader(buf.b))
	if err != nil || rec.Duration != c.Duration() {
		t.Fatalf("%v, %+v", err, rec)
	}
	want := PCMU.Decode(nil, PCMU.Encode(nil, c.PCM()))
	want = append(want, make([]int16, c.Frames()*FrameSamples-len(want))...) // the padded last frame
	if !slices.Equal(got.PCM(), want) {
		t.Fatal("recording differs from what the phone sent")
	}
}

// writeSeeker is an in-memory io.WriteSeeker.
type writeSeeker struct {
	b   []byte
	off int
}

func (w *writeSeeker) Write(p []byte) (int, error) {
	if need := w.off + len(p); need > len(w.b) {
		w.b = append(w.b, make([]byte, need-len(w.b))...)
	}
	copy(w.b[w.off:], p)
	w.off += len(p)
	return len(p), nil
}

func (w *writeSeeker) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case 0:
		w.off = int(off)
	case 2:
		w.off = len(w.b) + int(off)
	default:
		return 0, errors.New("unsupported whence")
	}
	return int64(w.off), nil
}
