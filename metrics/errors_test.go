package metrics

import (
	"errors"
	"reflect"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
)

// Bad input is refused with a sentinel error and changes no figure.
func TestObserveRefusesBadInput(t *testing.T) {
	s := newStream(t)
	s.mateAdded("ana", presence.ChannelAll, presence.Active, true, "sales")
	s.at(10).placed("A").queued("A", "sales").offered("A", "sales", "ana")
	s.at(20).placed("B")

	ev := func(k eventlog.Kind, call pb.CallID, mod func(*eventlog.Event)) eventlog.Event {
		e := eventlog.Event{Seq: s.seq + 1, At: s.now, Kind: k, Call: call, Direction: pb.Inbound, Team: "sales", Teammate: "ana"}
		if mod != nil {
			mod(&e)
		}
		return e
	}
	cases := []struct {
		name string
		e    eventlog.Event
		want error
	}{
		{"seq repeats", ev(eventlog.CallPlaced, "X", func(e *eventlog.Event) { e.Seq = s.seq }), ErrOutOfOrder},
		{"time goes back", ev(eventlog.CallPlaced, "X", func(e *eventlog.Event) { e.At = s.now.Add(-time.Second) }), ErrOutOfOrder},
		{"zero kind", ev(0, "A", nil), ErrInvalidEvent},
		{"call event without call", ev(eventlog.CallQueued, "", nil), ErrInvalidEvent},
		{"placed without direction", ev(eventlog.CallPlaced, "X", func(e *eventlog.Event) { e.Direction = 0 }), ErrInvalidEvent},
		{"outbound without teammate", ev(eventlog.CallPlaced, "X", func(e *eventlog.Event) { e.Direction, e.Teammate = pb.Outbound, "" }), ErrInvalidEvent},
		{"queued without team", ev(eventlog.CallQueued, "B", func(e *eventlog.Event) { e.Team = "" }), ErrInvalidEvent},
		{"offer without teammate", ev(eventlog.CallOffered, "B", func(e *eventlog.Event) { e.Teammate = "" }), ErrInvalidEvent},
		{"answer for unknown call", ev(eventlog.CallAnswered, "nope", nil), ErrUnknownCall},
		{"placed twice", ev(eventlog.CallPlaced, "A", nil), ErrDuplicateCall},
		{"answer during routing", ev(eventlog.CallAnswered, "B", nil), ErrUnexpected},
		{"miss by someone not ringing", ev(eventlog.CallMissed, "A", func(e *eventlog.Event) { e.Teammate = "bo" }), ErrUnexpected},
		{"offer while ringing", ev(eventlog.CallOffered, "A", nil), ErrUnexpected},
		{"hold before answer", ev(eventlog.CallOnHold, "A", nil), ErrUnexpected},
		{"customer answers inbound", ev(eventlog.CustomerAnswered, "A", nil), ErrUnexpected},
		{"abandoned assignment on live call", ev(eventlog.AbandonedAssignment, "A", nil), ErrUnexpected},
		{"status of unknown teammate", ev(eventlog.StatusChanged, "", func(e *eventlog.Event) { e.Teammate, e.Status = "zed", presence.Active }), ErrUnknownTeammate},
		{"teammate event without teammate", ev(eventlog.StatusChanged, "", func(e *eventlog.Event) { e.Teammate = "" }), ErrInvalidEvent},
		{"invalid channel", ev(eventlog.ChannelChanged, "", func(e *eventlog.Event) { e.Channel = 9 }), ErrInvalidEvent},
		{"added twice", ev(eventlog.TeammateAdded, "", func(e *eventlog.Event) { e.Channel, e.Status = presence.ChannelAll, presence.Active }), ErrDuplicateTeammate},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			beforeD, beforeR := s.c.Dashboard(s.now), s.all()
			rejected := s.c.Rejected()
			err := s.c.Observe(c.e)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if !reflect.DeepEqual(s.c.Dashboard(s.now), beforeD) || !reflect.DeepEqual(s.all(), beforeR) {
				t.Fatal("a refused event changed the figures")
			}
			eq(t, "rejected", s.c.Rejected(), rejected+1)
		})
	}
	// The stream carries on as if nothing happened.
	s.at(30).answered("A", "sales", "ana")
	eq(t, "active", s.c.Dashboard(s.now).Active, 1)
}

func TestConfigValidation(t *testing.T) {
	for _, cfg := range []Config{
		{Resolution: 0}, {Resolution: 7 * time.Minute}, {Resolution: time.Minute, Retention: -1},
	} {
		if _, err := New(cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%+v: got %v, want ErrInvalidConfig", cfg, err)
		}
	}
	if _, err := New(DefaultConfig()); err != nil {
		t.Fatal(err)
	}
}
