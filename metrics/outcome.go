package metrics

import (
	"slices"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
)

// end closes a call: it releases the call's live state and records its
// outcome in the window of its end. byCustomer is whether the customer
// hung up.
func (c *Collector) end(cl *call, e *eventlog.Event, byCustomer bool) {
	st := cl.stage
	switch st {
	case stRinging:
		c.endRing(cl)
		c.endSegment(cl, e.At)
	case stQueued:
		c.endSegment(cl, e.At)
	case stTalking:
		c.stopTalk(cl, e.At)
	case stVoicemail:
		c.inVoicemail--
		c.callTeam(cl).inVoicemail--
	}
	c.leave(cl)

	b := c.bucket()
	fs := [...]*acc{&b.all, teamFigs(b, cl.team, cl.teamT), c.mateFigs(b, cl.lastMate, cl.lastM)}
	if cl.dir == pb.Outbound {
		var dur time.Duration
		if cl.custAnswered {
			dur = e.At.Sub(cl.custAt)
		}
		for _, f := range fs {
			if f == nil {
				continue
			}
			f.OutboundEnded++
			if cl.custAnswered {
				// Rule MT14: voicemail picking up counts as answered.
				f.OutboundAnswered++
				if cl.vmPickup {
					f.OutboundVoicemail++
				}
				f.OutboundDuration.add(dur)
			}
		}
		c.releaseCall(e.Call, cl)
		return
	}

	abandoned := byCustomer && (st == stRouting || st == stQueued || st == stRinging ||
		st == stOnHold || (st == stVoicemail && !cl.vmVisitRecorded))
	voicemail := cl.vmRecorded && !(abandoned && st == stVoicemail)
	dur := e.At.Sub(cl.placedAt)
	for _, f := range fs {
		if f == nil {
			continue
		}
		f.InboundEnded++
		f.InboundDuration.add(dur)
		if abandoned {
			f.Abandoned++
			if st == stRinging {
				f.AbandonedRinging++
			}
		} else if cl.answered && !cl.unreached {
			f.Completed++
		}
		if voicemail {
			f.Voicemail++
		}
		if cl.callback {
			f.Callbacks++
		}
		if cl.unreached {
			f.CallbacksUnreached++
		}
		if cl.forward {
			f.ForwardUnanswered++
		}
	}
	if len(cl.noAnswerMates) > 0 || cl.forward {
		b.all.NoAnswer++
		for _, id := range cl.noAnswerMates {
			b.mate(id).NoAnswer++
		}
		for _, id := range cl.noAnswerTeams {
			b.team(id).NoAnswer++
		}
		if cl.forward && cl.team != "" && !slices.Contains(cl.noAnswerTeams, cl.team) {
			b.team(cl.team).NoAnswer++
		}
	}
	if cl.answered {
		d := cl.firstAnswer.Sub(cl.placedAt)
		b.all.AnswerTime.add(d)
		b.all.countWithin(d)
		tf := teamFigs(b, cl.firstTeam, cl.firstT)
		tf.AnswerTime.add(d)
		tf.countWithin(d)
		c.mateFigs(b, cl.firstMate, cl.firstM).AnswerTime.add(d)
	}
	c.releaseCall(e.Call, cl)
}

// mateFigs is b.mate(id), through the figRef of m, the mate that had ID id
// when the call recorded it (nil if none). m may have been dropped since:
// its reference still names id's figures.
func (c *Collector) mateFigs(b *bucket, id pb.TeammateID, m *mate) *acc {
	if m == nil {
		return b.mate(id)
	}
	return b.mateRef(id, &m.fig)
}

// teamFigs is b.team(id), through the figRef of t, the team of id (nil if
// not looked up).
func teamFigs(b *bucket, id pb.TeamID, t *team) *acc {
	if t == nil {
		return b.team(id)
	}
	return b.teamRef(id, &t.fig)
}
