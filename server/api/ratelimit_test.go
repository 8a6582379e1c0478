package api

import (
	"fmt"
	"testing"
	"time"
)

// Each client IP has its own bucket: a burst passes, the next request is
// refused until the bucket refills at the rate; memory stays bounded
// however many addresses come.
func TestRateLimiter(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	l := newRateLimiter(2, 3) // 2 per second, bursts of 3
	for i := range 3 {
		if !l.allow("10.0.0.1", t0) {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	if l.allow("10.0.0.1", t0) {
		t.Fatal("the 4th request of the burst passed")
	}
	if !l.allow("10.0.0.2", t0) {
		t.Fatal("another client was limited")
	}
	if !l.allow("10.0.0.1", t0.Add(500*time.Millisecond)) || l.allow("10.0.0.1", t0.Add(500*time.Millisecond)) {
		t.Fatal("half a second did not give back exactly one token")
	}
	for i := range 3 * maxRateKeys {
		l.allow(fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), t0.Add(time.Second))
	}
	if n := len(l.buckets); n > maxRateKeys {
		t.Fatalf("%d buckets, more than %d", n, maxRateKeys)
	}
}
