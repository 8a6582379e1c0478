package metrics

import (
	"fmt"
	"slices"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
	"pgregory.net/rapid"
)

// gen simulates a contact center and emits its events in the shape of
// package eventlog's documentation, keeping the truth it needs to check a
// collector: which calls are queued or active, who is available.
type gen struct {
	t      *rapid.T
	now    time.Time
	seq    uint64
	out    []eventlog.Event
	mates  []*gmate
	calls  []*gcall // in progress, in placing order
	ended  []pb.CallID
	nextID int
}

type gmate struct {
	id      pb.TeammateID
	added   bool
	ch      presence.Channel
	st      presence.Status
	reason  string
	client  bool
	teams   [2]bool
	busy    bool // on a call
	ringing bool
}

type gcall struct {
	id      pb.CallID
	dir     pb.Direction
	st      stage
	team    pb.TeamID
	seg     int
	ringing *gmate
	mate    *gmate
	cb      bool // a callback was requested
}

var genTeams = [2]pb.TeamID{"sales", "support"}

func newGen(t *rapid.T) *gen {
	g := &gen{t: t, now: t0}
	for i := range 4 {
		g.mates = append(g.mates, &gmate{id: pb.TeammateID(fmt.Sprintf("m%d", i))})
	}
	return g
}

func (g *gen) emit(e eventlog.Event) {
	g.seq++
	e.Seq, e.At = g.seq, g.now
	g.out = append(g.out, e)
}

func (g *gen) callEv(k eventlog.Kind, c *gcall) eventlog.Event {
	return eventlog.Event{Kind: k, Call: c.id, Direction: c.dir, Team: c.team, Segment: c.seg}
}

func (m *gmate) available() bool {
	return m.added && m.ch.TakesPhone() && ((m.st == presence.Active && m.client) || m.busy)
}

func (m *gmate) free() bool { return m.added && !m.busy && !m.ringing }

func (g *gen) setStatus(m *gmate, st presence.Status, reason string) {
	m.st, m.reason = st, reason
	g.emit(eventlog.Event{Kind: eventlog.StatusChanged, Teammate: m.id, Status: st, Reason: reason})
}

// pick draws one of xs.
func pick[T any](g *gen, label string, xs []T) T {
	return xs[rapid.IntRange(0, len(xs)-1).Draw(g.t, label)]
}

// step advances time and performs one random action that the current
// state allows.
func (g *gen) step() {
	g.now = g.now.Add(time.Duration(rapid.IntRange(0, 90).Draw(g.t, "dt")) * time.Second)
	var acts []func()
	var free []*gmate
	for _, m := range g.mates {
		if m.free() {
			free = append(free, m)
		}
		if !m.added {
			acts = append(acts, func() { g.addMate(m) })
			continue
		}
		acts = append(acts, func() { g.changePresence(m) })
		if m.free() {
			acts = append(acts, func() {
				for i := range m.teams {
					if m.teams[i] {
						m.teams[i] = false
						g.emit(eventlog.Event{Kind: eventlog.MemberRemoved, Teammate: m.id, Team: genTeams[i]})
					}
				}
				m.added = false
				g.emit(eventlog.Event{Kind: eventlog.TeammateRemoved, Teammate: m.id})
			})
		}
	}
	acts = append(acts, g.placeInbound, g.placeInbound)
	if len(free) > 0 {
		acts = append(acts, func() { g.placeOutbound(pick(g, "caller", free)) })
	}
	if len(g.ended) > 0 {
		acts = append(acts, func() {
			g.emit(eventlog.Event{Kind: eventlog.AbandonedAssignment, Call: pick(g, "ended", g.ended)})
		})
	}
	for _, c := range g.calls {
		acts = append(acts, func() { g.advanceCall(c, free) })
	}
	pick(g, "action", acts)()
}

func (g *gen) addMate(m *gmate) {
	m.added = true
	m.ch = pick(g, "channel", []presence.Channel{presence.ChannelAll, presence.ChannelConversations, presence.ChannelPhone})
	m.st, m.reason = presence.Active, ""
	if rapid.Bool().Draw(g.t, "away") {
		m.st, m.reason = presence.Away, "Lunch"
	}
	m.client = rapid.Bool().Draw(g.t, "client")
	g.emit(eventlog.Event{Kind: eventlog.TeammateAdded, Teammate: m.id, Channel: m.ch, Status: m.st, Reason: m.reason, ClientActive: m.client})
	for i := range m.teams {
		if rapid.Bool().Draw(g.t, "member") {
			m.teams[i] = true
			g.emit(eventlog.Event{Kind: eventlog.MemberAdded, Teammate: m.id, Team: genTeams[i]})
		}
	}
}

