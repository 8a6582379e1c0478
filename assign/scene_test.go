package assign

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/stretchr/testify/require"
)

// t0 is the start of every scenario: Monday 2 March 2026, 09:00 UTC.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// scene drives an engine through a scripted scenario and reads back what
// it did as timeline lines ("09:00:30 Call missed by Ana.").
type scene struct {
	t       *testing.T
	e       *Engine
	now     time.Time
	events  []eventlog.Event
	effects []Effect
}

func newScene(t *testing.T, cfg Config) *scene {
	t.Helper()
	e, err := New(cfg)
	require.NoError(t, err)
	return &scene{t: t, e: e, now: t0}
}

// team adds a team and teammates who join it, all Active on channel All
// with an active phone client, added in the order given.
func (s *scene) team(id pb.TeamID, cfg TeamConfig, members ...pb.TeammateID) {
	s.t.Helper()
	require.NoError(s.t, s.e.AddTeam(id, string(id), cfg))
	for _, m := range members {
		if _, ok := s.e.Teammate(m); !ok {
			s.ok(s.e.AddTeammate(s.now, m, string(m), available()))
		}
		s.ok(s.e.AddMember(s.now, id, m))
	}
	s.take()
}

// at moves the scene's clock to t0+d.
func (s *scene) at(d time.Duration) time.Time {
	s.now = t0.Add(d)
	return s.now
}

// ok requires a command to succeed and collects what it produced.
func (s *scene) ok(err error) {
	s.t.Helper()
	require.NoError(s.t, err)
	r := s.e.Ready()
	s.events = append(s.events, r.Events...)
	s.effects = append(s.effects, r.Effects...)
}

// take returns and forgets the collected timeline lines.
func (s *scene) take() []string {
	var out []string
	for _, ev := range s.events {
		out = append(out, ev.At.Format("15:04:05")+" "+ev.Text())
	}
	s.events, s.effects = nil, nil
	return out
}

// calls returns the collected timeline lines of call events only.
func (s *scene) callLines() []string {
	var out []string
	for _, ev := range s.events {
		if ev.Kind.IsCall() {
			out = append(out, ev.At.Format("15:04:05")+" "+ev.Text())
		}
	}
	s.events, s.effects = nil, nil
	return out
}

// rings returns "call→teammate" for each Ring effect collected, and
// forgets the collected output.
func (s *scene) rings() []string {
	var out []string
	for _, ef := range s.effects {
		if ef.Kind == Ring {
			out = append(out, fmt.Sprintf("%s→%s", ef.Call, ef.Teammate))
		}
	}
	s.events, s.effects = nil, nil
	return out
}

// ringing returns who the call is ringing now.
func (s *scene) ringing(id pb.CallID) pb.TeammateID {
	v, ok := s.e.Call(id)
	require.True(s.t, ok, "call %s", id)
	return v.Ringing
}

func (s *scene) presence(id pb.TeammateID) presence.State {
	v, ok := s.e.Teammate(id)
	require.True(s.t, ok, "teammate %s", id)
	return v.Presence
}

// snapshot is everything observable about the engine, for checking that a
// rejected command changed nothing.
func snapshot(e *Engine) string {
	var b strings.Builder
	next, ok := e.NextDeadline()
	fmt.Fprintf(&b, "now %v next %v %v seq %d\n", e.Now(), next, ok, e.eventSeq)
	for _, id := range sortedKeys(e.teammates) {
		v, _ := e.Teammate(id)
		fmt.Fprintf(&b, "%+v\n", v)
	}
	for _, c := range e.calls.sorted() {
		v := c.view()
		fmt.Fprintf(&b, "%+v\n", v)
	}
	for _, id := range sortedKeys(e.teams) {
		counts, queued, _ := e.TeamCounts(id)
		fmt.Fprintf(&b, "%s %+v %d %v %v %+v\n", id, counts, queued, e.Waiting(id), e.OfferOrder(id), e.teams[id].cfg)
	}
	fmt.Fprintf(&b, "%+v\n", e.cfg)
	return b.String()
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func callID(s string) pb.CallID { return pb.CallID(s) }

func ids(in []pb.TeammateID) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = string(v)
	}
	return out
}

func callIDs(in []pb.CallID) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = string(v)
	}
	return out
}

func errorsIsAny(err error, targets ...error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}
