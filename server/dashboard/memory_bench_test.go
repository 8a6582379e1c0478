package dashboard_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/server/core"
	"github.com/phonebalance/phonebalance/server/dashboard"
	"github.com/phonebalance/phonebalance/server/httpedge"
	"github.com/phonebalance/phonebalance/server/telephony"
)

// Sizes of the benchmarks' workspace and burst.
const (
	benchTeammates = 2000
	benchTeams     = 4
	benchCalls     = 200
)

// benchServer is a runtime with the dashboard mounted as phonebalanced
// mounts it: every applied entry notifies it through a subscription.
type benchServer struct {
	rt   *core.Runtime
	dash *dashboard.Server
	sub  *core.Subscription
	done chan struct{}
}

func openBench(b *testing.B) *benchServer {
	b.Helper()
	quiet := slog.New(slog.DiscardHandler)
	verifier, err := httpedge.NewToken("bench-token-0123456789")
	if err != nil {
		b.Fatal(err)
	}
	rt, err := core.Open(core.Config{Dir: b.TempDir(), Engine: assign.DefaultConfig(), Logger: quiet,
		Telephony: telephony.LogTelephony{Logger: quiet}})
	if err != nil {
		b.Fatal(err)
	}
	w := rt.Default()
	src, err := dashboard.NewSource(dashboard.Parts{
		Now: rt.Now, View: w.View, WithCollector: w.WithCollector, Advice: w.Advice,
	})
	if err != nil {
		b.Fatal(err)
	}
	dash, err := dashboard.New(dashboard.Config{
		Source: src,
		Submit: func(ctx context.Context, cmd assign.Command) error {
			_, err := w.Do(ctx, cmd)
			return err
		},
		Verifier: verifier,
		// A render as often as the burst allows: the burst stands for a
		// long stretch of traffic at the default coalescing.
		Coalesce: time.Millisecond,
		Refresh:  -1,
	})
	if err != nil {
		b.Fatal(err)
	}
	s := &benchServer{rt: rt, dash: dash, sub: w.Subscribe(256), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for batch := range s.sub.C() {
			dash.Notify(batch.Index)
		}
	}()
	return s
}

// closeDash stops the dashboard and its notifications, leaving the runtime.
func (s *benchServer) closeDash() {
	s.sub.Close()
	<-s.done
	_ = s.dash.Close()
	s.dash = nil
}

func (s *benchServer) close() {
	if s.dash != nil {
		s.closeDash()
	}
	_ = s.rt.Close()
}

func (s *benchServer) do(b *testing.B, cmd assign.Command) assign.Ready {
	b.Helper()
	rd, err := s.rt.Default().Do(context.Background(), cmd)
	if err != nil {
		b.Fatalf("%v: %v", cmd.Op, err)
	}
	return rd
}

// populate adds benchTeams teams and benchTeammates teammates, each in one
// team, available for phone.
func (s *benchServer) populate(b *testing.B) {
	b.Helper()
	on := presence.State{Channel: presence.ChannelAll, Status: presence.Active, ClientOpen: true}
	for i := range benchTeams {
		s.do(b, assign.Command{Op: assign.OpAddTeam, Team: pb.TeamID(fmt.Sprint("team-", i)), Name: fmt.Sprint("Team ", i)})
	}
	for i := range benchTeammates {
		id := pb.TeammateID(fmt.Sprintf("mate-%04d", i))
		s.do(b, assign.Command{Op: assign.OpAddTeammate, Teammate: id, Name: fmt.Sprintf("Teammate %04d", i), Presence: on})
		s.do(b, assign.Command{Op: assign.OpAddMember, Team: pb.TeamID(fmt.Sprint("team-", i%benchTeams)), Teammate: id})
	}
}

