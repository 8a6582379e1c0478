package demo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/telephony"
)

// breakReason is the away reason of a teammate's break.
const breakReason = "Break"

// setup adds the team and its teammates, keeping those that exist. It
// waits for the node to lead, trying again every second.
func (d *Demo) setup(ctx context.Context, node Driver) error {
	online := presence.State{Channel: presence.ChannelAll, Status: presence.Active, ClientOpen: true}
	cmds := []assign.Command{{Op: assign.OpAddTeam, Team: d.cfg.Team, Name: d.cfg.TeamName, TeamConfig: d.cfg.TeamConfig}}
	for _, name := range names[:d.cfg.Teammates] {
		id := mateID(name)
		d.mates[id] = &mate{id: id}
		cmds = append(cmds,
			assign.Command{Op: assign.OpAddTeammate, Teammate: id, Name: name, Presence: online},
			assign.Command{Op: assign.OpAddMember, Team: d.cfg.Team, Teammate: id},
			// After a restart a teammate may still be on a break.
			assign.Command{Op: assign.OpSetStatus, Teammate: id, Status: presence.Active})
	}
	for _, cmd := range cmds {
		for {
			err := d.do(ctx, node, cmd)
			if err == nil || errors.Is(err, assign.ErrDuplicateTeam) || errors.Is(err, assign.ErrDuplicateTeammate) ||
				errors.Is(err, assign.ErrDuplicateMember) {
				break
			}
			if !errors.Is(err, replica.ErrNotLeader) && ctx.Err() == nil {
				return fmt.Errorf("demo: setting up: %v: %w", cmd.Op, err)
			}
			// Not the leader (yet): try again in a second.
			t := d.cfg.Clock.Timer(time.Second)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		}
	}
	d.cfg.Logger.Info("demo running", "team", d.cfg.Team, "teammates", d.cfg.Teammates, "calls_per_hour", d.cfg.Rate)
	return nil
}

// mateID is the teammate ID for a name: "ana" for "Ana".
func mateID(name string) pb.TeammateID { return pb.TeammateID(strings.ToLower(name)) }

// interarrival is the mean time between calls.
func (d *Demo) interarrival() time.Duration {
	return time.Duration(float64(time.Hour) / d.cfg.Rate)
}

// exp draws an exponential time of the given mean.
func (d *Demo) exp(mean time.Duration) time.Duration {
	return time.Duration(d.rng.ExpFloat64() * float64(mean))
}

// uniform draws a time uniformly in [lo, hi].
func (d *Demo) uniform(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(d.rng.Float64()*float64(hi-lo))
}

// arrive places the next call and schedules the one after, and the
// caller's patience.
func (d *Demo) arrive(ctx context.Context, node Driver, now time.Time) {
	d.sched.push(now.Add(d.exp(d.interarrival())), d.arrive)
	d.n++
	id := pb.CallID(fmt.Sprintf("%s-%d", d.tag, d.n))
	// Draw the patience before sending, so the draws do not depend on
	// what the engine answers.
	patience := d.exp(d.cfg.Patience)
	if d.do(ctx, node, assign.Command{Op: assign.OpArrive, Call: id, Team: d.cfg.Team}) != nil {
		return
	}
	d.count(func(s *Stats) { s.Calls++ })
	d.calls[id] = &call{}
	if d.cfg.Patience > 0 {
		d.sched.push(now.Add(patience), func(ctx context.Context, node Driver, now time.Time) {
			if c, ok := d.calls[id]; ok && c.state == waiting {
				d.count(func(s *Stats) { s.HungUp++ })
				d.endCall(ctx, node, id, eventlog.ByCustomer)
			}
		})
	}
}

// handleEffects takes the pending effects and reacts to each.
func (d *Demo) handleEffects() {
	d.mu.Lock()
	pending := d.pending
	d.pending = nil
	d.mu.Unlock()
	for _, it := range pending {
		if it.reconcile {
			d.reconcile(it.rings)
			continue
		}
		switch it.ef.Kind {
		case assign.Ring:
			d.ring(it.ef)
		case assign.StopRinging:
			d.stopRing(ring{it.ef.Call, it.ef.Teammate})
		case assign.Deflect:
			d.deflected(it.ef.Call)
		}
	}
}

// reconcile forgets the rings a new leader's list does not name and
// takes those it names as rings (ring ignores those it knows).
func (d *Demo) reconcile(rings []telephony.Ring) {
	listed := make(map[ring]bool, len(rings))
	for _, r := range rings {
		listed[ring{r.Call, r.Teammate}] = true
	}
	for r := range d.rings {
		if !listed[r] {
			d.stopRing(r)
		}
	}
	for _, r := range rings {
		d.ring(r.Effect())
	}
}

