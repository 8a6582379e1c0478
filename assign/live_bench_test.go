package assign

import (
	"testing"
	"time"

	"github.com/benbjohnson/clock"
)

// BenchmarkLiveDo measures what Live adds to a command that produces
// nothing: the lock, the reading of the clock and the settling (no Ready
// to queue, no timer to arm), on the real clock (LiveConfig.Clock nil)
// and on an injected one asked at every command.
func BenchmarkLiveDo(b *testing.B) {
	for _, bc := range []struct {
		name string
		clk  clock.Clock
	}{{"clock=real", nil}, {"clock=injected", clock.New()}} {
		b.Run(bc.name, func(b *testing.B) {
			e, err := New(DefaultConfig())
			if err != nil {
				b.Fatal(err)
			}
			l := NewLive(e, LiveConfig{Clock: bc.clk})
			defer l.Close()
			noop := func(*Engine, time.Time) error { return nil }
			b.ReportAllocs()
			for b.Loop() {
				if err := l.Do(noop); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
