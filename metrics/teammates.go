package metrics

import (
	"slices"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/presence"
)

// mate is a teammate's live state: 128 bytes, two cache lines, the fields
// that every call reads or updates first.
type mate struct {
	id        pb.TeammateID // the key of the record in Collector.mates
	known     bool          // added and not removed
	removed   bool          // removed while still on a call: dropped when idle
	channel   presence.Channel
	status    presence.Status
	client    bool
	available bool // counted in MT9
	calls     int  // phone calls they are on: answered inbound, or placed outbound
	active    int  // answered inbound calls they are on (MT2)
	ringing   int  // calls ringing for them
	talk      time.Duration
	sole      *team  // the team of teams when it has exactly one, else nil
	fig       figRef // where their figures are in the latest bucket used
	reason    string
	teams     []pb.TeamID
}

// team is a team's live counters.
type team struct {
	inQueue     int
	active      int
	inVoicemail int
	voicemails  int
	callbacks   int
	unreached   int
	available   int
	talk        time.Duration
	fig         figRef // where its figures are in the latest bucket used
}

// chanPoint is a change of a teammate's channel availability (rule MT13);
// channel 0 means "not a teammate" (before TeammateAdded or after
// TeammateRemoved).
type chanPoint struct {
	at time.Time
	ch presence.Channel
}

// findMate returns teammate id's live state, or nil if there is none.
func (c *Collector) findMate(id pb.TeammateID) *mate {
	if c.lastMate != nil && c.lastMateID == id {
		return c.lastMate
	}
	m := c.mates[id]
	if m != nil {
		c.lastMateID, c.lastMate = id, m
	}
	return m
}

// mate returns teammate id's live state, created if new.
func (c *Collector) mate(id pb.TeammateID) *mate {
	return c.newMate(id, c.findMate(id))
}

// mateFromMap is mate without trying the one-entry cache first: comparing
// with its ID costs more than it saves when it seldom matches (the
// teammate rung changes at nearly every call).
func (c *Collector) mateFromMap(id pb.TeammateID) *mate {
	m := c.mates[id]
	if m != nil {
		c.lastMateID, c.lastMate = id, m
	}
	return c.newMate(id, m)
}

// newMate returns m, the state of teammate id, or creates it if m is nil.
func (c *Collector) newMate(id pb.TeammateID, m *mate) *mate {
	if m == nil {
		m = &mate{id: id}
		c.mates[id] = m
		c.lastMateID, c.lastMate = id, m
	}
	return m
}

// team returns team id's live counters, created if new. Teams are never
// forgotten, so a pointer to them stays valid.
func (c *Collector) team(id pb.TeamID) *team {
	if c.lastTeam != nil && c.lastTeamID == id {
		return c.lastTeam
	}
	t, ok := c.teams[id]
	if !ok {
		t = &team{}
		c.teams[id] = t
	}
	c.lastTeamID, c.lastTeam = id, t
	return t
}

// forTeam returns the team's counters, or a scratch value for no team.
func (c *Collector) forTeam(id pb.TeamID) *team {
	if id == "" {
		c.scratch = team{}
		return &c.scratch
	}
	return c.team(id)
}

// refresh recomputes whether m counts as available for phone (rule MT9):
// on a phone channel and either Active with an active phone client, or on
// a phone call now.
func (c *Collector) refresh(m *mate) {
	now := m.known && m.channel.TakesPhone() &&
		((m.status == presence.Active && m.client) || m.calls > 0)
	if now == m.available {
		return
	}
	d := 1
	if !now {
		d = -1
	}
	m.available = now
	c.available += d
	if m.sole != nil {
		// Most teammates are in one team: skip reading the list.
		m.sole.available += d
		return
	}
	for _, t := range m.teams {
		c.team(t).available += d
	}
}

// dropIfGone forgets a removed teammate once no call involves them.
func (c *Collector) dropIfGone(id pb.TeammateID, m *mate) {
	if m.removed && m.calls == 0 && m.ringing == 0 {
		delete(c.mates, id)
		if c.lastMateID == id {
			c.lastMateID, c.lastMate = "", nil
		}
	}
}

// recordChannel appends a change point to the teammate's channel history,
// dropping points older than the retention (keeping the last one before
// it, which still answers for the instants after it).
func (c *Collector) recordChannel(id pb.TeammateID, at time.Time, ch presence.Channel) {
	h := c.channels[id]
	if n := len(h); n > 0 && h[n-1].ch == ch {
		return
	}
	if c.cfg.Retention > 0 && len(h) > 1 {
		horizon := at.Add(-c.cfg.Retention)
		i := 0
		for i+1 < len(h) && !h[i+1].at.After(horizon) {
			i++
		}
		if i > 0 {
			h = slices.Delete(h, 0, i)
		}
	}
	c.channels[id] = append(h, chanPoint{at: at, ch: ch})
}

// ChannelAt returns the channel availability teammate m had at instant t
// (rule MT13): the value set by the last TeammateAdded or ChannelChanged
// at or before t. It reports false when m was not a teammate at t, or t
// is older than the retained history. It uses event times only.
func (c *Collector) ChannelAt(m pb.TeammateID, t time.Time) (presence.Channel, bool) {
	h := c.channels[m]
	i, found := slices.BinarySearchFunc(h, t, func(p chanPoint, t time.Time) int {
		return p.at.Compare(t)
	})
	// The point in force at t is the last one at or before t.
	if found {
		for i+1 < len(h) && h[i+1].at.Equal(t) {
			i++
		}
	} else {
		i--
	}
	if i < 0 || h[i].ch == 0 {
		return 0, false
	}
	return h[i].ch, true
}
