package assign

import (
	"encoding/json"
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

// restoreFixture is a snapshot with something of every kind: c1 rings
// ana, c2 is on ben, c3 waits with cy excluded, c4 ended, dee wraps up,
// c5 is routing and c6 in voicemail; fay is Away and in no team.
func restoreFixture(t *testing.T) Snapshot {
	cfg := DefaultConfig()
	cfg.WrapUp = time.Minute
	s := newScene(t, cfg)
	s.team("sup", TeamConfig{MaxWait: 10 * time.Minute}, "ana", "ben", "cy", "dee")
	s.ok(s.e.AddTeammate(s.now, "fay", "Fay", available()))
	s.ok(s.e.SetStatus(s.now, "fay", presence.Away, "Lunch"))
	s.ok(s.e.Arrive(s.now, "c1", "sup")) // rings ana
	s.ok(s.e.Arrive(s.now, "c2", "sup")) // rings ben
	s.ok(s.e.Answer(s.at(time.Second), "c2", "ben"))
	s.ok(s.e.Arrive(s.now, "c3", "sup")) // rings cy
	s.ok(s.e.Arrive(s.now, "c4", "sup")) // rings dee
	s.ok(s.e.Answer(s.at(2*time.Second), "c4", "dee"))
	s.ok(s.e.HangUp(s.at(3*time.Second), "c4"))
	s.ok(s.e.Decline(s.at(4*time.Second), "c3", "cy", eventlog.DeclineBusy))
	s.ok(s.e.PlaceCall(s.now, "c5"))
	s.ok(s.e.PlaceCall(s.now, "c6"))
	s.ok(s.e.Voicemail(s.now, "c6"))
	require.NoError(t, checkInvariants(s.e))
	b, err := json.Marshal(s.e.Snapshot())
	require.NoError(t, err)
	var x Snapshot
	require.NoError(t, json.Unmarshal(b, &x))
	return x
}

func (x *Snapshot) callState(id pb.CallID) *CallState {
	for i := range x.Calls {
		if x.Calls[i].ID == id {
			return &x.Calls[i]
		}
	}
	panic("no call " + id)
}

func (x *Snapshot) teammateState(id pb.TeammateID) *TeammateState {
	for i := range x.Teammates {
		if x.Teammates[i].ID == id {
			return &x.Teammates[i]
		}
	}
	panic("no teammate " + id)
}

func (x *Snapshot) dropDeadline(kind string, call pb.CallID, mate pb.TeammateID) {
	n := len(x.Deadlines)
	x.Deadlines = slices.DeleteFunc(x.Deadlines, func(d Deadline) bool {
		return d.Kind == kind && d.Call == call && d.Teammate == mate
	})
	if len(x.Deadlines) != n-1 {
		panic(fmt.Sprintf("no deadline %s %s %s", kind, call, mate))
	}
}

// A snapshot that says inconsistent things is refused with
// ErrInvalidArgument (or ErrInvalidConfig), without panicking: each case
// is one the engine once accepted, several of which then panicked, looped
// or lost a waiting call.
// Rule: AS2, AS4, AS5, AS7, AS12, PR6, DF5, X4, X5
func TestRestoreRefusesInconsistentSnapshots(t *testing.T) {
	for name, spoil := range map[string]func(x *Snapshot){
		"unknown member":   func(x *Snapshot) { x.Teams[0].Members = append(x.Teams[0].Members, "zed") },
		"ringing unknown":  func(x *Snapshot) { x.callState("c1").Ringing = "zed" },
		"unknown deadline": func(x *Snapshot) { x.Deadlines = append(x.Deadlines, Deadline{Kind: "ring", Call: "c9"}) },
		"bad config":       func(x *Snapshot) { x.Config.RingTimeout = 0 },
		"repeated call":    func(x *Snapshot) { x.Calls = append(x.Calls, x.Calls[0]) },

		"ringing call with no ring deadline": func(x *Snapshot) { x.dropDeadline("ring", "c1", "") },
		"ring deadline later than RingUntil": func(x *Snapshot) {
			for i, d := range x.Deadlines {
				if d.Kind == "ring" {
					x.Deadlines[i].At = d.At.Add(time.Minute)
				}
			}
		},
		"RingUntil beyond the ring timeout": func(x *Snapshot) {
			x.callState("c1").RingUntil = x.Now.Add(time.Hour)
			x.Deadlines = slices.DeleteFunc(x.Deadlines, func(d Deadline) bool { return d.Kind == "ring" })
			x.Deadlines = append(x.Deadlines, Deadline{Kind: "ring", Call: "c1"})
		},
		"hold deadline on a routing call":   func(x *Snapshot) { x.Deadlines = append(x.Deadlines, Deadline{Kind: "hold", Call: "c5"}) },
		"hold deadline on a talking call":   func(x *Snapshot) { x.Deadlines = append(x.Deadlines, Deadline{Kind: "hold", Call: "c2"}) },
		"hold deadline on a voicemail call": func(x *Snapshot) { x.Deadlines = append(x.Deadlines, Deadline{Kind: "hold", Call: "c6"}) },
		"hold deadline missing":             func(x *Snapshot) { x.dropDeadline("hold", "c3", "") },
		"wrap-up with no deadline":          func(x *Snapshot) { x.dropDeadline("wrap_up", "", "dee") },
		"wrap-up beyond its period": func(x *Snapshot) {
			x.teammateState("dee").Presence.WrapUpUntil = x.Now.Add(time.Hour)
			x.Deadlines = slices.DeleteFunc(x.Deadlines, func(d Deadline) bool { return d.Kind == "wrap_up" })
			x.Deadlines = append(x.Deadlines, Deadline{Kind: "wrap_up", Teammate: "dee"})
		},
		"ended call with no forget deadline": func(x *Snapshot) { x.dropDeadline("forget", "c4", "") },
		"ended call with no end time":        func(x *Snapshot) { x.callState("c4").EndedAt = time.Time{} },
		"deadlines centuries before now": func(x *Snapshot) {
			x.callState("c1").RingUntil = x.Now.AddDate(-200, 0, 0)
			for i := range x.Deadlines {
				x.Deadlines[i].At = time.Time{}
			}
		},
		"exclusion centuries before now": func(x *Snapshot) {
			x.callState("c3").Excluded[0].Until = time.Date(1826, 1, 1, 0, 0, 0, 0, time.UTC)
			for i := range x.Deadlines {
				x.Deadlines[i].At = time.Time{}
			}
		},
		"exclusion with no deadline": func(x *Snapshot) { x.dropDeadline("exclusion", "c3", "cy") },
		"ringing nobody":             func(x *Snapshot) { x.callState("c1").Ringing = ""; x.dropDeadline("ring", "c1", "") },
		"ringing an Away non-member": func(x *Snapshot) { x.callState("c1").Ringing = "fay" },
		"ringing an Active non-member": func(x *Snapshot) {
			x.teammateState("fay").Presence = available()
			x.callState("c1").Ringing = "fay"
		},
		"talking with no agent": func(x *Snapshot) { x.callState("c2").Agent = "" },
		"teammate over the call limit": func(x *Snapshot) {
			x.callState("c1").Ringing = "ben"
		},
		"two agents' worth on one teammate": func(x *Snapshot) { x.callState("c2").Agent = "dee" },
		"two waiting calls with one queue number": func(x *Snapshot) {
			c := *x.callState("c5")
			c.ID, c.Stage, c.Team, c.QueueSeq, c.QueuedAt = "c7", eventlog.StageQueued, "sup", x.callState("c3").QueueSeq, x.Now
			x.Calls = append(x.Calls, c)
			x.Deadlines = append(x.Deadlines, Deadline{Kind: "hold", Call: "c7"})
		},
		"queue counter below a call's": func(x *Snapshot) { x.QueueSeq = 1 },
		"waiting call with no number":  func(x *Snapshot) { x.callState("c3").QueueSeq = 0 },
		"queued call without a team":   func(x *Snapshot) { x.callState("c3").Team = "" },
		"call placed in the future":    func(x *Snapshot) { x.callState("c5").PlacedAt = x.Now.Add(time.Hour) },
		"now out of range":             func(x *Snapshot) { x.Now = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC) },
		"non-UTF-8 call ID":            func(x *Snapshot) { x.callState("c5").ID = "\xff" },
		"non-UTF-8 teammate name":      func(x *Snapshot) { x.teammateState("fay").Name = "\xff" },
		"last assigned after now":      func(x *Snapshot) { x.teammateState("fay").LastAssigned = x.Now.Add(time.Hour) },
		"wrap-up end while Active": func(x *Snapshot) {
			x.teammateState("fay").Presence = presence.State{Channel: presence.ChannelAll, Status: presence.Active,
				ClientOpen: true, WrapUpUntil: x.Now.Add(time.Second)}
		},
		"ended call still excluding": func(x *Snapshot) {
			x.callState("c4").Excluded = []Exclusion{{Teammate: "ana", Until: x.Now.Add(time.Minute)}}
			x.Deadlines = append(x.Deadlines, Deadline{Kind: "exclusion", Call: "c4", Teammate: "ana"})
		},
		"agent on a routing call": func(x *Snapshot) { x.callState("c5").Agent = "fay" },
		"huge sequence numbers":   func(x *Snapshot) { x.EventSeq = 1<<64 - 1 },
	} {
		t.Run(name, func(t *testing.T) {
			x := restoreFixture(t)
			spoil(&x)
			_, err := Restore(x)
			require.Error(t, err)
			require.True(t, errorsIsAny(err, ErrInvalidArgument, ErrInvalidConfig), "%v", err)
		})
	}
	t.Run("the fixture itself restores", func(t *testing.T) {
		x := restoreFixture(t)
		e, err := Restore(x)
		require.NoError(t, err)
		require.True(t, e.Ready().Empty())
		require.NoError(t, checkInvariants(e))
	})
}

