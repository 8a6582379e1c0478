package sim

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/eventlog"
)

func short(mod func(*Config)) Config {
	cfg := DefaultConfig()
	cfg.Duration = 2 * time.Hour
	if mod != nil {
		mod(&cfg)
	}
	return cfg
}

func mustRun(t *testing.T, cfg Config) *Result {
	t.Helper()
	res, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Every call ends exactly one way, and every ring ends in an answer, a
// miss, a decline, or the call leaving (hang-up, deflection).
func checkConservation(t *testing.T, r *Result) {
	t.Helper()
	if got := r.Answered + r.Abandoned + r.DeflectedTotal(); got != r.Calls {
		t.Errorf("answered %d + abandoned %d + deflected %d = %d, want the %d calls placed",
			r.Answered, r.Abandoned, r.DeflectedTotal(), got, r.Calls)
	}
	if got := r.Answered + r.Missed + r.DeclinedTotal(); got > r.Rings {
		t.Errorf("answers, misses and declines %d exceed rings %d", got, r.Rings)
	}
	if len(r.AnswerTimes) != r.Answered {
		t.Errorf("%d answer times for %d answered calls", len(r.AnswerTimes), r.Answered)
	}
	var per int
	for _, tm := range r.Teammates {
		per += tm.Answered
	}
	if per != r.Answered {
		t.Errorf("per-teammate answers sum to %d, want %d", per, r.Answered)
	}
	if r.OfferedOnArrival > r.Queued {
		t.Errorf("offered on arrival %d > queued %d", r.OfferedOnArrival, r.Queued)
	}
}

func TestDefaultDay(t *testing.T) {
	r := mustRun(t, DefaultConfig())
	checkConservation(t, r)
	// 600 calls an hour for 8 hours: 4,800 expected, Poisson SD about 70.
	if r.Calls < 4500 || r.Calls > 5100 {
		t.Errorf("calls %d, want about 4800", r.Calls)
	}
	if r.Missed == 0 || r.Declined[eventlog.DeclineButton] == 0 || r.Abandoned == 0 || r.BreakTime == 0 {
		t.Errorf("the default day should have misses, declines, abandons and breaks: %+v", r.Summary())
	}
	// Handle times average 4 minutes; 4,500 calls give an SE of about 4 s.
	if got := r.TalkTime / time.Duration(r.Answered); got < 3*time.Minute+40*time.Second || got > 4*time.Minute+20*time.Second {
		t.Errorf("mean talk time %v, want about 4m", got)
	}
	// Balanced assignment spreads calls evenly: longest idle first keeps
	// every teammate within a few calls of the rest.
	if b := r.Balance(); b.Gini > 0.1 || b.Min == 0 {
		t.Errorf("calls per teammate unbalanced: %+v", b)
	}
	if occ := r.Occupancy(); occ < 0.5 || occ > 0.95 {
		t.Errorf("occupancy %v out of any plausible range", occ)
	}
	if len(r.Series) < 400 {
		t.Errorf("only %d samples", len(r.Series))
	}
}

func TestDeterministic(t *testing.T) {
	a, b := mustRun(t, short(nil)), mustRun(t, short(nil))
	if !reflect.DeepEqual(a, b) {
		t.Error("two runs with the same seed differ")
	}
	c := mustRun(t, short(func(c *Config) { c.Seed = 2 }))
	if reflect.DeepEqual(a.Summary(), c.Summary()) {
		t.Error("a different seed gave the same day")
	}
}

// Independent streams: a different decline rate leaves the arrivals alone.
func TestStreamsIndependent(t *testing.T) {
	a := mustRun(t, short(nil))
	b := mustRun(t, short(func(c *Config) { c.PDecline = 0.2 }))
	if a.Calls != b.Calls {
		t.Errorf("calls %d vs %d: the arrival stream depends on teammates' behaviour", a.Calls, b.Calls)
	}
	if b.Declined[eventlog.DeclineButton] <= a.Declined[eventlog.DeclineButton] {
		t.Errorf("declines %d with p=0.2, %d with p=0.03", b.DeclinedTotal(), a.DeclinedTotal())
	}
}

// Rule: AS8. Under auto-answer teammates answer at once: nothing rings
// out and nobody presses Decline, even with a decline rate configured.
func TestAutoAnswer(t *testing.T) {
	r := mustRun(t, short(func(c *Config) { c.AutoAnswer, c.PDecline, c.PMiss = true, 0.5, 0.5 }))
	checkConservation(t, r)
	if r.Missed != 0 || r.Declined[eventlog.DeclineButton] != 0 {
		t.Errorf("auto-answer: %d missed, %d declined with the button", r.Missed, r.Declined[eventlog.DeclineButton])
	}
	if r.Answered == 0 || r.Rings != r.Answered+r.DeclinedTotal() {
		t.Errorf("auto-answer: %d rings, %d answered, %d declined", r.Rings, r.Answered, r.DeclinedTotal())
	}
}

// Rule: MT8. Answer time runs from placing the call, routing included.
func TestRoutingCountsInAnswerTime(t *testing.T) {
	r := mustRun(t, short(func(c *Config) {
		c.Teammates, c.Rate, c.Routing, c.AnswerDelay = 200, 300, 30*time.Second, 5*time.Second
		c.PDecline, c.PMiss, c.AwayRate, c.Patience = 0, 0, 0, 0
	}))
	checkConservation(t, r)
	// Nobody waits with 200 teammates for 20 Erlangs, so the answer time
	// is routing plus answer delay: 35 s on average, SE about 1 s over
	// 600 calls.
	if asa := r.ASA(); asa < 31 || asa > 39 {
		t.Errorf("ASA %.1f s, want about 35 s (30 s routing + 5 s to answer)", asa)
	}
	if r.PWait() != 0 {
		t.Errorf("p_wait %v with far more teammates than calls", r.PWait())
	}
}

func TestAbandonDuringRouting(t *testing.T) {
	r := mustRun(t, short(func(c *Config) { c.Routing, c.Patience = time.Minute, 30*time.Second }))
	checkConservation(t, r)
	if r.AbandonedRouting == 0 || r.Queued+r.AbandonedRouting != r.Calls {
		t.Errorf("routing abandons %d, queued %d, calls %d", r.AbandonedRouting, r.Queued, r.Calls)
	}
}

// Rule: DF1, DF2, DF5. Deflections are counted by reason, and every
// deflected call is ended.
func TestDeflections(t *testing.T) {
	over := func(c *Config) { c.Teammates, c.Rate, c.Patience = 10, 400, 0 }
	full := mustRun(t, short(func(c *Config) { over(c); c.MaxQueue = 12; c.MaxWait = 0 }))
	hold := mustRun(t, short(func(c *Config) { over(c); c.MaxWait = 2 * time.Minute }))
	// One teammate, always on a break or about to be: calls find nobody.
	nobody := mustRun(t, short(func(c *Config) {
		c.Teammates, c.Rate, c.AwayRate, c.AwayTime = 1, 20, 6, 30*time.Minute
	}))
	for _, x := range []struct {
		r    *Result
		want eventlog.Deflection
	}{{full, eventlog.DeflectQueueFull}, {hold, eventlog.DeflectHoldTimeout}, {nobody, eventlog.DeflectNoTeammates}} {
		checkConservation(t, x.r)
		if x.r.DeflectedBy(x.want) == 0 || x.r.DeflectedBy(x.want) != x.r.DeflectedTotal() {
			t.Errorf("want deflections for %v only, got %v", x.want, x.r.Deflected)
		}
	}
	if full.MaxWaiting > 12 {
		t.Errorf("queue limit 12, yet %d calls waited at once", full.MaxWaiting)
	}
}

func TestNoCalls(t *testing.T) {
	r := mustRun(t, short(func(c *Config) { c.Rate = 0 }))
	if r.Calls != 0 || r.PWait() != 0 || r.ASA() != 0 || r.AnswerTimePercentile(50) != 0 || r.Balance().Gini != 0 {
		t.Errorf("an empty day reported %+v", r.Summary())
	}
}

func TestValidate(t *testing.T) {
	for name, mod := range map[string]func(*Config){
		"teammates": func(c *Config) { c.Teammates = 0 },
		"rate":      func(c *Config) { c.Rate = -1 },
		"warm-up":   func(c *Config) { c.WarmUp = c.Duration },
		"handle":    func(c *Config) { c.HandleTime = 0 },
		"p":         func(c *Config) { c.PDecline, c.PMiss = 0.7, 0.7 },
		"away":      func(c *Config) { c.AwayTime = 0 },
		"ring":      func(c *Config) { c.RingTimeout = 0 },
	} {
		cfg := DefaultConfig()
		mod(&cfg)
		if _, err := Run(cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: got %v, want ErrInvalidConfig", name, err)
		}
	}
}

func TestStatistics(t *testing.T) {
	r := &Result{AnswerTimes: []time.Duration{1, 2, 3, 4}}
	for p, want := range map[float64]time.Duration{25: 1, 50: 2, 51: 3, 100: 4} {
		if got := r.AnswerTimePercentile(p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if g := gini([]int{5, 5, 5, 5}); g != 0 {
		t.Errorf("gini of equal counts = %v", g)
	}
	if g := gini([]int{0, 0, 0, 8}); g != 0.75 {
		t.Errorf("gini of one taker in four = %v, want 0.75", g)
	}
	for _, i := range []int32{0, 7, 1234567} {
		if got := parseCall(callID(i)); got != i {
			t.Errorf("parseCall(callID(%d)) = %d", i, got)
		}
	}
}
