package staffing

import (
	"fmt"
	"math"
	"testing"
	"time"
)

// relErr is |got − want| / |want|, or |got − want| when want is 0.
func relErr(got, want float64) float64 {
	if want == 0 {
		return math.Abs(got)
	}
	return math.Abs(got-want) / math.Abs(want)
}

// loads covers small teams to thousands of teammates, lightly loaded to
// nearly saturated, past c = 170 where c! overflows a float64.
var loadCases = func() (cs []struct {
	c int
	a float64
}) {
	for _, c := range []int{1, 2, 3, 5, 10, 20, 50, 100, 170, 171, 500, 1000, 2000} {
		for _, rho := range []float64{0.1, 0.5, 0.85, 0.95, 0.99} {
			cs = append(cs, struct {
				c int
				a float64
			}{c, rho * float64(c)})
		}
	}
	return cs
}()

// With aht = 1 h, the arrival rate per hour is the load in Erlangs.
func TestWaitProbabilityMatchesTextbookSums(t *testing.T) {
	for _, tc := range loadCases {
		got := WaitProbability(tc.c, tc.a, time.Hour)
		if want := bigErlangC(tc.c, tc.a); relErr(got, want) > 1e-11 {
			t.Errorf("WaitProbability(%d, %v Erlangs) = %.15g, big-float sum %.15g", tc.c, tc.a, got, want)
		}
		if want := lgammaErlangC(tc.c, tc.a); relErr(got, want) > 1e-9 {
			t.Errorf("WaitProbability(%d, %v Erlangs) = %.15g, log-gamma sum %.15g", tc.c, tc.a, got, want)
		}
	}
}

func TestWaitProbabilityClosedForms(t *testing.T) {
	// M/M/1: C = ρ.
	if got := WaitProbability(1, 0.7, time.Hour); math.Abs(got-0.7) > 1e-15 {
		t.Errorf("M/M/1 at ρ = 0.7: %v, want 0.7", got)
	}
	// M/M/2: C = a²/(2+a) (a = 1: 1/3).
	for _, a := range []float64{0.2, 1, 1.5, 1.99} {
		if got, want := WaitProbability(2, a, time.Hour), a*a/(2+a); math.Abs(got-want) > 1e-15 {
			t.Errorf("M/M/2 at a = %v: %v, want %v", a, got, want)
		}
	}
	// The simulator's setting: 340 calls/h of 3 min on 20 teammates is
	// 17 Erlangs; units must not matter.
	if got, want := WaitProbability(20, 340, 3*time.Minute), bigErlangC(20, 17); relErr(got, want) > 1e-12 {
		t.Errorf("20 teammates, 340/h, 3 min: %v, want %v", got, want)
	}
}

// Published Erlang B tables give the load c lines carry at 1 % blocking
// (c = 10: 4.46 E, 20: 12.03 E, 50: 37.90 E, 100: 84.06 E), and Erlang C
// follows from Erlang B: C = B / (1 − ρ(1 − B)). The tables round the load
// to 0.01 E, which moves B by under 1 % of itself.
func TestWaitProbabilityPublishedTables(t *testing.T) {
	for _, row := range []struct {
		c int
		a float64
	}{{10, 4.46}, {20, 12.03}, {50, 37.90}, {100, 84.06}} {
		const b = 0.01
		want := b / (1 - row.a/float64(row.c)*(1-b))
		if got := WaitProbability(row.c, row.a, time.Hour); relErr(got, want) > 0.01 {
			t.Errorf("WaitProbability(%d, %v E) = %v, the 1 %% Erlang B table implies %v", row.c, row.a, got, want)
		}
	}
}

func TestServiceLevelAndMeanWaitMatchWaitDistribution(t *testing.T) {
	const aht = 3 * time.Minute
	for _, tc := range loadCases {
		if tc.c > 500 {
			continue // the chain sum is slow; the formula is the same at any size
		}
		arrivals := tc.a / aht.Hours()
		for _, within := range []time.Duration{0, 5 * time.Second, 20 * time.Second, 2 * time.Minute} {
			pLonger, mean := chainWait(tc.c, tc.a, within.Seconds()/aht.Seconds())
			if got := ServiceLevel(tc.c, arrivals, aht, within); math.Abs(got-(1-pLonger)) > 1e-9 {
				t.Errorf("ServiceLevel(%d, %v E, within %v) = %.12f, wait distribution gives %.12f", tc.c, tc.a, within, got, 1-pLonger)
			}
			want := time.Duration(mean * float64(aht))
			if got := MeanWait(tc.c, arrivals, aht); math.Abs(float64(got-want)) > 1e-9*float64(aht)+1 {
				t.Errorf("MeanWait(%d, %v E) = %v, wait distribution gives %v", tc.c, tc.a, got, want)
			}
		}
	}
}

