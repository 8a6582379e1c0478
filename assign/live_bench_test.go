package assign

import (
	"testing"
	"time"
)

// BenchmarkLiveDo measures what Live adds to a command that produces
// nothing: the lock, the reading of the real clock and the settling (no
// Ready to queue, no timer to arm).
func BenchmarkLiveDo(b *testing.B) {
	e, err := New(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	l := NewLive(e, LiveConfig{})
	defer l.Close()
	noop := func(*Engine, time.Time) error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		if err := l.Do(noop); err != nil {
			b.Fatal(err)
		}
	}
}