func (g *gen) changePresence(m *gmate) {
	switch rapid.IntRange(0, 3).Draw(g.t, "presence") {
	case 0:
		m.ch = pick(g, "channel", []presence.Channel{presence.ChannelAll, presence.ChannelConversations, presence.ChannelPhone})
		g.emit(eventlog.Event{Kind: eventlog.ChannelChanged, Teammate: m.id, Channel: m.ch})
	case 1:
		m.client = !m.client
		g.emit(eventlog.Event{Kind: eventlog.ClientChanged, Teammate: m.id, ClientActive: m.client})
	case 2:
		if m.st == presence.Away && m.reason == presence.ReasonWrapUp {
			g.emit(eventlog.Event{Kind: eventlog.WrapUpEnded, Teammate: m.id})
		}
		if m.st == presence.Active {
			g.setStatus(m, presence.Away, "Lunch")
		} else {
			g.setStatus(m, presence.Active, "")
		}
	case 3:
		i := rapid.IntRange(0, 1).Draw(g.t, "team")
		m.teams[i] = !m.teams[i]
		k := eventlog.MemberAdded
		if !m.teams[i] {
			k = eventlog.MemberRemoved
		}
		g.emit(eventlog.Event{Kind: k, Teammate: m.id, Team: genTeams[i]})
	}
}

func (g *gen) newCall(dir pb.Direction) *gcall {
	g.nextID++
	c := &gcall{id: pb.CallID(fmt.Sprintf("c%d", g.nextID)), dir: dir}
	g.calls = append(g.calls, c)
	return c
}

func (g *gen) placeInbound() {
	c := g.newCall(pb.Inbound)
	c.st = stRouting
	g.emit(g.callEv(eventlog.CallPlaced, c))
}

func (g *gen) placeOutbound(m *gmate) {
	c := g.newCall(pb.Outbound)
	c.st, c.mate, m.busy = stDialing, m, true
	e := g.callEv(eventlog.CallPlaced, c)
	e.Teammate = m.id
	g.emit(e)
	g.setStatus(m, presence.Away, presence.ReasonOnACall)
}

func (g *gen) queue(c *gcall, team pb.TeamID) {
	c.st, c.team = stQueued, team
	c.seg++
	g.emit(g.callEv(eventlog.CallQueued, c))
}

func (g *gen) answer(c *gcall, m *gmate) {
	if c.ringing != nil {
		c.ringing.ringing = false
		c.ringing = nil
	}
	c.st, c.mate, m.busy = stTalking, m, true
	e := g.callEv(eventlog.CallAnswered, c)
	e.Teammate = m.id
	g.emit(e)
	g.setStatus(m, presence.Away, presence.ReasonOnACall)
}

// release takes the teammate off the call, with wrap-up or not.
func (g *gen) release(c *gcall) {
	m := c.mate
	if m == nil {
		return
	}
	c.mate, m.busy = nil, false
	if !m.added {
		return
	}
	if rapid.Bool().Draw(g.t, "wrapup") {
		g.emit(eventlog.Event{Kind: eventlog.WrapUpStarted, Teammate: m.id, Deadline: g.now.Add(time.Minute)})
		g.setStatus(m, presence.Away, presence.ReasonWrapUp)
	} else {
		g.setStatus(m, presence.Active, "")
	}
}

func (g *gen) end(c *gcall, k eventlog.Kind, by eventlog.Party) {
	e := g.callEv(k, c)
	e.Stage = map[stage]eventlog.Stage{
		stRouting: eventlog.StageRouting, stQueued: eventlog.StageQueued, stRinging: eventlog.StageRinging,
		stTalking: eventlog.StageTalking, stOnHold: eventlog.StageOnHold, stVoicemail: eventlog.StageVoicemail,
		stDialing: eventlog.StageDialing,
	}[c.st]
	e.By = by
	if c.mate != nil {
		e.Teammate = c.mate.id
	}
	if k == eventlog.CallEndedBeforeAnswer {
		e.By = 0
	}
	if c.ringing != nil {
		c.ringing.ringing = false
		c.ringing = nil
	}
	g.emit(e)
	g.release(c)
	g.calls = slices.DeleteFunc(g.calls, func(x *gcall) bool { return x == c })
	g.ended = append(g.ended, c.id)
}

// callback sometimes turns a waiting call into a callback that keeps its
// place, or ends a callback as unreached, and reports whether it did.
func (g *gen) callback(c *gcall) bool {
	switch {
	case c.dir != pb.Inbound || rapid.IntRange(0, 9).Draw(g.t, "callback") != 0:
		return false
	case !c.cb && (c.st == stQueued || c.st == stRinging):
		c.cb = true
		e := g.callEv(eventlog.CallbackRequested, c)
		e.KeepsPlace = true
		g.emit(e)
		return true
	case c.cb:
		e := g.callEv(eventlog.CallbackUnreached, c)
		if c.mate != nil {
			e.Teammate = c.mate.id
		}
		g.emit(e)
		g.end(c, eventlog.CallEnded, eventlog.BySystem)
		return true
	}
	return false
}

