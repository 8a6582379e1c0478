package sim

import (
	"testing"
	"time"
)

// largeDay is the speed target: 1,000 teammates and about 200,000 calls in
// an 8-hour day, with every behaviour of the model switched on.
func largeDay() Config {
	cfg := DefaultConfig()
	cfg.Teammates, cfg.Rate, cfg.HandleTime = 1000, 25000, 90*time.Second
	return cfg
}

func BenchmarkLargeDay(b *testing.B) {
	cfg := largeDay()
	var calls int
	for b.Loop() {
		res, err := Run(cfg)
		if err != nil {
			b.Fatal(err)
		}
		calls = res.Calls
	}
	b.ReportMetric(float64(calls), "calls/op")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(calls), "ns/call")
}

func BenchmarkDefaultDay(b *testing.B) {
	cfg := DefaultConfig()
	for b.Loop() {
		if _, err := Run(cfg); err != nil {
			b.Fatal(err)
		}
	}
}