// A snapshot in which a waiting call has a teammate who may take it is the
// one inconsistency Restore repairs rather than refuses: the restored engine
// offers the call at once, as the engine would have, and the offer is in
// its Ready.
// Rule: AS12
func TestRestoreRestoresTheDispatchInvariant(t *testing.T) {
	x := restoreFixture(t)
	x.callState("c3").Excluded = nil // cy may take c3 now
	x.dropDeadline("exclusion", "c3", "cy")
	e, err := Restore(x)
	require.NoError(t, err)
	require.NoError(t, checkInvariants(e))
	r := e.Ready()
	require.Len(t, r.Effects, 1)
	require.Equal(t, Effect{Kind: Ring, Call: "c3", Teammate: "cy", Team: "sup", Until: x.Now.Add(30 * time.Second)}, r.Effects[0])
	require.Equal(t, x.EventSeq+1, r.Events[0].Seq)
}

// fuzzEngineFrom builds an engine from a FuzzEngine input, ignoring
// errors: a source of valid snapshots.
func fuzzEngineFrom(data []byte, limit int) *Engine {
	d := &fuzzBytes{data: data}
	cfg, setup := fuzzHeader(d)
	e, err := New(cfg)
	if err != nil {
		panic(err)
	}
	for _, cmd := range setup {
		_ = e.Apply(cmd)
	}
	for n := 0; d.more() && n < limit; n++ {
		_ = e.Apply(fuzzCommand(d, e))
	}
	e.Ready()
	return e
}

