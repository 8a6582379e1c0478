package staffing

import (
	"math"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// genSetting draws a team size, an arrival rate and a handle time that
// together load the team anywhere from idle to twice over.
func genSetting(t *rapid.T) (agents int, arrivals float64, aht time.Duration) {
	agents = rapid.IntRange(0, 400).Draw(t, "agents")
	aht = time.Duration(rapid.IntRange(1, 1800).Draw(t, "aht_s")) * time.Second
	rho := rapid.Float64Range(0, 2).Draw(t, "rho")
	arrivals = rho * float64(max(agents, 1)) / aht.Hours()
	return agents, arrivals, aht
}

// More agents never make a call likelier to wait or less likely to be
// answered in time; more load never does the opposite.
func TestPropertyMonotone(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c, arrivals, aht := genSetting(t)
		within := time.Duration(rapid.IntRange(0, 300).Draw(t, "within_s")) * time.Second
		more := rapid.Float64Range(1, 1.5).Draw(t, "more")

		p, p1 := WaitProbability(c, arrivals, aht), WaitProbability(c+1, arrivals, aht)
		pl := WaitProbability(c, arrivals*more, aht)
		if !(p >= 0 && p <= 1) || p1 > p || pl < p {
			t.Fatalf("WaitProbability: c %v, c+1 %v, more load %v", p, p1, pl)
		}
		s, s1 := ServiceLevel(c, arrivals, aht, within), ServiceLevel(c+1, arrivals, aht, within)
		sl := ServiceLevel(c, arrivals*more, aht, within)
		sw := ServiceLevel(c, arrivals, aht, within+time.Second)
		if !(s >= 0 && s <= 1) || s1 < s || sl > s || sw < s {
			t.Fatalf("ServiceLevel: c %v, c+1 %v, more load %v, longer within %v", s, s1, sl, sw)
		}
		if m, m1 := MeanWait(c, arrivals, aht), MeanWait(c+1, arrivals, aht); m < 0 || m1 > m {
			t.Fatalf("MeanWait: c %v, c+1 %v", m, m1)
		}
	})
}

// For small teams, every figure agrees with the textbook sum in big floats.
func TestPropertyMatchesTextbookSum(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := rapid.IntRange(1, 60).Draw(t, "agents")
		a := rapid.Float64Range(0.001, 0.999).Draw(t, "rho") * float64(c)
		got, want := WaitProbability(c, a, time.Hour), bigErlangC(c, a)
		if relErr(got, want) > 1e-12 {
			t.Fatalf("WaitProbability(%d, %v E) = %v, want %v", c, a, got, want)
		}
	})
}

// AgentsFor is the least n with ServiceLevel(n) >= target, and asks for
// more agents when the load or the target grows.
func TestPropertyAgentsFor(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		arrivals := rapid.Float64Range(0, 5000).Draw(t, "arrivals")
		aht := time.Duration(rapid.IntRange(0, 1200).Draw(t, "aht_s")) * time.Second
		within := time.Duration(rapid.IntRange(0, 120).Draw(t, "within_s")) * time.Second
		target := rapid.Float64Range(0, 0.999).Draw(t, "target")
		n := AgentsFor(arrivals, aht, within, target)
		if n < 0 {
			t.Fatalf("AgentsFor = %d for a reachable target", n)
		}
		if ServiceLevel(n, arrivals, aht, within) < target && !(n == 0 && (target <= 0 || arrivals*aht.Hours() == 0)) {
			t.Fatalf("%d agents give %v < %v", n, ServiceLevel(n, arrivals, aht, within), target)
		}
		if n > 0 && ServiceLevel(n-1, arrivals, aht, within) >= target {
			t.Fatalf("%d agents already give %v >= %v", n-1, ServiceLevel(n-1, arrivals, aht, within), target)
		}
		if m := AgentsFor(arrivals*1.2, aht, within, target); m < n {
			t.Fatalf("more load needs fewer agents: %d < %d", m, n)
		}
		if m := AgentsFor(arrivals, aht, within, math.Min(target+0.05, 0.999)); m < n {
			t.Fatalf("a higher target needs fewer agents: %d < %d", m, n)
		}
	})
}

// Erlang A: figures are probabilities, hanging up implies having waited,
// and more agents mean less waiting and fewer hang-ups.
func TestPropertyAbandonment(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c, arrivals, aht := genSetting(t)
		patience := time.Duration(rapid.IntRange(1, 3600).Draw(t, "patience_s")) * time.Second
		w, ab := Abandonment(c, arrivals, aht, patience)
		if !(w >= 0 && w <= 1) || !(ab >= 0 && ab <= w+1e-12) {
			t.Fatalf("wait %v, abandoned %v", w, ab)
		}
		w1, ab1 := Abandonment(c+1, arrivals, aht, patience)
		if w1 > w+1e-12 || ab1 > ab+1e-12 {
			t.Fatalf("one more agent: wait %v -> %v, abandoned %v -> %v", w, w1, ab, ab1)
		}
		// Erlang A never waits more often than Erlang C, where nobody
		// leaves the queue.
		if c > 0 && w > WaitProbability(c, arrivals, aht)+1e-12 {
			t.Fatalf("wait %v above Erlang C %v", w, WaitProbability(c, arrivals, aht))
		}
	})
}
