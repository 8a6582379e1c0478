package advice

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/staffing"
	"pgregory.net/rapid"
)

// genCall is one inbound call of a generated day, in seconds from t0.
type genCall struct {
	team     pb.TeamID
	arrive   int
	answered bool
	wait     int // until the answer, or until the caller hangs up
	talk     int
	wrap     int // planned wrap-up; 0: none
	wrapDone int // when wrap-up really ends, at most wrap (switched to active early)
}

// The tracker against a direct computation from the list of calls: the
// arrivals in (now − window, now] over the stream's age (at least a
// minute, at most the window), and the mean handle (talk plus wrap-up,
// planned while under way, actual once ended) of the calls that ended in
// the window, else of every call ended so far.
func TestPropertyMatchesDirectComputation(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		teams := []pb.TeamID{"a", "b"}
		calls := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) genCall {
			return genCall{
				team:     rapid.SampledFrom(teams).Draw(t, "team"),
				arrive:   rapid.IntRange(0, 3600).Draw(t, "arrive"),
				answered: rapid.Bool().Draw(t, "answered"),
				wait:     rapid.IntRange(0, 120).Draw(t, "wait"),
				talk:     rapid.IntRange(1, 600).Draw(t, "talk"),
				wrap:     rapid.IntRange(0, 120).Draw(t, "wrap"),
				wrapDone: rapid.IntRange(1, 120).Draw(t, "wrap_done"),
			}
		}), 0, 40).Draw(t, "calls")
		window := time.Duration(rapid.IntRange(1, 60).Draw(t, "window_min")) * time.Minute
		now := at(0, rapid.IntRange(0, 4500).Draw(t, "now_s"))

		// The events, each call with its own teammate, in time order.
		var evs []eventlog.Event
		sec := func(s int) time.Time { return at(0, s) }
		for i, c := range calls {
			id, mate := pb.CallID(fmt.Sprint("c", i)), pb.TeammateID(fmt.Sprint("m", i))
			evs = append(evs, eventlog.Event{At: sec(c.arrive), Kind: eventlog.CallQueued, Call: id, Direction: pb.Inbound, Team: c.team})
			if !c.answered {
				evs = append(evs, eventlog.Event{At: sec(c.arrive + c.wait), Kind: eventlog.CallEndedBeforeAnswer, Call: id, Direction: pb.Inbound, Team: c.team})
				continue
			}
			ans, end := c.arrive+c.wait, c.arrive+c.wait+c.talk
			evs = append(evs,
				eventlog.Event{At: sec(ans), Kind: eventlog.CallAnswered, Call: id, Direction: pb.Inbound, Team: c.team, Teammate: mate},
				eventlog.Event{At: sec(end), Kind: eventlog.CallEnded, Call: id, Direction: pb.Inbound, Teammate: mate})
			if c.wrap > 0 {
				evs = append(evs,
					eventlog.Event{At: sec(end), Kind: eventlog.WrapUpStarted, Teammate: mate, Deadline: sec(end + c.wrap)},
					eventlog.Event{At: sec(end + min(c.wrapDone, c.wrap)), Kind: eventlog.WrapUpEnded, Teammate: mate})
			}
		}
		slices.SortStableFunc(evs, func(x, y eventlog.Event) int { return x.At.Compare(y.At) })
		tr, err := New(Config{Window: window})
		if err != nil {
			t.Fatal(err)
		}
		var origin time.Time
		for i, ev := range evs {
			if ev.At.After(now) {
				break
			}
			if i == 0 {
				origin = ev.At
			}
			ev.Seq = uint64(i + 1)
			tr.Observe(ev)
		}

		got := tr.Advice(now, nil)
		for _, ad := range got {
			// The reference.
			from := now.Add(-window)
			arrivals, n, all := 0, 0, 0
			var sum, sumAll time.Duration
			for _, c := range calls {
				if c.team != ad.Team {
					continue
				}
				if a := sec(c.arrive); a.After(from) && !a.After(now) {
					arrivals++
				}
				end := sec(c.arrive + c.wait + c.talk)
				if !c.answered || end.After(now) {
					continue
				}
				// A wrap-up under way counts as planned, an ended one as it was.
				wrap := c.wrap
				if done := min(c.wrapDone, c.wrap); !end.Add(time.Duration(done) * time.Second).After(now) {
					wrap = done
				}
				h := time.Duration(c.talk+wrap) * time.Second
				sumAll += h
				all++
				if end.After(from) {
					sum += h
					n++
				}
			}
			span := window
			if age := now.Sub(origin); age < window {
				span = max(age, min(time.Minute, window))
			}
			rate := float64(arrivals) / span.Hours()
			var mean time.Duration
			switch {
			case n > 0:
				mean = sum / time.Duration(n)
			case all > 0:
				mean = sumAll / time.Duration(all)
			}
			if math.Abs(ad.ArrivalsPerHour-rate) > 1e-9*max(rate, 1) || ad.MeanHandle != mean {
				t.Fatalf("team %s at %v: %v/h, %v; want %v/h, %v", ad.Team, now.Sub(t0), ad.ArrivalsPerHour, ad.MeanHandle, rate, mean)
			}
			if want := staffing.AgentsFor(rate, mean, 20*time.Second, 0.8); ad.Needed != want {
				t.Fatalf("team %s: needed %d, want %d", ad.Team, ad.Needed, want)
			}
		}
		// Teams are listed once each, in order.
		if !slices.IsSortedFunc(got, func(x, y TeamAdvice) int { return cmp.Compare(x.Team, y.Team) }) {
			t.Fatalf("advice not sorted: %+v", got)
		}
	})
}
