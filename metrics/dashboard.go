package metrics

import (
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/presence"
)

// Dashboard is the live view of rule MT15 at one instant: one value a host
// can serialise (JSON) and show. Talk times accumulate from the first
// observed event; for "today" use [Collector.Report] over today.
type Dashboard struct {
	// At is the instant the view describes.
	At time.Time `json:"at"`
	// InQueue counts inbound calls waiting in a team queue now, ringing
	// included (rule MT1).
	InQueue int `json:"in_queue"`
	// Active counts inbound calls answered and ongoing now, talking or on
	// hold placed by a teammate (rule MT2).
	Active int `json:"active"`
	// InVoicemail counts calls in voicemail now.
	InVoicemail int `json:"in_voicemail"`
	// Voicemails counts calls with a recorded voicemail, since the first
	// observed event.
	Voicemails int `json:"voicemails"`
	// Callbacks counts calls with a callback request, since the first
	// observed event.
	Callbacks int `json:"callbacks"`
	// CallbacksUnreached counts the callbacks that did not reach the
	// customer when called back (CallbackUnreached), since the first
	// observed event; each is also in Callbacks.
	CallbacksUnreached int `json:"callbacks_unreached"`
	// AvailableForPhone counts teammates available for phone calls or on
	// one now (rule MT9).
	AvailableForPhone int `json:"available_for_phone"`
	// TalkTime is all teammates' talk time, ongoing calls up to At
	// included (rule MT12 summed).
	TalkTime time.Duration `json:"talk_time"`
	// Teams breaks the counts down by team.
	Teams map[pb.TeamID]TeamView `json:"teams"`
	// Teammates shows each teammate.
	Teammates map[pb.TeammateID]TeammateView `json:"teammates"`
}

// TeamView is one team's row of the live dashboard. A call counts for the
// team of its current (or last) queue segment; a teammate for every team
// they are a member of.
type TeamView struct {
	InQueue            int `json:"in_queue"`
	Active             int `json:"active"`
	InVoicemail        int `json:"in_voicemail"`
	Voicemails         int `json:"voicemails"`
	Callbacks          int `json:"callbacks"`
	CallbacksUnreached int `json:"callbacks_unreached"`
	AvailableForPhone  int `json:"available_for_phone"`
	// TalkTime is the time teammates talked on calls answered in this
	// team, ongoing calls included (rule MT11).
	TalkTime time.Duration `json:"talk_time"`
}

// TeammateView is one teammate's row of the live dashboard.
type TeammateView struct {
	// Channel is the channel availability now (rule MT13); zero for a
	// teammate seen on calls only.
	Channel      presence.Channel `json:"channel,omitempty"`
	Status       presence.Status  `json:"status,omitempty"`
	Reason       string           `json:"reason,omitempty"`
	ClientActive bool             `json:"client_active"`
	// AvailableForPhone: on a phone channel and either Active with an
	// active phone client, or on a phone call (rule MT9).
	AvailableForPhone bool `json:"available_for_phone"`
	// ActiveCalls counts the answered inbound calls they are on (rule MT2).
	ActiveCalls int `json:"active_calls"`
	// OnCall is whether they are on any phone call, outbound included.
	OnCall bool `json:"on_call"`
	// Ringing is whether a call is ringing for them.
	Ringing bool `json:"ringing"`
	// TalkTime is the "Teammate talk time", ongoing calls up to the
	// dashboard's instant included (rule MT12).
	TalkTime time.Duration `json:"talk_time"`
}

// Dashboard returns the live view at now. A now before the latest
// observed event is taken as that event's time, so talk times never run
// backwards; the zero time means the latest event's time. It does not
// change the collector; it costs O(teams + teammates + calls in progress).
func (c *Collector) Dashboard(now time.Time) Dashboard {
	if now.Before(c.lastAt) {
		now = c.lastAt
	}
	d := Dashboard{
		At:                 now,
		InQueue:            c.inQueue,
		Active:             c.active,
		InVoicemail:        c.inVoicemail,
		Voicemails:         c.voicemails,
		Callbacks:          c.callbacks,
		CallbacksUnreached: c.unreached,
		AvailableForPhone:  c.available,
		TalkTime:           c.talk,
		Teams:              make(map[pb.TeamID]TeamView, len(c.teams)),
		Teammates:          make(map[pb.TeammateID]TeammateView, len(c.mates)),
	}
	for id, t := range c.teams {
		d.Teams[id] = TeamView{
			InQueue: t.inQueue, Active: t.active, InVoicemail: t.inVoicemail,
			Voicemails: t.voicemails, Callbacks: t.callbacks, CallbacksUnreached: t.unreached,
			AvailableForPhone: t.available, TalkTime: t.talk,
		}
	}
	for id, m := range c.mates {
		d.Teammates[id] = TeammateView{
			Channel: m.channel, Status: m.status, Reason: m.reason, ClientActive: m.client,
			AvailableForPhone: m.available, ActiveCalls: m.active, OnCall: m.calls > 0,
			Ringing: m.ringing > 0, TalkTime: m.talk,
		}
	}
	for _, cl := range c.calls {
		if cl.stage != stTalking {
			continue
		}
		ongoing := now.Sub(cl.talkSince)
		d.TalkTime = satAdd(d.TalkTime, ongoing)
		if cl.talkTeam != "" {
			tv := d.Teams[cl.talkTeam]
			tv.TalkTime = satAdd(tv.TalkTime, ongoing)
			d.Teams[cl.talkTeam] = tv
		}
		mv := d.Teammates[cl.mate]
		mv.TalkTime = satAdd(mv.TalkTime, ongoing)
		d.Teammates[cl.mate] = mv
	}
	return d
}
