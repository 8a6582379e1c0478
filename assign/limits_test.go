package assign

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/stretchr/testify/require"
)

// Config durations are bounded: a hold limit of math.MaxInt64 (what
// "max_wait":"2562047h" decodes to) or a 1 ns ring is refused, so no
// deadline can leave the range every time encodes in, and no ring loops.
// Rule: AS5, AS7, PR6, DF5
func TestConfigDurationsAreBounded(t *testing.T) {
	huge := time.Duration(1<<63 - 1)
	bad := map[string]func(*Config){
		"ring 1 ns":          func(c *Config) { c.RingTimeout = time.Nanosecond },
		"ring under 1 s":     func(c *Config) { c.RingTimeout = MinRingTimeout - 1 },
		"ring over 1 h":      func(c *Config) { c.RingTimeout = MaxRingTimeout + 1 },
		"exclusion max":      func(c *Config) { c.ExclusionPeriod = huge },
		"exclusion 31 days":  func(c *Config) { c.ExclusionPeriod = MaxPeriod + 1 },
		"wrap-up max":        func(c *Config) { c.WrapUp = huge },
		"retention max":      func(c *Config) { c.EndedCallRetention = huge },
		"negative exclusion": func(c *Config) { c.ExclusionPeriod = -1 },
	}
	for name, f := range bad {
		cfg := DefaultConfig()
		f(&cfg)
		_, err := New(cfg)
		require.ErrorIs(t, err, ErrInvalidConfig, name)
	}
	cfg := DefaultConfig()
	cfg.RingTimeout, cfg.ExclusionPeriod, cfg.WrapUp, cfg.EndedCallRetention = MinRingTimeout, MaxPeriod, MaxPeriod, MaxPeriod
	_, err := New(cfg)
	require.NoError(t, err)
	cfg.RingTimeout = MaxRingTimeout
	e, err := New(cfg)
	require.NoError(t, err)

	for _, mw := range []time.Duration{huge, 2562047 * time.Hour, MaxPeriod + 1, -1} {
		require.ErrorIs(t, e.AddTeam("t", "T", TeamConfig{MaxWait: mw}), ErrInvalidConfig, "MaxWait %v", mw)
	}
	require.NoError(t, e.AddTeam("t", "T", TeamConfig{MaxWait: MaxPeriod}))
}