func TestUnusualInputs(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		name      string
		got, want float64
	}{
		{"no agents, no load: waits", WaitProbability(0, 0, time.Minute), 1},
		{"negative agents count as none", WaitProbability(-3, 10, time.Minute), 1},
		{"load equal to agents", WaitProbability(2, 120, time.Minute), 1},
		{"load above agents", WaitProbability(2, 1000, time.Minute), 1},
		{"infinite arrivals", WaitProbability(2, math.Inf(1), time.Minute), 1},
		{"no arrivals", WaitProbability(2, 0, time.Minute), 0},
		{"negative arrivals are none", WaitProbability(2, -5, time.Minute), 0},
		{"no handle time", WaitProbability(2, 100, 0), 0},
		{"negative handle time", WaitProbability(2, 100, -time.Minute), 0},
		{"service level, overloaded", ServiceLevel(2, 1000, time.Minute, time.Hour), 0},
		{"service level, no agents", ServiceLevel(0, 0, time.Minute, time.Hour), 0},
		{"service level, no load", ServiceLevel(1, 0, time.Minute, 0), 1},
		{"service level, negative within is 0", ServiceLevel(1, 30, time.Minute, -time.Hour), 0.5},
		{"service level, within 0 is 1 − C", ServiceLevel(1, 30, time.Minute, 0), 0.5},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	if got := WaitProbability(5, nan, time.Minute); !math.IsNaN(got) {
		t.Errorf("WaitProbability with NaN arrivals = %v, want NaN", got)
	}
	if got := ServiceLevel(5, nan, time.Minute, time.Second); !math.IsNaN(got) {
		t.Errorf("ServiceLevel with NaN arrivals = %v, want NaN", got)
	}
	for _, got := range []time.Duration{MeanWait(5, nan, time.Minute), MeanWait(2, 120, time.Minute), MeanWait(0, 0, time.Minute)} {
		if got != math.MaxInt64 {
			t.Errorf("MeanWait without a bound = %v, want the largest Duration", got)
		}
	}
	if got := MeanWait(3, 0, time.Minute); got != 0 {
		t.Errorf("MeanWait with no load = %v, want 0", got)
	}
	// M/M/1 at ρ = 0.5 with 1 min calls: W = ρ/(μ−λ) = 0.5/(1−0.5) min = 1 min.
	if got := MeanWait(1, 30, time.Minute); got != time.Minute {
		t.Errorf("M/M/1 mean wait = %v, want 1m", got)
	}
}

// Large teams stay finite and inside [0, 1] (the textbook formula
// overflows a float64 from 171 agents).
func TestLargeTeamsStayFinite(t *testing.T) {
	for _, c := range []int{171, 1000, 10000, 100000} {
		for _, rho := range []float64{0.5, 0.99, 0.9999} {
			a := rho * float64(c)
			p := WaitProbability(c, a, time.Hour)
			sl := ServiceLevel(c, a, time.Hour, time.Minute)
			if !(p >= 0 && p <= 1) || !(sl >= 0 && sl <= 1) {
				t.Errorf("c = %d, ρ = %v: WaitProbability %v, ServiceLevel %v", c, rho, p, sl)
			}
		}
	}
	// Halfin–Whitt: with c = a + β√a, C tends to [1 + βΦ(β)/φ(β)]⁻¹;
	// at a = 10⁶ the finite-size correction is well under 1 %.
	const a, beta = 1e6, 1.0
	phi := math.Exp(-beta*beta/2) / math.Sqrt(2*math.Pi)
	Phi := 0.5 * math.Erfc(-beta/math.Sqrt2)
	want := 1 / (1 + beta*Phi/phi)
	if got := WaitProbability(int(a+beta*math.Sqrt(a)), a, time.Hour); relErr(got, want) > 0.01 {
		t.Errorf("Halfin–Whitt at a = 1e6, β = 1: %v, want about %v", got, want)
	}
}

