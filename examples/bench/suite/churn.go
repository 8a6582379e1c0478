package suite

import (
	"testing"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
)

// ChurnCalls is how many calls are in progress in [ExclusionChurn]: each
// lasts longer than the five-minute exclusion, so every exclusion lapses
// while its call is still going.
const ChurnCalls = 400

// ExclusionChurn measures a call that is declined before it is answered,
// among n teammates in the [Realistic] mix: Arrive rings the longest-idle
// teammate, who declines (an exclusion from that call for five minutes,
// rule AS7), the next one is rung and answers, and the call that arrived
// [ChurnCalls] seconds ago ends. One call arrives per simulated second,
// so an exclusion lapses, by its own deadline, at every operation. An
// operation is four commands.
func ExclusionChurn(n int) func(b *testing.B) {
	return func(b *testing.B) {
		f, err := trafficFor("churn", n, assign.DefaultConfig(), false)
		if err != nil {
			b.Fatal(err)
		}
		s, e, mask := f.state, f.state.Engine, len(f.calls)-1
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			c, first := f.arrive(b)
			must(b, e.Decline(s.Now, c, first, eventlog.DeclineButton))
			next, ok := Rung(s.Drain(), c)
			if !ok {
				b.Fatal("no second ring")
			}
			must(b, e.Answer(s.Now, c, next))
			s.Drain()
			if f.i >= ChurnCalls {
				must(b, e.EndCall(s.Now, f.calls[(f.i-ChurnCalls)&mask], eventlog.ByTeammate))
				s.Drain()
			}
			f.i++
		}
	}
}
