package assign

import (
	"fmt"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
)

var benchSizes = []int{100, 1_000, 15_000, 100_000}

// benchTeam builds one team of n teammates with a realistic mix: 20% Away,
// 10% without an active client, 5% on the Conversations channel, 15% on
// an outbound call, the rest eligible, each with a distinct last
// assignment time.
func benchTeam(b *testing.B, n int) (*Engine, time.Time) {
	b.Helper()
	cfg := DefaultConfig()
	cfg.EndedCallRetention = 0
	e, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	if err := e.AddTeam("sup", "Support", TeamConfig{}); err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := range n {
		id := pb.TeammateID(fmt.Sprintf("tm%06d", i))
		st := available()
		switch i % 20 {
		case 0, 1, 2, 3:
			st.Status, st.Reason = presence.Away, "Lunch"
		case 4, 5:
			st.ClientOpen = false
		case 6:
			st.Channel = presence.ChannelConversations
		}
		must(b, e.AddTeammate(now, id, "", st))
		must(b, e.AddMember(now, "sup", id))
		now = now.Add(time.Millisecond)
		must(b, e.ReportAssignment(now, id))
		if i%20 >= 17 {
			must(b, e.PlaceOutbound(now, pb.CallID("out-"+id), id))
		}
	}
	e.Ready()
	return e, now
}

// must stops the benchmark on an error. It does not call b.Helper, which
// would cost more than the commands it checks.
func must(b *testing.B, err error) {
	if err != nil {
		b.Fatal(err)
	}
}

func callIDsN(n int) []pb.CallID {
	out := make([]pb.CallID, n)
	for i := range out {
		out[i] = pb.CallID(fmt.Sprintf("c%d", i))
	}
	return out
}

// BenchmarkDecide measures the assignment decision alone: finding the
// oldest waiting call and the longest-idle teammate who may take it, in a
// team that has one waiting call and a full eligible tree.
func BenchmarkDecide(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("teammates=%d", n), func(b *testing.B) {
			e, now := benchTeam(b, n)
			c := waitingCall(b, e, now, "probe")
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if got, _, _ := e.nextMatch(); got != c {
					b.Fatal("no match")
				}
			}
		})
	}
}

// waitingCall brings e to the state the decision starts from: call id
// waiting in team "sup", the team marked for dispatch, and every eligible
// member still in the trees. It builds that state with the engine's own
// steps, as RemoveMember takes a ring back (the ring ends with no
// exclusion and the call returns to its queue), stopping before the
// dispatch that would ring the next teammate. So the benchmark writes no
// field of the engine and follows the engine when its internals change.
func waitingCall(b *testing.B, e *Engine, now time.Time, id pb.CallID) *call {
	b.Helper()
	must(b, e.Arrive(now, id, "sup"))
	c := e.calls.get(id)
	if c == nil || c.ringing == nil {
		b.Fatalf("call %q did not ring anybody", id)
	}
	t := e.ringEnded(c, eventlog.CallDeclined, eventlog.DeclineWentAway, true)
	e.refresh(t)
	e.Ready()
	if c.stage != eventlog.StageQueued || !t.inTrees {
		b.Fatalf("call %q is %v, its teammate eligible %v: not waiting with a full tree", id, c.stage, t.inTrees)
	}
	return c
}

// BenchmarkOfferCall measures a whole decision as the host sees it: a call
// arrives and rings the longest-idle eligible teammate (Arrive), then the
// customer hangs up, freeing them (HangUp). Two commands per iteration.
func BenchmarkOfferCall(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("teammates=%d", n), func(b *testing.B) {
			e, now := benchTeam(b, n)
			ids := callIDsN(1 << 16)
			b.ReportAllocs()
			b.ResetTimer()
			i := 0
			for b.Loop() {
				id := ids[i&(len(ids)-1)]
				i++
				if err := e.Arrive(now, id, "sup"); err != nil {
					b.Fatal(err)
				}
				if err := e.HangUp(now, id); err != nil {
					b.Fatal(err)
				}
				e.Ready()
			}
		})
	}
}

// BenchmarkWholeCall measures an inbound call's whole life: arrive and
// ring, answer, end, and the wrap-up that follows, as engine commands per
// second. Time moves forward so deadlines fire as they would live.
func BenchmarkWholeCall(b *testing.B) {
	for _, n := range []int{100, 15_000} {
		b.Run(fmt.Sprintf("teammates=%d", n), func(b *testing.B) {
			e, now := benchTeam(b, n)
			e.cfg.WrapUp = 10 * time.Second
			ids := callIDsN(1 << 16)
			b.ReportAllocs()
			b.ResetTimer()
			i := 0
			for b.Loop() {
				id := ids[i&(len(ids)-1)]
				i++
				now = now.Add(time.Second)
				must(b, e.Arrive(now, id, "sup"))
				tm := e.calls.get(id).ringing
				must(b, e.Answer(now.Add(200*time.Millisecond), id, tm.id))
				now = now.Add(time.Second)
				must(b, e.EndCall(now, id, eventlog.ByTeammate))
				e.Ready()
			}
			b.ReportMetric(float64(b.N*3)/b.Elapsed().Seconds(), "commands/s")
		})
	}
}

// BenchmarkDeclineChain measures exclusion churn: each call is declined by
// the first teammate and rung on the next (creating an exclusion), then
// hung up (dropping it).
func BenchmarkDeclineChain(b *testing.B) {
	for _, n := range []int{100, 15_000} {
		b.Run(fmt.Sprintf("teammates=%d", n), func(b *testing.B) {
			e, now := benchTeam(b, n)
			ids := callIDsN(1 << 16)
			b.ReportAllocs()
			b.ResetTimer()
			i := 0
			for b.Loop() {
				id := ids[i&(len(ids)-1)]
				i++
				must(b, e.Arrive(now, id, "sup"))
				must(b, e.Decline(now, id, e.calls.get(id).ringing.id, eventlog.DeclineButton))
				must(b, e.HangUp(now, id))
				e.Ready()
			}
		})
	}
}