func (g *gen) advanceCall(c *gcall, free []*gmate) {
	party := func() eventlog.Party {
		return pick(g, "by", []eventlog.Party{eventlog.ByCustomer, eventlog.ByTeammate, eventlog.BySystem})
	}
	if g.callback(c) {
		return
	}
	switch c.st {
	case stRouting:
		switch rapid.IntRange(0, 5).Draw(g.t, "routing") {
		case 0, 1:
			g.queue(c, pick(g, "team", genTeams[:]))
		case 2:
			c.st = stVoicemail
			g.emit(g.callEv(eventlog.VoicemailStarted, c))
		case 3:
			c.cb = true
			g.emit(g.callEv(eventlog.CallbackRequested, c))
		case 4:
			g.emit(g.callEv(eventlog.ForwardUnanswered, c))
		case 5:
			g.end(c, eventlog.CallEnded, party())
		}
	case stQueued:
		n := 5
		if len(free) > 0 {
			n = 7
		}
		switch rapid.IntRange(0, n-1).Draw(g.t, "queued") {
		case 0:
			e := g.callEv(eventlog.CallDeflected, c)
			e.Deflection = eventlog.DeflectHoldTimeout
			e.HoldLimit = 5 * time.Minute
			g.emit(e)
			c.st = stRouting
		case 1:
			c.st = stVoicemail
			g.emit(g.callEv(eventlog.VoicemailStarted, c))
		case 2:
			g.end(c, eventlog.CallEndedBeforeAnswer, eventlog.ByCustomer)
		case 3:
			g.end(c, eventlog.CallEnded, party())
		case 4:
			for _, k := range []eventlog.Kind{eventlog.TeammatesAway, eventlog.TeammatesNoClient, eventlog.TeammatesAvailable} {
				e := g.callEv(k, c)
				e.Count = rapid.IntRange(0, 4).Draw(g.t, "count")
				g.emit(e)
			}
		case 5:
			m := pick(g, "offer", free)
			c.st, c.ringing, m.ringing = stRinging, m, true
			e := g.callEv(eventlog.CallOffered, c)
			e.Teammate, e.Deadline = m.id, g.now.Add(30*time.Second)
			g.emit(e)
		case 6:
			m := pick(g, "manual", free)
			e := g.callEv(eventlog.ManualAnswerRequested, c)
			e.Teammate = m.id
			g.emit(e)
			g.answer(c, m)
		}
	case stRinging:
		m := c.ringing
		switch rapid.IntRange(0, 4).Draw(g.t, "ringing") {
		case 4:
			// The engine may send a ringing call to voicemail, which
			// stops the ring without a miss or decline.
			c.st, c.ringing, m.ringing = stVoicemail, nil, false
			g.emit(g.callEv(eventlog.VoicemailStarted, c))
		case 0:
			g.answer(c, m)
		case 1, 2:
			k := eventlog.CallMissed
			e := g.callEv(k, c)
			if rapid.Bool().Draw(g.t, "decline") {
				e.Kind = eventlog.CallDeclined
				e.Decline = pick(g, "cause", []eventlog.DeclineCause{eventlog.DeclineButton, eventlog.DeclineBusy, eventlog.DeclineConnectivity, eventlog.DeclineWentAway})
			}
			e.Teammate = m.id
			g.emit(e)
			c.st, c.ringing, m.ringing = stQueued, nil, false
		case 3:
			g.end(c, eventlog.CallEndedBeforeAnswer, eventlog.ByCustomer)
		}
	case stTalking, stOnHold:
		switch rapid.IntRange(0, 4).Draw(g.t, "active") {
		case 0:
			k, st := eventlog.CallOnHold, stOnHold
			if c.st == stOnHold {
				k, st = eventlog.CallResumed, stTalking
			}
			e := g.callEv(k, c)
			e.Teammate = c.mate.id
			g.emit(e)
			c.st = st
		case 1:
			if c.dir == pb.Inbound {
				e := g.callEv(eventlog.CallTransferred, c)
				e.Team, e.Teammate = pick(g, "to", genTeams[:]), c.mate.id
				g.emit(e)
				g.release(c)
				g.queue(c, e.Team)
				return
			}
			fallthrough
		case 2:
			e := g.callEv(eventlog.TeammateJoined, c)
			e.Teammate = "supervisor"
			g.emit(e)
		default:
			g.end(c, eventlog.CallEnded, party())
		}
	case stVoicemail:
		if rapid.Bool().Draw(g.t, "record") {
			g.emit(g.callEv(eventlog.VoicemailRecorded, c))
			return
		}
		g.end(c, eventlog.CallEnded, party())
	case stDialing:
		if rapid.Bool().Draw(g.t, "pickup") {
			e := g.callEv(eventlog.CustomerAnswered, c)
			e.Teammate, e.Voicemail = c.mate.id, rapid.Bool().Draw(g.t, "vm")
			g.emit(e)
			c.st = stTalking
			return
		}
		g.end(c, eventlog.CallEnded, party())
	}
}

// history draws a whole history.
func history(t *rapid.T) *gen {
	g := newGen(t)
	n := rapid.IntRange(1, 150).Draw(t, "steps")
	for range n {
		g.step()
	}
	return g
}