// mutateSnapshot changes a snapshot by a byte script: pairs of a selector
// and a value, each changing one field of one item to something nearby
// that is often inconsistent.
func mutateSnapshot(x *Snapshot, mut []byte) {
	mates := []pb.TeammateID{"", "ana", "ben", "cy", "dee", "eve", "zed"}
	shift := func(v byte) time.Duration { return time.Duration(int8(v)) * 7 * time.Second }
	for i := 0; i+1 < len(mut); i += 2 {
		sel, v := mut[i], mut[i+1]
		var c *CallState
		if len(x.Calls) > 0 {
			c = &x.Calls[int(v>>4)%len(x.Calls)]
		}
		var tm *TeammateState
		if len(x.Teammates) > 0 {
			tm = &x.Teammates[int(v>>4)%len(x.Teammates)]
		}
		mate := mates[int(v)%len(mates)]
		switch sel % 24 {
		case 0:
			if c != nil {
				c.Stage = eventlog.Stage(v % 9)
			}
		case 1:
			if c != nil {
				c.Ringing = mate
			}
		case 2:
			if c != nil {
				c.Agent = mate
			}
		case 3:
			if c != nil {
				c.Team = [4]pb.TeamID{"", "t0", "t1", "zz"}[v&3]
			}
		case 4:
			if c != nil {
				c.QueueSeq = uint64(v & 15)
			}
		case 5:
			if c != nil {
				c.Ended = !c.Ended
			}
		case 6:
			if c != nil {
				c.RingUntil = c.RingUntil.Add(shift(v))
			}
		case 7:
			if c != nil {
				c.QueuedAt = c.QueuedAt.Add(shift(v))
			}
		case 8:
			if c != nil && len(c.Excluded) > 0 {
				c.Excluded = c.Excluded[1:]
			} else if c != nil {
				c.Excluded = append(c.Excluded, Exclusion{Teammate: mate, Until: x.Now.Add(shift(v))})
			}
		case 9:
			if n := len(x.Deadlines); n > 0 {
				j := int(v) % n
				x.Deadlines = slices.Delete(x.Deadlines, j, j+1)
			}
		case 10:
			if n := len(x.Deadlines); n > 1 {
				j, k := int(v)%n, int(v>>4)%n
				x.Deadlines[j], x.Deadlines[k] = x.Deadlines[k], x.Deadlines[j]
			}
		case 11:
			if n := len(x.Deadlines); n > 0 {
				x.Deadlines[int(v)%n].At = time.Time{}
			}
		case 12:
			if n := len(x.Deadlines); n > 0 && c != nil {
				x.Deadlines = append(x.Deadlines, Deadline{Kind: [5]string{"ring", "hold", "forget", "exclusion", "wrap_up"}[v%5],
					Call: c.ID, Teammate: mate})
			}
		case 13:
			if tm != nil {
				tm.Presence.Status = presence.Status(v % 3)
			}
		case 14:
			if tm != nil {
				tm.Presence.Channel = presence.Channel(v % 4)
			}
		case 15:
			if tm != nil {
				tm.Presence.ClientOpen = v&1 != 0
			}
		case 16:
			if tm != nil {
				tm.Presence.WrapUpUntil = x.Now.Add(shift(v))
			}
		case 17:
			if tm != nil && len(tm.Teams) > 0 {
				tm.Teams = tm.Teams[1:]
			}
		case 18:
			x.Now = x.Now.Add(shift(v))
		case 19:
			x.QueueSeq = uint64(v)
		case 20:
			if c != nil {
				c.EndedAt = c.EndedAt.Add(shift(v))
			}
		case 21:
			if c != nil {
				c.PlacedAt = c.PlacedAt.Add(shift(v))
			}
		case 22:
			x.Config.CallLimit = int(v % 3)
		case 23:
			if tm != nil {
				tm.Presence.Status, tm.Presence.Reason = presence.Away, [3]string{presence.ReasonOnACall, presence.ReasonWrapUp, "Lunch"}[v%3]
			}
		}
	}
}