// Command times outside [TimeRange] are refused with a typed error before
// the engine moves, so deadlines keyed on Unix nanoseconds cannot wrap and
// every accepted time encodes in RFC 3339.
// Rule: AS5
func TestCommandTimesOutOfRangeAreRefused(t *testing.T) {
	earliest, latest := TimeRange()
	require.Equal(t, 1970, earliest.Year())
	require.Equal(t, 2200, latest.Year())
	e := badFixture(t, fixturePlain)
	before := snapshot(e)
	for _, at := range []time.Time{
		latest,
		time.Date(2263, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		{},
		earliest.Add(-1),
	} {
		for _, cmd := range []Command{
			{Op: OpAdvance, At: at},
			{Op: OpArrive, At: at, Call: "new", Team: "sup"},
			{Op: OpSetStatus, At: at, Teammate: "fay", Status: presence.Away, Reason: "Lunch"},
		} {
			err := e.Apply(cmd)
			require.ErrorIs(t, err, ErrTimeOutOfRange, "%v at %v", cmd.Op, at)
			require.ErrorIs(t, err, ErrInvalidArgument)
			require.True(t, isSentinel(err))
			require.Equal(t, before, snapshot(e))
			require.True(t, e.Ready().Empty())
		}
	}
	// The mock clock of github.com/benbjohnson/clock starts at the Unix
	// epoch, which is in range.
	fresh, err := New(DefaultConfig())
	require.NoError(t, err)
	// A new engine is at the zero time, which no command may repeat: the
	// check a command at the engine's own instant skips still applies.
	require.ErrorIs(t, fresh.Advance(time.Time{}), ErrTimeOutOfRange)
	require.NoError(t, fresh.Advance(earliest))
	require.NoError(t, fresh.Advance(latest.Add(-1)))
}

// IDs must be valid UTF-8 and at most MaxIDLen bytes; names and away
// reasons valid UTF-8 and at most MaxNameLen bytes: what the JSON
// encodings can carry unchanged.
func TestIDsAndNamesMustEncode(t *testing.T) {
	long := strings.Repeat("é", MaxIDLen/2) // exactly MaxIDLen bytes
	e := badFixture(t, fixturePlain)
	before := snapshot(e)
	for _, cmd := range []Command{
		{Op: OpAddTeam, Team: "\xff"},
		{Op: OpAddTeam, Team: pb.TeamID(long + "x")},
		{Op: OpAddTeam, Team: "new", Name: "bad \xc3"},
		{Op: OpAddTeam, Team: "new", Name: strings.Repeat("n", MaxNameLen+1)},
		{Op: OpAddTeammate, Teammate: "a\xffb", Presence: available()},
		{Op: OpAddTeammate, Teammate: "new", Name: "\xfe", Presence: available()},
		{Op: OpAddTeammate, Teammate: "new", Presence: presence.State{Channel: presence.ChannelAll,
			Status: presence.Away, Reason: "\xff", ClientOpen: true}},
		{Op: OpSetStatus, Teammate: "fay", Status: presence.Away, Reason: "lunch \xff"},
		{Op: OpSetStatus, Teammate: "fay", Status: presence.Away, Reason: strings.Repeat("r", MaxNameLen+1)},
		{Op: OpArrive, Call: "\xff", Team: "sup"},
		{Op: OpPlaceCall, Call: pb.CallID(long + "x")},
		{Op: OpAnswer, Call: "ring", Teammate: "\xff"},
		{Op: OpAddMember, Team: "sup", Teammate: pb.TeammateID(long + "y")},
	} {
		cmd.At = badNow
		err := e.Apply(cmd)
		require.ErrorIs(t, err, ErrInvalidArgument, "%+v", cmd)
		require.Equal(t, before, snapshot(e))
		require.True(t, e.Ready().Empty())
	}
	require.NoError(t, e.AddTeam(pb.TeamID(long), long, TeamConfig{}))
	require.NoError(t, e.PlaceCall(badNow, pb.CallID(long)))
}

// Every state the engine accepts round-trips: a snapshot at the latest
// time, with every period at its maximum and the longest Unicode IDs,
// encodes to JSON and restores to the same engine, and its events survive
// the JSON-lines log unchanged.
// Rule: AS5, AS7, PR6, DF5
func TestExtremeStateRoundTrips(t *testing.T) {
	cfg := DefaultConfig()
	cfg.RingTimeout, cfg.ExclusionPeriod, cfg.WrapUp, cfg.EndedCallRetention = MaxRingTimeout, MaxPeriod, MaxPeriod, MaxPeriod
	e, err := New(cfg)
	require.NoError(t, err)
	_, latest := TimeRange()
	at := latest.Add(-2 * time.Nanosecond)
	id := func(p string) string { return p + strings.Repeat("ü", (MaxIDLen-len(p))/2) }
	team, ana, ben := pb.TeamID(id("t")), pb.TeammateID(id("a")), pb.TeammateID(id("b"))
	require.NoError(t, e.AddTeam(team, "Téam", TeamConfig{MaxWait: MaxPeriod}))
	for _, m := range []pb.TeammateID{ana, ben} {
		require.NoError(t, e.AddTeammate(at, m, "Ñame", available()))
		require.NoError(t, e.AddMember(at, team, m))
	}
	require.NoError(t, e.Arrive(at, pb.CallID(id("c1")), team))  // rings one
	require.NoError(t, e.Arrive(at, pb.CallID(id("c2")), team))  // rings the other
	require.NoError(t, e.Arrive(at, pb.CallID(id("c3")), team))  // waits
	require.NoError(t, e.Answer(at, pb.CallID(id("c2")), ben))   // ben talks
	require.NoError(t, e.HangUp(at.Add(1), pb.CallID(id("c2")))) // ben wraps up for 30 days
	rd := e.Ready()
	require.NoError(t, e.Decline(at.Add(1), pb.CallID(id("c1")), ana, eventlog.DeclineBusy))
	require.NoError(t, checkInvariants(e))
	events := append(append([]eventlog.Event(nil), rd.Events...), e.Ready().Events...)

	b1, err := json.Marshal(e.Snapshot())
	require.NoError(t, err)
	var s Snapshot
	require.NoError(t, json.Unmarshal(b1, &s))
	r, err := Restore(s)
	require.NoError(t, err)
	require.True(t, r.Ready().Empty())
	b2, err := json.Marshal(r.Snapshot())
	require.NoError(t, err)
	require.Equal(t, string(b1), string(b2))
	require.Equal(t, snapshot(e), snapshot(r))

	var buf bytes.Buffer
	sink := eventlog.NewJSONLines(&buf)
	for _, ev := range events {
		require.NoError(t, sink.Write(ev))
	}
	back, err := eventlog.DecodeJSONLines(&buf)
	require.NoError(t, err)
	require.Len(t, back, len(events))
	for i := range events {
		require.True(t, events[i].At.Equal(back[i].At))
		back[i].At, back[i].Deadline = events[i].At, events[i].Deadline
		require.Equal(t, events[i], back[i])
	}
	// Both engines go on alike up to the end of the range, and refuse to
	// go past it.
	for _, x := range []*Engine{e, r} {
		require.NoError(t, x.Advance(latest.Add(-1)))
		require.True(t, errors.Is(x.Advance(latest), ErrTimeOutOfRange))
	}
	require.Equal(t, len(e.Ready().Events), len(r.Ready().Events))
	require.Equal(t, snapshot(e), snapshot(r))
}
