package suite

import (
	"strconv"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/metrics"
)

// Steady-state traffic of the call benchmarks: a call arrives every
// simulated second and lasts Concurrent seconds, so Concurrent calls are
// in progress at any time.
const (
	CallSeed   = 21
	Concurrent = 60
	WrapUp     = 30 * time.Second
	// CallCommands is the number of engine commands in one whole call.
	CallCommands = 4
)

// quiet is [Realistic] with no call left ringing, so the only rings are
// the measured calls'.
var quiet = func() Mix { m := Realistic; m.Ringing = 0; return m }()

// traffic is a cached steady state of calls in flight.
type traffic struct {
	state *State
	calls []pb.CallID
	i     int // calls arrived so far
	coll  *metrics.Collector
}

var trafficFixtures = map[string]*traffic{}

// callPool returns call IDs to cycle through: more than the calls in
// progress plus those the engine remembers after they end (ten minutes,
// six hundred calls), so an ID is free again when it comes round.
func callPool() []pb.CallID {
	ids := make([]pb.CallID, 2048)
	for i := range ids {
		ids[i] = pb.CallID("call-" + strconv.Itoa(i))
	}
	return ids
}

func trafficFor(kind string, n int, cfg assign.Config, observe bool) (*traffic, error) {
	key := kind + "/" + strconv.Itoa(n)
	if observe {
		key += "/metrics"
	}
	if f, ok := trafficFixtures[key]; ok {
		return f, nil
	}
	f := &traffic{calls: callPool()}
	var sink func([]eventlog.Event) error
	if observe {
		coll, err := metrics.New(metrics.DefaultConfig())
		if err != nil {
			return nil, err
		}
		f.coll, sink = coll, Observer(coll)
	}
	s, err := BuildObserved(n, CallSeed, quiet, cfg, sink)
	if err != nil {
		return nil, err
	}
	f.state = s
	trafficFixtures[key] = f
	return f, nil
}

// WholeCallConfig is the product's defaults with a 30-second wrap-up.
func WholeCallConfig() assign.Config {
	cfg := assign.DefaultConfig()
	cfg.WrapUp = WrapUp
	return cfg
}

// WholeCall measures one whole inbound call among n teammates in the
// [Realistic] mix, as the [CallCommands] engine commands a host sends for
// it: Arrive (queued, decided, rung), Answer, EndCall by the teammate
// (who goes into wrap-up), and Advance to the next second, which ends the
// wrap-up of a call that finished [WrapUp] ago and forgets calls that
// ended ten minutes ago. Each call lasts [Concurrent] seconds. With
// observe, every event also goes to a [metrics.Collector].
func WholeCall(n int, observe bool) func(b *testing.B) {
	return func(b *testing.B) {
		f, err := trafficFor("call", n, WholeCallConfig(), observe)
		if err != nil {
			b.Fatal(err)
		}
		s, e, mask := f.state, f.state.Engine, len(f.calls)-1
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			c, tm := f.arrive(b)
			must(b, e.Answer(s.Now, c, tm))
			s.Drain()
			if f.i >= Concurrent {
				must(b, e.EndCall(s.Now, f.calls[(f.i-Concurrent)&mask], eventlog.ByTeammate))
				s.Drain()
			}
			must(b, e.Advance(s.Now))
			s.Drain()
			f.i++
		}
	}
}

// arrive moves the clock a second on, queues the next call of the pool and
// returns it with the teammate it rings.
func (f *traffic) arrive(b *testing.B) (pb.CallID, pb.TeammateID) {
	s := f.state
	s.Now = s.Now.Add(time.Second)
	c := f.calls[f.i&(len(f.calls)-1)]
	must(b, s.Engine.Arrive(s.Now, c, Team))
	tm, ok := Rung(s.Drain(), c)
	if !ok {
		b.Fatal("no ring")
	}
	return c, tm
}

func must(b *testing.B, err error) {
	if err != nil {
		b.Helper()
		b.Fatal(err)
	}
}