// burst runs benchCalls calls through: each arrives, is answered by the
// teammate it rings, and ends.
func (s *benchServer) burst(b *testing.B, prefix string, after func()) {
	b.Helper()
	do := func(cmd assign.Command) assign.Ready {
		rd := s.do(b, cmd)
		if after != nil {
			after()
		}
		return rd
	}
	for i := range benchCalls {
		call := pb.CallID(fmt.Sprintf("%s-%d", prefix, i))
		rd := do(assign.Command{Op: assign.OpArrive, Call: call, Team: pb.TeamID(fmt.Sprint("team-", i%benchTeams))})
		var rung pb.TeammateID
		for _, ef := range rd.Effects {
			if ef.Kind == assign.Ring {
				rung = ef.Teammate
			}
		}
		if rung == "" {
			b.Fatalf("call %s rang nobody", call)
		}
		do(assign.Command{Op: assign.OpAnswer, Call: call, Teammate: rung})
		do(assign.Command{Op: assign.OpEndCall, Call: call, By: eventlog.ByCustomer})
	}
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkHeapUnwatched measures the server's live heap with the
// dashboard mounted and nobody watching: empty-B for an empty server,
// teammates-B once it has 2,000 teammates, unwatched-B after a burst of 200
// calls (600 log entries, each notifying the dashboard). heap-ratio is
// unwatched-B over teammates-B, what the traffic added; empty-ratio is
// unwatched-B over empty-B, which also counts the teammates themselves
// (engine, raft log held in memory, events, metrics). dash-B is what the
// dashboard itself holds: the heap before closing it less the heap after.
func BenchmarkHeapUnwatched(b *testing.B) {
	var empty, populated, unwatched, dashHeld uint64
	for b.Loop() {
		s := openBench(b)
		empty = liveHeap()
		s.populate(b)
		populated = liveHeap()
		s.burst(b, "call", nil)
		unwatched = liveHeap()
		s.closeDash()
		dashHeld = unwatched - min(unwatched, liveHeap())
		s.close()
	}
	b.ReportMetric(float64(empty), "empty-B")
	b.ReportMetric(float64(populated), "teammates-B")
	b.ReportMetric(float64(unwatched), "unwatched-B")
	b.ReportMetric(float64(unwatched)/float64(populated), "heap-ratio")
	b.ReportMetric(float64(unwatched)/float64(empty), "empty-ratio")
	b.ReportMetric(float64(dashHeld), "dash-B")
}

// BenchmarkStreamBytes measures what one watcher's stream carries at 2,000
// teammates: the snapshot (one page of teammates), and the messages while
// 200 calls go through, one command at a time, each waiting for the
// message that shows it.
func BenchmarkStreamBytes(b *testing.B) {
	var snapshot, msgs, total, largest int
	for b.Loop() {
		s := openBench(b)
		s.populate(b)
		ts := httptest.NewServer(s.dash)
		req, _ := http.NewRequest("GET", ts.URL+"/dashboard/events", nil)
		req.Header.Set("Authorization", "Bearer bench-token-0123456789")
		resp, err := ts.Client().Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("stream: %v %v", resp, err)
		}
		sizes := make(chan int, 1<<12)
		go func() {
			defer close(sizes)
			br := bufio.NewReaderSize(resp.Body, 1<<20)
			for {
				line, err := br.ReadString('\n')
				if err != nil {
					return
				}
				if strings.HasPrefix(line, "data: ") {
					sizes <- len(line) - len("data: \n")
				}
			}
		}()
		next := func() int {
			select {
			case n, ok := <-sizes:
				if !ok {
					b.Fatal("the stream ended")
				}
				return n
			case <-time.After(30 * time.Second):
				b.Fatal("no message within 30 s")
			}
			return 0
		}
		snapshot, msgs, total, largest = next(), 0, 0, 0
		s.burst(b, "call", func() {
			n := next()
			msgs++
			total += n
			largest = max(largest, n)
		})
		resp.Body.Close()
		ts.Close()
		s.close()
	}
	b.ReportMetric(float64(snapshot), "snapshot-B")
	b.ReportMetric(float64(total)/float64(max(msgs, 1)), "B/msg")
	b.ReportMetric(float64(largest), "max-B/msg")
}