// ring is a teammate's phone ringing: they will answer, decline, or let it
// ring out.
func (d *Demo) ring(ef assign.Effect) {
	m, ok := d.mates[ef.Teammate]
	if !ok {
		return // not one of ours
	}
	r := ring{ef.Call, ef.Teammate}
	if _, live := d.rings[r]; live {
		return // a reconcile repeating a ring we know
	}
	d.gen++
	gen := d.gen
	d.rings[r] = gen
	m.ringing = ef.Call
	now := d.cfg.Clock.Now()
	u := d.rng.Float64()
	delay := d.uniform(d.cfg.AnswerMin, d.cfg.AnswerMax)
	current := func() bool { g, ok := d.rings[r]; return ok && g == gen }
	switch {
	case ef.AutoAnswer:
		d.sched.push(now, func(ctx context.Context, node Driver, now time.Time) {
			if current() {
				d.answer(ctx, node, r, now)
			}
		})
	case u < d.cfg.PMiss || !now.Add(delay).Before(ef.Until):
		d.count(func(s *Stats) { s.LetRing++ }) // the engine times the ring out
	case u < d.cfg.PMiss+d.cfg.PDecline:
		d.sched.push(now.Add(delay), func(ctx context.Context, node Driver, now time.Time) {
			if !current() {
				return
			}
			d.stopRing(r)
			if d.do(ctx, node, assign.Command{Op: assign.OpDecline, Call: r.call, Teammate: r.mate, Decline: eventlog.DeclineButton}) == nil {
				d.count(func(s *Stats) { s.Declined++ })
			}
		})
	default:
		d.sched.push(now.Add(delay), func(ctx context.Context, node Driver, now time.Time) {
			if current() {
				d.answer(ctx, node, r, now)
			}
		})
	}
}

// answer connects the call and schedules its end.
func (d *Demo) answer(ctx context.Context, node Driver, r ring, now time.Time) {
	d.stopRing(r)
	talk := d.uniform(d.cfg.TalkMin, d.cfg.TalkMax)
	byMate := d.rng.IntN(2) == 0
	if d.do(ctx, node, assign.Command{Op: assign.OpAnswer, Call: r.call, Teammate: r.mate}) != nil {
		return
	}
	d.count(func(s *Stats) { s.Answered++ })
	c, ok := d.calls[r.call]
	if !ok { // a call someone else placed
		c = &call{}
		d.calls[r.call] = c
	}
	c.state, c.mate = talking, r.mate
	d.mates[r.mate].talking = r.call
	by := eventlog.ByCustomer
	if byMate {
		by = eventlog.ByTeammate
	}
	d.sched.push(now.Add(talk), func(ctx context.Context, node Driver, now time.Time) {
		d.endCall(ctx, node, r.call, by)
	})
}

// stopRing forgets a ring.
func (d *Demo) stopRing(r ring) {
	delete(d.rings, r)
	if m, ok := d.mates[r.mate]; ok && m.ringing == r.call {
		m.ringing = ""
	}
}

// deflected sends a deflected call to voicemail: the caller leaves a
// message after a few seconds and hangs up.
func (d *Demo) deflected(id pb.CallID) {
	c, ok := d.calls[id]
	if !ok || c.state != waiting {
		return
	}
	c.state = voicemail
	now := d.cfg.Clock.Now()
	d.sched.push(now, func(ctx context.Context, node Driver, now time.Time) {
		if d.do(ctx, node, assign.Command{Op: assign.OpVoicemail, Call: id}) != nil {
			d.endCall(ctx, node, id, eventlog.BySystem)
			return
		}
		d.count(func(s *Stats) { s.Voicemails++ })
		d.sched.push(now.Add(d.uniform(3*time.Second, 10*time.Second)), func(ctx context.Context, node Driver, now time.Time) {
			_ = d.do(ctx, node, assign.Command{Op: assign.OpRecordVoicemail, Call: id})
			d.endCall(ctx, node, id, eventlog.ByCustomer)
		})
	})
}

// endCall ends a call and frees its teammate.
func (d *Demo) endCall(ctx context.Context, node Driver, id pb.CallID, by eventlog.Party) {
	c, ok := d.calls[id]
	if !ok || c.state == ended {
		return
	}
	_ = d.do(ctx, node, assign.Command{Op: assign.OpEndCall, Call: id, By: by})
	c.state = ended
	if m, ok := d.mates[c.mate]; ok && m.talking == id {
		m.talking = ""
	}
	delete(d.calls, id)
}

// scheduleBreak plans a teammate's next break.
func (d *Demo) scheduleBreak(now time.Time, m *mate) {
	if d.cfg.AwayRate < 0 {
		return
	}
	mean := time.Duration(float64(time.Hour) / d.cfg.AwayRate)
	d.sched.push(now.Add(d.exp(mean)), func(ctx context.Context, node Driver, now time.Time) {
		d.goAway(ctx, node, now, m)
	})
}

// goAway starts a break, or waits for the teammate's call to end first.
func (d *Demo) goAway(ctx context.Context, node Driver, now time.Time, m *mate) {
	if m.talking != "" {
		d.sched.push(now.Add(10*time.Second), func(ctx context.Context, node Driver, now time.Time) {
			d.goAway(ctx, node, now, m)
		})
		return
	}
	length := d.exp(d.cfg.AwayTime)
	if d.do(ctx, node, assign.Command{Op: assign.OpSetStatus, Teammate: m.id, Status: presence.Away, Reason: breakReason}) != nil {
		d.scheduleBreak(now, m)
		return
	}
	d.count(func(s *Stats) { s.Breaks++ })
	d.sched.push(now.Add(length), func(ctx context.Context, node Driver, now time.Time) {
		_ = d.do(ctx, node, assign.Command{Op: assign.OpSetStatus, Teammate: m.id, Status: presence.Active})
		d.scheduleBreak(now, m)
	})
}
