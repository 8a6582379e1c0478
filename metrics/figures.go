package metrics

import "time"

// Durations summarises measured durations: how many, their sum, the
// shortest and the longest. The zero value is empty. Total saturates at
// the largest time.Duration (about 292 years) instead of wrapping; so do
// every talk time of the package.
type Durations struct {
	Count int           `json:"count"`
	Total time.Duration `json:"total"`
	Min   time.Duration `json:"min"`
	Max   time.Duration `json:"max"`
}

// Mean returns Total/Count, or 0 when empty.
func (d Durations) Mean() time.Duration {
	if d.Count == 0 {
		return 0
	}
	return d.Total / time.Duration(d.Count)
}

func (d *Durations) add(x time.Duration) {
	if d.Count == 0 || x < d.Min {
		d.Min = x
	}
	if d.Count == 0 || x > d.Max {
		d.Max = x
	}
	d.Count++
	d.Total = satAdd(d.Total, x)
}

func (d *Durations) merge(o Durations) {
	if o.Count == 0 {
		return
	}
	if d.Count == 0 || o.Min < d.Min {
		d.Min = o.Min
	}
	if d.Count == 0 || o.Max > d.Max {
		d.Max = o.Max
	}
	d.Count += o.Count
	d.Total = satAdd(d.Total, o.Total)
}

// Figures are the windowed call metrics, for the workspace, one team or
// one teammate (see [Report] for how calls are attributed). Counts of
// calls count each call once; the categories overlap where the rules do
// (a call missed by one teammate and answered by another is both
// Completed and NoAnswer).
type Figures struct {
	// Completed counts inbound calls answered by a teammate that were not
	// abandoned (rule MT3), callbacks that did not reach the customer
	// excepted.
	Completed int `json:"completed"`
	// Abandoned counts inbound calls the customer hung up on while routing,
	// queued (ringing included), on hold, or in voicemail before leaving a
	// message (rule MT4).
	Abandoned int `json:"abandoned"`
	// AbandonedRinging is the part of Abandoned where a teammate's phone
	// was ringing at the hang-up.
	AbandonedRinging int `json:"abandoned_ringing"`
	// NoAnswer counts inbound calls on which a teammate's phone rang and
	// the teammate did not answer (missed or declined), or a forward to an
	// external number went unanswered (rule MT5). Each call once.
	NoAnswer int `json:"no_answer"`
	// ForwardUnanswered counts calls with an unanswered forward to an
	// external number, also counted in NoAnswer.
	ForwardUnanswered int `json:"forward_unanswered"`
	// Missed counts rings that timed out (one per ring).
	Missed int `json:"missed"`
	// Declined counts rings that were declined, by any cause (one per
	// ring).
	Declined int `json:"declined"`
	// Voicemail counts inbound calls with a recorded voicemail, not those
	// abandoned in voicemail (rule MT6).
	Voicemail int `json:"voicemail"`
	// Callbacks counts calls with a callback request.
	Callbacks int `json:"callbacks"`
	// CallbacksUnreached counts the callbacks that did not reach the
	// customer when called back (also in Callbacks, and not in Completed
	// though a teammate answered them).
	CallbacksUnreached int `json:"callbacks_unreached"`
	// Deflections counts deflections (one per CallDeflected).
	Deflections int `json:"deflections"`
	// AbandonedAssignments counts assignments started after the customer
	// had hung up (rule AS11).
	AbandonedAssignments int `json:"abandoned_assignments"`
	// InboundEnded counts inbound calls that ended.
	InboundEnded int `json:"inbound_ended"`
	// InboundDuration is the duration of ended inbound calls, from
	// CallPlaced to the end, routing and queue included (rule MT7).
	InboundDuration Durations `json:"inbound_duration"`
	// AnswerTime is the time from CallPlaced to the first answer, for
	// ended inbound calls that were answered (rule MT8).
	AnswerTime Durations `json:"answer_time"`
	// AnsweredWithin counts, for each of [ServiceLevelPoints], the calls
	// of AnswerTime answered within it: AnsweredWithin[1] /
	// AnswerTime.Count is the service level at 20 s. Kept for the
	// workspace and the teams; zero for a teammate.
	AnsweredWithin [len(ServiceLevelPoints)]int `json:"answered_within"`
	// QueueTime holds one entry per team queue segment, from CallQueued to
	// its answer, deflection, voicemail or the end of the call; ringing
	// counts as queue time (rule MT10).
	QueueTime Durations `json:"queue_time"`
	// TalkTime is the time teammates spent talking: answered and not on
	// hold (rule MT11 for a team, MT12 for a teammate).
	TalkTime time.Duration `json:"talk_time"`
	// OutboundEnded counts outbound calls that ended.
	OutboundEnded int `json:"outbound_ended"`
	// OutboundAnswered counts ended outbound calls the customer answered,
	// their voicemail included (rule MT14).
	OutboundAnswered int `json:"outbound_answered"`
	// OutboundVoicemail is the part of OutboundAnswered answered by the
	// customer's voicemail.
	OutboundVoicemail int `json:"outbound_voicemail"`
	// OutboundDuration is the duration of answered outbound calls, from
	// the customer answering to the end (rule MT7).
	OutboundDuration Durations `json:"outbound_duration"`
}

