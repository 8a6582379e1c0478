package metrics

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/eventlog"
	"pgregory.net/rapid"
)

// Replaying a stored log gives exactly the live figures: the collector is
// a fold over the stream and nothing else.
func TestReplayEqualsLive(t *testing.T) {
	// Rule: MT15
	rapid.Check(t, func(t *rapid.T) {
		g := history(t)
		live := mustNew(t)
		var buf bytes.Buffer
		sink := eventlog.NewJSONLines(&buf)
		for _, e := range g.out {
			if err := live.Observe(e); err != nil {
				t.Fatalf("live refused a valid event: %v\n%+v", err, e)
			}
			if err := sink.Write(e); err != nil {
				t.Fatal(err)
			}
		}
		stored, err := eventlog.DecodeJSONLines(&buf)
		if err != nil {
			t.Fatal(err)
		}
		replay := mustNew(t)
		for _, e := range stored {
			if err := replay.Observe(e); err != nil {
				t.Fatalf("replay refused an event: %v", err)
			}
		}
		end := g.now.Add(time.Minute)
		if a, b := live.Dashboard(end), replay.Dashboard(end); !reflect.DeepEqual(a, b) {
			t.Fatalf("dashboards differ:\nlive   %+v\nreplay %+v", a, b)
		}
		day := t0.Truncate(24 * time.Hour)
		for _, w := range [][2]time.Time{{day, day.Add(48 * time.Hour)}, {t0.Add(10 * time.Minute), t0.Add(70 * time.Minute)}} {
			if a, b := live.Report(w[0], w[1]), replay.Report(w[0], w[1]); !reflect.DeepEqual(a, b) {
				t.Fatalf("reports differ over %v:\nlive   %+v\nreplay %+v", w, a, b)
			}
		}
		for _, m := range g.mates {
			for at := t0; !at.After(g.now); at = at.Add(7 * time.Minute) {
				a1, ok1 := live.ChannelAt(m.id, at)
				a2, ok2 := replay.ChannelAt(m.id, at)
				if a1 != a2 || ok1 != ok2 {
					t.Fatalf("channel of %s at %v: live %v %v, replay %v %v", m.id, at, a1, ok1, a2, ok2)
				}
			}
		}
	})
}

// After every event: no counter is negative, the counters equal a recount
// of the calls in progress, and no call is both in queue and active. At
// the end the figures match the simulation's own truth.
func TestCountersMatchTruth(t *testing.T) {
	// Rule: MT1
	// Rule: MT2
	// Rule: MT9
	rapid.Check(t, func(t *rapid.T) {
		g := history(t)
		c := mustNew(t)
		for _, e := range g.out {
			if err := c.Observe(e); err != nil {
				t.Fatalf("refused a valid event: %v\n%+v", err, e)
			}
			checkInvariants(t, c)
		}
		d := c.Dashboard(g.now)
		var queued, active, available int
		teamQueued := map[string]int{}
		for _, cl := range g.calls {
			switch cl.st {
			case stQueued, stRinging:
				queued++
				teamQueued[string(cl.team)]++
			case stTalking, stOnHold:
				if cl.dir == 1 {
					active++
				}
			}
		}
		teamAvail := map[string]int{}
		for _, m := range g.mates {
			if m.available() {
				available++
				for i, in := range m.teams {
					if in {
						teamAvail[string(genTeams[i])]++
					}
				}
			}
			if got := d.Teammates[m.id].AvailableForPhone; got != m.available() {
				t.Fatalf("%s available: got %v, want %v", m.id, got, m.available())
			}
		}
		if d.InQueue != queued || d.Active != active || d.AvailableForPhone != available {
			t.Fatalf("in queue %d active %d available %d; truth %d %d %d",
				d.InQueue, d.Active, d.AvailableForPhone, queued, active, available)
		}
		for _, team := range genTeams {
			tv := d.Teams[team]
			if tv.InQueue != teamQueued[string(team)] || tv.AvailableForPhone != teamAvail[string(team)] {
				t.Fatalf("team %s: in queue %d available %d; truth %d %d", team,
					tv.InQueue, tv.AvailableForPhone, teamQueued[string(team)], teamAvail[string(team)])
			}
		}
		if len(c.calls) != len(g.calls) {
			t.Fatalf("%d calls in progress, truth %d: ended calls must be released", len(c.calls), len(g.calls))
		}
	})
}

func mustNew(t *rapid.T) *Collector {
	c, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func checkInvariants(t *rapid.T, c *Collector) {
	var queued, active, vm int
	teamQ, teamA := map[string]int{}, map[string]int{}
	for id, cl := range c.calls {
		inQueue := cl.stage == stQueued || cl.stage == stRinging
		isActive := cl.dir == 1 && (cl.stage == stTalking || cl.stage == stOnHold)
		if inQueue && isActive {
			t.Fatalf("call %s both in queue and active", id)
		}
		if inQueue {
			queued++
			teamQ[string(cl.team)]++
		}
		if isActive {
			active++
			teamA[string(cl.team)]++
		}
		if cl.stage == stVoicemail {
			vm++
		}
	}
	if c.inQueue != queued || c.active != active || c.inVoicemail != vm {
		t.Fatalf("counters in queue %d active %d voicemail %d; recount %d %d %d",
			c.inQueue, c.active, c.inVoicemail, queued, active, vm)
	}
	if c.voicemails < 0 || c.callbacks < 0 || c.available < 0 || c.talk < 0 {
		t.Fatalf("negative counter: %+v", c.Dashboard(c.lastAt))
	}
	for id, tm := range c.teams {
		if tm.inQueue != teamQ[string(id)] || tm.active != teamA[string(id)] {
			t.Fatalf("team %s: in queue %d active %d; recount %d %d", id, tm.inQueue, tm.active, teamQ[string(id)], teamA[string(id)])
		}
		if tm.inVoicemail < 0 || tm.available < 0 || tm.voicemails < 0 || tm.callbacks < 0 || tm.talk < 0 {
			t.Fatalf("team %s has a negative counter: %+v", id, *tm)
		}
	}
	for id, m := range c.mates {
		if m.calls < 0 || m.active < 0 || m.ringing < 0 || m.talk < 0 {
			t.Fatalf("teammate %s has a negative counter: %+v", id, *m)
		}
	}
}
