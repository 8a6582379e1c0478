package staffing

import (
	"fmt"
	"math"
	"testing"
	"time"
)

// Abandonment against the birth-death chain of M/M/c+M solved directly.
func TestAbandonmentMatchesChain(t *testing.T) {
	for _, c := range []int{1, 2, 5, 20, 100, 300} {
		for _, rho := range []float64{0.3, 0.9, 1, 1.1, 2} {
			for _, patienceRatio := range []float64{0.1, 0.67, 1, 10, 1000} {
				a := rho * float64(c)
				const aht = 3 * time.Minute
				patience := time.Duration(patienceRatio * float64(aht))
				arrivals := a / aht.Hours()
				// The chain in units of one handle time.
				wantWait, wantAb := chainErlangA(c, a, 1, float64(aht)/float64(patience))
				w, ab := Abandonment(c, arrivals, aht, patience)
				if math.Abs(w-wantWait) > 1e-9 || math.Abs(ab-wantAb) > 1e-9 {
					t.Errorf("Abandonment(c=%d, a=%v, patience %v) = %v, %v; chain %v, %v", c, a, patience, w, ab, wantWait, wantAb)
				}
			}
		}
	}
}

// M/M/1+M with patience equal to the handle time: the chain is a Poisson(ρ)
// distribution, so P(wait) = 1 − e^{−ρ} and the abandoned fraction is
// (ρ − 1 + e^{−ρ})/ρ.
func TestAbandonmentOneServerClosedForm(t *testing.T) {
	for _, rho := range []float64{0.2, 0.8, 1, 3} {
		w, ab := Abandonment(1, rho*60, time.Minute, time.Minute)
		if wantW := 1 - math.Exp(-rho); math.Abs(w-wantW) > 1e-12 {
			t.Errorf("ρ = %v: wait %v, want %v", rho, w, wantW)
		}
		if wantAb := (rho - 1 + math.Exp(-rho)) / rho; math.Abs(ab-wantAb) > 1e-12 {
			t.Errorf("ρ = %v: abandoned %v, want %v", rho, ab, wantAb)
		}
	}
}

func TestAbandonmentLimits(t *testing.T) {
	const aht = 3 * time.Minute
	// Very patient callers below full load: Erlang C, nobody hangs up.
	// Just under the cut-over to the infinite-patience limit and just
	// above it, the figures agree.
	for _, ratio := range []float64{0.99e6, 1.01e6} {
		w, ab := Abandonment(20, 340, aht, time.Duration(ratio*float64(aht)))
		if c := WaitProbability(20, 340, aht); math.Abs(w-c) > 1e-5 || ab > 1e-5 {
			t.Errorf("patience %v handle times: %v, %v; want about %v, 0", ratio, w, ab, c)
		}
	}
	// Overloaded and very patient: everyone waits and the excess hangs up.
	for _, ratio := range []float64{0.99e6, 1.01e6} {
		w, ab := Abandonment(20, 440, aht, time.Duration(ratio*float64(aht)))
		if want := 1 - 20.0/22; math.Abs(w-1) > 1e-5 || math.Abs(ab-want) > 1e-5 {
			t.Errorf("overloaded, patience %v handle times: %v, %v; want 1, %v", ratio, w, ab, want)
		}
	}
	// No patience given: callers never hang up.
	if w, ab := Abandonment(20, 340, aht, 0); w != WaitProbability(20, 340, aht) || ab != 0 {
		t.Errorf("patience 0: %v, %v", w, ab)
	}
	if w, ab := Abandonment(20, 440, aht, -time.Second); w != 1 || ab != 0 {
		t.Errorf("overloaded, no patience given: %v, %v; want 1, 0", w, ab)
	}
	// Nobody to answer.
	if w, ab := Abandonment(0, 10, aht, time.Minute); w != 1 || ab != 1 {
		t.Errorf("no agents: %v, %v; want 1, 1", w, ab)
	}
	// No calls.
	if w, ab := Abandonment(3, 0, aht, time.Minute); w != 0 || ab != 0 {
		t.Errorf("no load: %v, %v; want 0, 0", w, ab)
	}
	if w, ab := Abandonment(3, math.NaN(), aht, time.Minute); !math.IsNaN(w) || !math.IsNaN(ab) {
		t.Errorf("NaN arrivals: %v, %v; want NaN, NaN", w, ab)
	}
	// Impatient callers, a thousand agents, heavily overloaded: finite.
	w, ab := Abandonment(1000, 40000, aht, 10*time.Second)
	if !(w > 0.99 && w <= 1) || !(ab > 0.5 && ab < 1) {
		t.Errorf("1000 agents at 2000 E: %v, %v", w, ab)
	}
}

func ExampleAbandonment() {
	// 20 teammates, 440 calls an hour of 3 min (22 Erlangs: more than
	// they can take), callers who hang up after 2 min on average.
	wait, abandoned := Abandonment(20, 440, 3*time.Minute, 2*time.Minute)
	fmt.Printf("%.1f %% wait, %.1f %% hang up\n", 100*wait, 100*abandoned)
	// Output: 63.5 % wait, 14.5 % hang up
}
