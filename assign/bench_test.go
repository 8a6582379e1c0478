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
// oldest waiting call and the longest-idle teammate who may take it.
func BenchmarkDecide(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("teammates=%d", n), func(b *testing.B) {
			e, now := benchTeam(b, n)
			// A waiting call nobody may take (every eligible teammate is
			// ringing elsewhere would be too many calls); instead queue one
			// call and take its ring back, so the team is dirty with one
			// waiting call and a full tree.
			must(b, e.PlaceCall(now, "probe"))
			tm := e.teams["sup"]
			c := e.calls.get("probe")
			e.queueSeq++
			c.team, c.stage, c.qseq, c.segment = tm, eventlog.StageQueued, e.queueSeq, 1
			tm.queue.ReplaceOrInsert(c)
			e.markDirty(tm)
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