func TestAgentsForMatchesIndependentSearch(t *testing.T) {
	// Independent search: the least c whose service level, from the
	// big-float Erlang C, reaches the target.
	search := func(arrivals float64, aht, within time.Duration, target float64) int {
		a := arrivals * aht.Hours()
		for c := int(a) + 1; ; c++ {
			sl := 1 - bigErlangC(c, a)*math.Exp(-(float64(c)-a)*within.Seconds()/aht.Seconds())
			if sl >= target {
				return c
			}
		}
	}
	for _, tc := range []struct {
		arrivals    float64
		aht, within time.Duration
		target      float64
	}{
		{200, 3 * time.Minute, 20 * time.Second, 0.8},  // 10 E
		{340, 3 * time.Minute, 20 * time.Second, 0.8},  // 17 E
		{720, 4 * time.Minute, 15 * time.Second, 0.8},  // 48 E
		{12, 5 * time.Minute, 20 * time.Second, 0.8},   // 1 E
		{1, 90 * time.Second, 20 * time.Second, 0.8},   // a trickle still needs one
		{2000, 5 * time.Minute, 30 * time.Second, 0.9}, // 166.7 E
		{12000, 5 * time.Minute, 20 * time.Second, 0.95},
		{200, 3 * time.Minute, 0, 0.5},
	} {
		want := search(tc.arrivals, tc.aht, tc.within, tc.target)
		if got := AgentsFor(tc.arrivals, tc.aht, tc.within, tc.target); got != want {
			t.Errorf("AgentsFor(%v/h, %v, %v, %v) = %d, want %d", tc.arrivals, tc.aht, tc.within, tc.target, got, want)
		}
	}
	// The worked example found in call-center textbooks and planning
	// sites: 100 calls a half hour (200/h) of 3 min is 10 Erlangs; 14
	// agents give P(wait) = 0.1741 and 88.8 % answered within 20 s, 13
	// agents only 79.6 %, so 80/20 needs 14.
	if got := WaitProbability(14, 200, 3*time.Minute); math.Abs(got-0.1741) > 0.00005 {
		t.Errorf("WaitProbability(14, 200/h, 3 min) = %v, want 0.1741", got)
	}
	if got := ServiceLevel(14, 200, 3*time.Minute, 20*time.Second); math.Abs(got-0.888) > 0.0005 {
		t.Errorf("ServiceLevel(14, 200/h, 3 min, 20 s) = %v, want 0.888", got)
	}
	if got := AgentsFor(200, 3*time.Minute, 20*time.Second, 0.8); got != 14 {
		t.Errorf("AgentsFor(200/h, 3 min, 80/20) = %d, want 14", got)
	}
}

func TestAgentsForUnusualInputs(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  int
		want int
	}{
		{"no arrivals", AgentsFor(0, time.Minute, 20*time.Second, 0.8), 0},
		{"negative arrivals", AgentsFor(-1, time.Minute, 20*time.Second, 0.8), 0},
		{"no handle time", AgentsFor(100, 0, 20*time.Second, 0.8), 0},
		{"target 0", AgentsFor(100, time.Minute, 20*time.Second, 0), 0},
		{"negative target", AgentsFor(100, time.Minute, 20*time.Second, -1), 0},
		{"target 1 is out of reach", AgentsFor(100, time.Minute, 20*time.Second, 1), -1},
		{"target above 1", AgentsFor(100, time.Minute, 20*time.Second, 1.5), -1},
		{"NaN target", AgentsFor(100, time.Minute, 20*time.Second, math.NaN()), -1},
		{"NaN arrivals", AgentsFor(math.NaN(), time.Minute, 20*time.Second, 0.8), -1},
		{"infinite arrivals", AgentsFor(math.Inf(1), time.Minute, 20*time.Second, 0.8), -1},
		{"beyond MaxAgents", AgentsFor(1e300, time.Minute, 20*time.Second, 0.8), -1},
		{"no load and target 1", AgentsFor(0, time.Minute, 20*time.Second, 1), 0},
		{"negative within counts as 0", AgentsFor(200, 3*time.Minute, -time.Second, 0.5), AgentsFor(200, 3*time.Minute, 0, 0.5)},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %d, want %d", tc.name, tc.got, tc.want)
		}
	}
}

func ExampleWaitProbability() {
	// 340 calls an hour, 3 minutes each: 17 Erlangs on 20 teammates.
	fmt.Printf("%.3f\n", WaitProbability(20, 340, 3*time.Minute))
	// Output: 0.385
}

func ExampleServiceLevel() {
	for _, agents := range []int{12, 13, 14} {
		sl := ServiceLevel(agents, 200, 3*time.Minute, 20*time.Second)
		fmt.Printf("%d agents: %.1f %% answered within 20 s\n", agents, 100*sl)
	}
	// Output:
	// 12 agents: 64.0 % answered within 20 s
	// 13 agents: 79.6 % answered within 20 s
	// 14 agents: 88.8 % answered within 20 s
}

func ExampleAgentsFor() {
	// 80 % of calls answered within 20 s, at 200 calls an hour of 3 min.
	fmt.Println(AgentsFor(200, 3*time.Minute, 20*time.Second, 0.8))
	// Output: 14
}

func ExampleMeanWait() {
	// The average speed of answer with 14 agents for 10 Erlangs.
	fmt.Println(MeanWait(14, 200, 3*time.Minute).Round(100 * time.Millisecond))
	// Output: 7.8s
}
