package media

import (
	"io/fs"
	"math"
	"testing"
	"testing/fstest"
	"time"
)

func rms(pcm []int16) float64 {
	var sum float64
	for _, s := range pcm {
		sum += float64(s) * float64(s)
	}
	return math.Sqrt(sum / float64(max(1, len(pcm))))
}

// TestShippedHoldMusic: the built-in music is 20-30 s and not silent anywhere: every second
// has an RMS above -30 dBFS.
func TestShippedHoldMusic(t *testing.T) {
	m := DefaultHoldMusic()
	if d := m.Duration(); d < 20*time.Second || d > 30*time.Second {
		t.Fatalf("hold music is %v", d)
	}
	pcm := m.PCM()
	for s := 0; s+SampleRate <= len(pcm); s += SampleRate {
		if r := rms(pcm[s : s+SampleRate]); r < 32768*0.0316 {
			t.Fatalf("second %d of the hold music has RMS %.0f", s/SampleRate, r)
		}
	}
}

// TestShippedAudioSize keeps the embedded audio under 2 MB.
func TestShippedAudioSize(t *testing.T) {
	var total int64
	err := fs.WalkDir(shipped, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		total += info.Size()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if total > 2<<20 {
		t.Fatalf("embedded audio is %d bytes", total)
	}
}

func TestLoadPromptsRefusesBadFile(t *testing.T) {
	fsys := fstest.MapFS{"caller-number.wav": {Data: wavBytes(wavPCM, 1, 22050, 16, nil, make([]byte, 8))}}
	if _, err := LoadPrompts(fsys); err == nil {
		t.Fatal("a 22 kHz prompt was accepted")
	}
}
