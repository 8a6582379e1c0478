package cooldown

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Entries lists live exclusions in lapse order, skipping removed and
// replaced ones, and a Set rebuilt from them pops the same way.
// Rule: AS7
func TestEntriesRebuildTheSameOrder(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s := New[string]()
	s.Add("c", t0.Add(2*time.Minute))
	s.Add("a", t0.Add(time.Minute))
	s.Add("b", t0.Add(time.Minute))
	s.Add("d", t0.Add(3*time.Minute))
	s.Remove("d")
	s.Add("c", t0.Add(time.Minute)) // replaced: now after a and b
	got := s.Entries()
	require.Equal(t, []Entry[string]{{"a", t0.Add(time.Minute)}, {"b", t0.Add(time.Minute)}, {"c", t0.Add(time.Minute)}}, got)

	r := New[string]()
	for _, e := range got {
		r.Add(e.Key, e.Until)
	}
	for {
		k1, u1, ok1 := s.PopDue(t0.Add(time.Hour))
		k2, u2, ok2 := r.PopDue(t0.Add(time.Hour))
		require.Equal(t, ok1, ok2)
		if !ok1 {
			break
		}
		require.Equal(t, k1, k2)
		require.Equal(t, u1, u2)
	}
}
