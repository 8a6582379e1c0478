package sim

import (
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
)

const (
	declineButton = eventlog.DeclineButton
	byTeammate    = eventlog.ByTeammate
	bySystem      = eventlog.BySystem
)

// drain takes what the engine produced since the last command and acts on
// it: events update the counts, effects schedule the model's reactions.
// The engine reuses the slices, and no command may run while they are
// read, so every reaction goes through the event queue, even one due now.
func (r *runner) drain() {
	rd := r.eng.Ready()
	r.res.Events += len(rd.Events)
	for i := range rd.Events {
		r.onEvent(&rd.Events[i])
	}
	for i := range rd.Effects {
		r.onEffect(&rd.Effects[i])
	}
}

func (r *runner) onEvent(ev *eventlog.Event) {
	switch ev.Kind {
	case eventlog.CallMissed:
		if r.calls[parseCall(ev.Call)].counted {
			r.res.Missed++
		}
	case eventlog.CallDeclined:
		if r.calls[parseCall(ev.Call)].counted {
			r.res.Declined[ev.Decline]++
		}
	case eventlog.StatusChanged:
		class := tmAvailable
		if ev.Status == presence.Away {
			class = tmBreak
			if ev.Reason == presence.ReasonOnACall || ev.Reason == presence.ReasonWrapUp {
				class = tmBusy
			}
		}
		tm := &r.tms[parseTeammate(ev.Teammate)]
		r.nClass[tm.class]--
		r.nClass[class]++
		tm.class = class
	}
}

func (r *runner) onEffect(ef *assign.Effect) {
	switch ef.Kind {
	case assign.Ring:
		ci, ti := parseCall(ef.Call), parseTeammate(ef.Teammate)
		c := &r.calls[ci]
		c.ringTm = ti
		c.ringGen++
		if ci == r.probe {
			r.probeRang = true
		}
		if c.counted {
			r.res.Rings++
		}
		r.react(ci, ti, c.ringGen, ef)
	case assign.StopRinging:
		c := &r.calls[parseCall(ef.Call)]
		if c.ringTm == parseTeammate(ef.Teammate) {
			c.ringTm = -1
		}
	case assign.Deflect:
		ci := parseCall(ef.Call)
		c := &r.calls[ci]
		if c.stage == csWaiting {
			r.waiting--
		}
		c.stage = csDeflected
		if c.counted {
			r.res.Deflected[ef.Deflection]++
		}
		// The host's deflection path (voicemail, a message) is out of the
		// model: the call ends there.
		r.q.push(event{at: r.now, kind: evDeflected, call: ci})
	}
}

// react schedules the teammate's reaction to a ring: an answer or a
// Decline after a delay, or nothing at all, so the engine records a miss
// at the deadline. Under auto-answer the answer is immediate and Decline
// does not exist.
func (r *runner) react(ci, ti int32, gen uint32, ef *assign.Effect) {
	ev := event{at: r.now, kind: evAnswer, call: ci, tm: ti, gen: gen}
	if !ef.AutoAnswer {
		u := r.teammates.Float64()
		if u < r.cfg.PMiss {
			return
		}
		if u < r.cfg.PMiss+r.cfg.PDecline {
			ev.kind = evDecline
		}
		ev.at += exp(r.teammates, r.cfg.AnswerDelay)
		if ev.at >= int64(ef.Until.Sub(Epoch)) {
			return // too slow: the ring times out first
		}
	}
	r.q.push(ev)
}