// CallDuration returns the durations of inbound and outbound calls
// together, the dashboard's single "Call duration" figure (rule MT7).
func (f Figures) CallDuration() Durations {
	d := f.InboundDuration
	d.merge(f.OutboundDuration)
	return d
}

// ServiceLevelPoints are the answer times [Figures.AnsweredWithin] counts
// calls within: the common service-level targets.
var ServiceLevelPoints = [...]time.Duration{10 * time.Second, 20 * time.Second, 30 * time.Second, 60 * time.Second}

// countWithin counts an answer time d in AnsweredWithin.
func (a *acc) countWithin(d time.Duration) {
	for i, p := range ServiceLevelPoints {
		if d <= p {
			a.AnsweredWithin[i]++
		}
	}
}

func (f *Figures) merge(o *Figures) {
	for i, n := range o.AnsweredWithin {
		f.AnsweredWithin[i] += n
	}
	f.Completed += o.Completed
	f.Abandoned += o.Abandoned
	f.AbandonedRinging += o.AbandonedRinging
	f.NoAnswer += o.NoAnswer
	f.ForwardUnanswered += o.ForwardUnanswered
	f.Missed += o.Missed
	f.Declined += o.Declined
	f.Voicemail += o.Voicemail
	f.Callbacks += o.Callbacks
	f.CallbacksUnreached += o.CallbacksUnreached
	f.Deflections += o.Deflections
	f.AbandonedAssignments += o.AbandonedAssignments
	f.InboundEnded += o.InboundEnded
	f.InboundDuration.merge(o.InboundDuration)
	f.AnswerTime.merge(o.AnswerTime)
	f.QueueTime.merge(o.QueueTime)
	f.TalkTime = satAdd(f.TalkTime, o.TalkTime)
	f.OutboundEnded += o.OutboundEnded
	f.OutboundAnswered += o.OutboundAnswered
	f.OutboundVoicemail += o.OutboundVoicemail
	f.OutboundDuration.merge(o.OutboundDuration)
}

// acc accumulates [Figures] inside a bucket. It has the same fields, in
// the order a call's end touches them: an inbound call's outcome,
// duration, answer time and talk time come first, so that a teammate's
// figures cost two cache lines per call, not four. [Figures.mergeAcc]
// reads it back.
type acc struct {
	InboundEnded         int
	Completed            int
	InboundDuration      Durations
	AnswerTime           Durations
	TalkTime             time.Duration
	Abandoned            int
	AbandonedRinging     int
	NoAnswer             int
	ForwardUnanswered    int
	Missed               int
	Declined             int
	Voicemail            int
	Callbacks            int
	CallbacksUnreached   int
	Deflections          int
	AbandonedAssignments int
	QueueTime            Durations
	OutboundEnded        int
	OutboundAnswered     int
	OutboundVoicemail    int
	OutboundDuration     Durations
	AnsweredWithin       [len(ServiceLevelPoints)]int
}

// mergeAcc adds the figures of o, as merge does.
func (f *Figures) mergeAcc(o *acc) {
	f.merge(&Figures{
		Completed:            o.Completed,
		Abandoned:            o.Abandoned,
		AbandonedRinging:     o.AbandonedRinging,
		NoAnswer:             o.NoAnswer,
		ForwardUnanswered:    o.ForwardUnanswered,
		Missed:               o.Missed,
		Declined:             o.Declined,
		Voicemail:            o.Voicemail,
		Callbacks:            o.Callbacks,
		CallbacksUnreached:   o.CallbacksUnreached,
		Deflections:          o.Deflections,
		AbandonedAssignments: o.AbandonedAssignments,
		InboundEnded:         o.InboundEnded,
		InboundDuration:      o.InboundDuration,
		AnswerTime:           o.AnswerTime,
		AnsweredWithin:       o.AnsweredWithin,
		QueueTime:            o.QueueTime,
		TalkTime:             o.TalkTime,
		OutboundEnded:        o.OutboundEnded,
		OutboundAnswered:     o.OutboundAnswered,
		OutboundVoicemail:    o.OutboundVoicemail,
		OutboundDuration:     o.OutboundDuration,
	})
}
