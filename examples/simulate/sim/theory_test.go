package sim

import (
	"math"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/staffing"
)

// The engine serves calls first come, first served, with the longest-idle
// free teammate, so with Poisson arrivals, exponential handle times,
// teammates who answer at once (auto-answer), no wrap-up and nobody going
// away, the contact center is an M/M/c queue, and with exponential
// patience an M/M/c+M queue. These tests run the whole harness and engine
// and compare the measured figures with the formulas of package staffing,
// which checks them against independent sums of its own.
//
// How close is close enough. Each test runs `reps` independent days
// (seeds 1..reps, fixed, so the test is deterministic), each with a
// warm-up that is dropped and a long measured stretch. The replications'
// means are independent and, being averages of many thousand calls,
// close to normal; their spread gives a standard error SE of the grand
// mean. A correct model lands within 4·SE of the formula except with
// probability about 1e-3 (Student's t with reps−1 = 19 degrees of
// freedom), and the fixed seeds make the outcome repeatable. SE itself is
// checked to be small, and the same tolerance is shown to reject the
// formula for one teammate more or fewer, so the test has teeth: an
// engine that lost a teammate or offered one call twice would fail it.
//
// Warm-up: the system starts empty, and M/M/c forgets its start within a
// few relaxation times, about 1/(cμ(1−√ρ)²) ≈ 25 min for the first test.
// Two hours of warm-up leave a bias far below the standard error.
// Run length: waits are strongly correlated near ρ = 0.85, so the Erlang C
// test measures 20 × 96 h (650,000 calls, about 2 s) to bring the standard
// error of the mean answer time under 5%; the Erlang A test, where
// abandonment decorrelates the queue, measures 20 × 24 h (210,000 calls).

const reps = 20

// replicate runs cfg with seeds 1..reps and returns, for each measure, the
// mean over replications and its standard error.
func replicate(t *testing.T, cfg Config, measures ...func(*Result) float64) (mean, se []float64) {
	t.Helper()
	vals := make([][]float64, len(measures))
	for seed := uint64(1); seed <= reps; seed++ {
		cfg.Seed = seed
		res, err := Run(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range measures {
			vals[i] = append(vals[i], m(res))
		}
	}
	for _, v := range vals {
		var s float64
		for _, x := range v {
			s += x
		}
		m := s / float64(len(v))
		var ss float64
		for _, x := range v {
			ss += (x - m) * (x - m)
		}
		mean = append(mean, m)
		se = append(se, math.Sqrt(ss/float64(len(v)-1)/float64(len(v))))
	}
	return mean, se
}

// queueingConfig is the M/M/c(+M) setting: nothing but arrivals, handle
// times and (optionally) patience.
func queueingConfig(c int, rate float64, aht, patience, measured time.Duration) Config {
	cfg := DefaultConfig()
	cfg.Teammates, cfg.Rate, cfg.HandleTime, cfg.Patience = c, rate, aht, patience
	cfg.AutoAnswer, cfg.WrapUp, cfg.AnswerDelay, cfg.PDecline, cfg.PMiss, cfg.AwayRate = true, 0, 0, 0, 0, 0
	cfg.MaxWait, cfg.MaxQueue, cfg.DeflectWhenNobodyOnline = 0, 0, false
	cfg.WarmUp = 2 * time.Hour
	cfg.Duration = cfg.WarmUp + measured
	cfg.SampleEvery = time.Hour
	return cfg
}

// within checks got against want with a tolerance of 4 standard errors.
func within(t *testing.T, name string, got, se, want float64) {
	t.Helper()
	t.Logf("%s: simulated %.5f ± %.5f (SE), theory %.5f, off by %.2f SE", name, got, se, want, (got-want)/se)
	if math.Abs(got-want) > 4*se {
		t.Errorf("%s: simulated %.5f is more than 4 SE (%.5f) from theory %.5f", name, got, 4*se, want)
	}
}

func TestErlangC(t *testing.T) {
	const c, rate, aht = 20, 340.0, 180 * time.Second // a = 17 Erlangs, ρ = 0.85
	cfg := queueingConfig(c, rate, aht, 0, 96*time.Hour)
	mean, se := replicate(t, cfg,
		func(r *Result) float64 { return r.PWait() },
		func(r *Result) float64 { return r.ASA() },
		func(r *Result) float64 { return float64(r.Answered) / float64(r.Calls) })

	within(t, "p_wait", mean[0], se[0], staffing.WaitProbability(c, rate, aht))
	within(t, "asa_seconds", mean[1], se[1], staffing.MeanWait(c, rate, aht).Seconds())
	if mean[2] != 1 {
		t.Errorf("answered fraction %v, want 1: nobody hangs up in M/M/c", mean[2])
	}
	if se[0] > 0.01 || se[1] > 0.05*mean[1] {
		t.Errorf("standard errors %v too wide for the test to mean anything", se)
	}
	// The tolerance rejects one teammate more or fewer.
	for _, cc := range []int{c - 1, c + 1} {
		if math.Abs(mean[0]-staffing.WaitProbability(cc, rate, aht)) <= 4*se[0] || math.Abs(mean[1]-staffing.MeanWait(cc, rate, aht).Seconds()) <= 4*se[1] {
			t.Errorf("the tolerance cannot tell %d teammates from %d", c, cc)
		}
	}
}

func TestErlangA(t *testing.T) {
	// Overloaded (a = 22 Erlangs on 20 teammates): only abandonment keeps
	// the queue stable, so Erlang C would be no help here.
	const c, rate, aht, patience = 20, 440.0, 180 * time.Second, 120 * time.Second
	cfg := queueingConfig(c, rate, aht, patience, 24*time.Hour)
	mean, se := replicate(t, cfg,
		func(r *Result) float64 { return r.PWait() },
		func(r *Result) float64 { return r.AbandonRate() })

	wantWait, wantAbandon := staffing.Abandonment(c, rate, aht, patience)
	within(t, "p_wait", mean[0], se[0], wantWait)
	within(t, "abandoned", mean[1], se[1], wantAbandon)
	if se[1] > 0.1*mean[1] {
		t.Errorf("standard error %v too wide for the test to mean anything", se[1])
	}
	for _, cc := range []int{c - 1, c + 1} {
		_, a := staffing.Abandonment(cc, rate, aht, patience)
		if math.Abs(mean[1]-a) <= 4*se[1] {
			t.Errorf("the tolerance cannot tell %d teammates from %d", c, cc)
		}
	}
}
