package staffing

import (
	"fmt"
	"testing"
	"time"
)

// AgentsFor for 80 % within 20 s of 3-minute calls, at loads needing
// about 10, 100 and 1000 agents.
func BenchmarkAgentsFor(b *testing.B) {
	for _, erlangs := range []float64{8, 90, 960} {
		arrivals := erlangs / (3 * time.Minute).Hours()
		n := AgentsFor(arrivals, 3*time.Minute, 20*time.Second, 0.8)
		b.Run(fmt.Sprintf("agents=%d", n), func(b *testing.B) {
			for b.Loop() {
				AgentsFor(arrivals, 3*time.Minute, 20*time.Second, 0.8)
			}
		})
	}
}

func BenchmarkAbandonment(b *testing.B) {
	for _, c := range []int{10, 100, 1000} {
		arrivals := 1.1 * float64(c) / (3 * time.Minute).Hours()
		b.Run(fmt.Sprintf("agents=%d", c), func(b *testing.B) {
			for b.Loop() {
				Abandonment(c, arrivals, 3*time.Minute, 2*time.Minute)
			}
		})
	}
}