// restoreSeeds are valid snapshots in JSON, taken midway and at the end of
// the FuzzEngine seeds.
func restoreSeeds(t testing.TB) [][]byte {
	var out [][]byte
	for _, seed := range fuzzSeeds() {
		for _, limit := range []int{3, 400} {
			b, err := json.Marshal(fuzzEngineFrom(seed, limit).Snapshot())
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
	}
	return out
}

// runRestoreInput restores a mutated snapshot and drives the result.
// Restore either refuses with a documented sentinel or returns an engine
// that holds every invariant, snapshots to an equal state, and then takes
// commands like any other: no panic, no hang (time steps are bounded and
// so are deadlines), errors documented and changing nothing.
func runRestoreInput(t testing.TB, js, mut, cmds []byte) {
	var x Snapshot
	if json.Unmarshal(js, &x) != nil {
		return
	}
	mutateSnapshot(&x, mut)
	e, err := Restore(x)
	if err != nil {
		if !errors.Is(err, ErrInvalidArgument) && !errors.Is(err, ErrInvalidConfig) {
			t.Fatalf("Restore returned an undocumented error: %v", err)
		}
		return
	}
	if err := checkInvariants(e); err != nil {
		t.Fatalf("Restore accepted a broken state: %v\n%s", err, x)
	}
	e.Ready()
	again, err := Restore(e.Snapshot())
	if err != nil {
		t.Fatalf("the restored engine's own snapshot is refused: %v", err)
	}
	if snapshot(again) != snapshot(e) {
		t.Fatalf("snapshot of a restored engine does not round-trip")
	}
	var log []string
	d := &fuzzBytes{data: cmds}
	for n := 0; d.more() && n < 60; n++ {
		cmd := fuzzCommand(d, e)
		log = append(log, fuzzString(cmd))
		if !cmd.At.Before(e.Now()) && checkTime(cmd.At) == nil {
			if err := e.Advance(cmd.At); err != nil {
				t.Fatalf("%s: Advance: %v", strings.Join(log, "\n"), err)
			}
			e.Ready()
			if err := checkInvariants(e); err != nil {
				t.Fatalf("%s\nafter restoring:\n%s\n%v", strings.Join(log, "\n"), x, err)
			}
		}
		before := snapshot(e)
		err := e.Apply(cmd)
		r := e.Ready()
		if err != nil {
			if !isSentinel(err) {
				t.Fatalf("%s: undocumented error %v", strings.Join(log, "\n"), err)
			}
			if snapshot(e) != before || !r.Empty() {
				t.Fatalf("%s: failed (%v) but changed the state", strings.Join(log, "\n"), err)
			}
		}
		if err := checkInvariants(e); err != nil {
			t.Fatalf("%s\nafter restoring:\n%s\n%v", strings.Join(log, "\n"), x, err)
		}
	}
}

// FuzzRestore mutates valid snapshots (as JSON bytes, and field by field
// through a byte script), restores them and applies commands: Restore
// never panics or lets a broken state in, and a restored engine never
// panics, hangs or breaks an invariant.
// Rule: AS4, AS5, AS7, AS12, PR6, DF5, X4, X5
func FuzzRestore(f *testing.F) {
	for i, js := range restoreSeeds(f) {
		f.Add(js, []byte{}, []byte{0x80 | byte(OpAnswer-1), 0, 0x80, 4, 0, byte(OpAdvance - 1), 0x39, 0, 0, 0})
		f.Add(js, []byte{byte(i), byte(i * 37), 1, 0x12, 9, 3}, []byte{0x80, 2, 0x80, 4, 0x20, byte(OpAdvance - 1), 0x3D, 0, 0, 0})
	}
	f.Fuzz(func(t *testing.T, js, mut, cmds []byte) {
		runRestoreInput(t, js, mut, cmds)
	})
}

// TestRestoreMutations runs the FuzzRestore checks over seeded random
// mutations, so every test run exercises Restore's refusals.
func TestRestoreMutations(t *testing.T) {
	seeds := restoreSeeds(t)
	runs := 1000
	if testing.Short() {
		runs = 200
	}
	for i := range runs {
		mut := make([]byte, 2+2*(i%5))
		cmds := make([]byte, 5*(i%13))
		for j := range mut {
			mut[j] = byte((i*131 + j*71 + i*j*17) >> (j % 3))
		}
		for j := range cmds {
			cmds[j] = byte(i*29 + j*53 + i*j)
		}
		runRestoreInput(t, seeds[i%len(seeds)], mut, cmds)
	}
}

// BenchmarkRestore restores a workspace of 15,000 teammates in one team,
// with 2,000 calls ringing, talking or waiting, from its snapshot:
// rebuilding the trees and running the invariant check.
func BenchmarkRestore(b *testing.B) {
	e, err := New(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	if err := e.AddTeam("sup", "Support", TeamConfig{MaxWait: time.Hour}); err != nil {
		b.Fatal(err)
	}
	for i := range 15000 {
		id := pb.TeammateID(fmt.Sprintf("tm%05d", i))
		if err := errors.Join(e.AddTeammate(t0, id, string(id), available()), e.AddMember(t0, "sup", id)); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 2000 {
		id := pb.CallID(fmt.Sprintf("c%04d", i))
		if err := e.Arrive(t0.Add(time.Second), id, "sup"); err != nil {
			b.Fatal(err)
		}
		if i%2 == 0 {
			v, _ := e.Call(id)
			if err := e.Answer(t0.Add(time.Second), id, v.Ringing); err != nil {
				b.Fatal(err)
			}
		}
	}
	e.Ready()
	s := e.Snapshot()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Restore(s); err != nil {
			b.Fatal(err)
		}
	}
}
