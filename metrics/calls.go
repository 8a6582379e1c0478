package metrics

import (
	"slices"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
)

// stage is where a call in progress is.
type stage uint8

const (
	stRouting   stage = iota + 1 // inbound, before a queue or between two
	stQueued                     // in a team queue, nothing ringing
	stRinging                    // in a team queue, ringing a teammate
	stTalking                    // answered, not on hold
	stOnHold                     // answered, on hold placed by the teammate
	stVoicemail                  // in voicemail
	stDialing                    // outbound, not yet picked up
)

// call is the state of a call in progress.
type call struct {
	dir      pb.Direction
	stage    stage
	placedAt time.Time
	team     pb.TeamID // team of the current or last queue segment; outbound: CallPlaced's team
	segStart time.Time
	ringing  pb.TeammateID
	teamT    *team // c.team(team), looked up once per segment; nil until needed
	ringingM *mate // the mate ringing, while ringing
	mateM    *mate // the mate on the call, while mate is set
	talkT    *team // c.team(talkTeam); nil until needed
	lastM    *mate // the mate of lastMate when it was set (maybe dropped since)
	firstM   *mate // the mate of firstMate, likewise

	mate      pb.TeammateID // teammate on the call now
	lastMate  pb.TeammateID // last teammate who answered, or the outbound caller
	talkTeam  pb.TeamID     // team the current answer belongs to
	talkSince time.Time
	held      time.Duration // the answered inbound segment's talk before its hold (the totals' Talk)

	answered    bool
	firstAnswer time.Time
	firstTeam   pb.TeamID
	firstMate   pb.TeammateID
	firstT      *team // the team of firstTeam when it was set, if known

	custAnswered bool
	custAt       time.Time
	vmPickup     bool

	vmVisitRecorded bool // a message was left in the current voicemail visit
	vmRecorded      bool
	callback        bool
	unreached       bool // a callback that did not reach the customer
	forward         bool
	noAnswerTeams   []pb.TeamID
	noAnswerMates   []pb.TeammateID
}

func (c *Collector) newCall() *call {
	if n := len(c.freeCalls); n > 0 {
		cl := c.freeCalls[n-1]
		c.freeCalls = c.freeCalls[:n-1]
		return cl
	}
	return new(call)
}

// findCall returns the call in progress with ID id, if any.
func (c *Collector) findCall(id pb.CallID) (*call, bool) {
	if c.lastCall != nil && c.lastCallID == id {
		return c.lastCall, true
	}
	cl, ok := c.calls[id]
	if ok {
		c.lastCallID, c.lastCall = id, cl
	}
	return cl, ok
}

func (c *Collector) releaseCall(id pb.CallID, cl *call) {
	delete(c.calls, id)
	if c.lastCall == cl {
		c.lastCallID, c.lastCall = "", nil
	}
	teams, mates := cl.noAnswerTeams[:0], cl.noAnswerMates[:0]
	*cl = call{noAnswerTeams: teams, noAnswerMates: mates}
	c.freeCalls = append(c.freeCalls, cl)
}

func (c *Collector) callEvent(e *eventlog.Event) error {
	switch e.Kind {
	case eventlog.TeammatesAway, eventlog.TeammatesNoClient, eventlog.TeammatesAvailable:
		return nil // team composition entries (EL3) carry no metric
	case eventlog.AbandonedAssignment:
		if _, live := c.findCall(e.Call); live {
			return refuse(ErrUnexpected, e, "call %q has not ended", e.Call)
		}
		b := c.bucket()
		b.all.AbandonedAssignments++
		if f := b.team(e.Team); f != nil {
			f.AbandonedAssignments++
		}
		return nil
	}
	if e.Call == "" {
		return refuse(ErrInvalidEvent, e, "no call")
	}
	if e.Kind == eventlog.CallPlaced {
		return c.place(e)
	}
	cl, ok := c.findCall(e.Call)
	if !ok {
		return refuse(ErrUnknownCall, e, "call %q", e.Call)
	}
	if err := c.check(cl, e); err != nil {
		return err
	}
	c.tot.count(e, cl)
	c.apply(cl, e)
	return nil
}

// callRule is what a call event needs: the stages it may happen in (nil:
// any), an inbound or outbound call (0: either) and a teammate. ok marks
// the call events the table covers.
type callRule struct {
	stages   []stage
	dir      pb.Direction
	teammate bool
	ok       bool
}

// allowed is the callRule of each call event, indexed by kind.
var allowed = [...]callRule{
	eventlog.CallQueued:            {[]stage{stRouting}, pb.Inbound, false, true},
	eventlog.CallOffered:           {[]stage{stQueued}, pb.Inbound, true, true},
	eventlog.CallAnswered:          {[]stage{stQueued, stRinging}, pb.Inbound, true, true},
	eventlog.CallDeclined:          {[]stage{stRinging}, pb.Inbound, true, true},
	eventlog.CallMissed:            {[]stage{stRinging}, pb.Inbound, true, true},
	eventlog.ManualAnswerRequested: {[]stage{stQueued, stRinging}, pb.Inbound, true, true},
	eventlog.CallOnHold:            {[]stage{stTalking}, 0, false, true},
	eventlog.CallResumed:           {[]stage{stOnHold}, 0, false, true},
	eventlog.CallTransferred:       {[]stage{stTalking, stOnHold}, pb.Inbound, false, true},
	eventlog.TeammateJoined:        {[]stage{stTalking, stOnHold}, 0, false, true},
	eventlog.CallEndedBeforeAnswer: {[]stage{stQueued, stRinging}, pb.Inbound, false, true},
	eventlog.CallDeflected:         {[]stage{stRouting, stQueued, stRinging}, pb.Inbound, false, true},
	eventlog.VoicemailStarted:      {[]stage{stRouting, stQueued, stRinging}, pb.Inbound, false, true},
	eventlog.VoicemailRecorded:     {[]stage{stVoicemail}, pb.Inbound, false, true},
	eventlog.CallbackRequested:     {nil, pb.Inbound, false, true},
	eventlog.CustomerAnswered:      {[]stage{stDialing}, pb.Outbound, false, true},
	eventlog.ForwardUnanswered:     {nil, pb.Inbound, false, true},
	eventlog.CallEnded:             {nil, 0, false, true},
	eventlog.CallbackUnreached:     {nil, pb.Inbound, false, true},
}

// check refuses an event that cannot happen where the call is.
func (c *Collector) check(cl *call, e *eventlog.Event) error {
	if int(e.Kind) >= len(allowed) || !allowed[e.Kind].ok {
		return refuse(ErrInvalidEvent, e, "not a call event")
	}
	rule := &allowed[e.Kind]
	if rule.teammate && e.Teammate == "" {
		return refuse(ErrInvalidEvent, e, "no teammate")
	}
	if rule.dir != 0 && rule.dir != cl.dir {
		return refuse(ErrUnexpected, e, "on a %v call", cl.dir)
	}
	if rule.stages != nil && !slices.Contains(rule.stages, cl.stage) {
		return refuse(ErrUnexpected, e, "call %q is %v", e.Call, cl.stage)
	}
	switch e.Kind {
	case eventlog.CallQueued:
		if e.Team == "" {
			return refuse(ErrInvalidEvent, e, "no team")
		}
	case eventlog.CallDeclined, eventlog.CallMissed:
		if e.Teammate != cl.ringing {
			return refuse(ErrUnexpected, e, "%q is not ringing, %q is", e.Teammate, cl.ringing)
		}
	case eventlog.CallbackRequested:
		if e.KeepsPlace && (cl.callback || cl.stage != stQueued && cl.stage != stRinging) {
			return refuse(ErrUnexpected, e, "call %q is %v (a callback already: %v)", e.Call, cl.stage, cl.callback)
		}
	case eventlog.CallbackUnreached:
		if !cl.callback {
			return refuse(ErrUnexpected, e, "call %q is not a callback", e.Call)
		}
	}
	return nil
}

func (c *Collector) place(e *eventlog.Event) error {
	if _, dup := c.findCall(e.Call); dup {
		return refuse(ErrDuplicateCall, e, "call %q", e.Call)
	}
	switch {
	case !e.Direction.Valid():
		return refuse(ErrInvalidEvent, e, "direction %v", e.Direction)
	case e.Direction == pb.Outbound && e.Teammate == "":
		return refuse(ErrInvalidEvent, e, "outbound call with no teammate")
	}
	cl := c.newCall()
	cl.dir, cl.placedAt = e.Direction, e.At
	c.calls[e.Call] = cl
	c.lastCallID, c.lastCall = e.Call, cl
	if e.Direction == pb.Inbound {
		cl.stage = stRouting
		return nil
	}
	cl.stage, cl.team, cl.teamT, cl.lastMate = stDialing, e.Team, nil, e.Teammate
	if e.Team != "" {
		c.team(e.Team)
	}
	c.join(cl, e.Teammate)
	cl.lastM = cl.mateM
	return nil
}

// apply changes the state for an event check accepted.
func (c *Collector) apply(cl *call, e *eventlog.Event) {
	switch e.Kind {
	case eventlog.CallQueued:
		cl.stage, cl.team, cl.teamT, cl.segStart = stQueued, e.Team, nil, e.At
		c.inQueue++
		c.teamOf(cl).inQueue++
	case eventlog.CallOffered:
		// A ring goes to the longest-idle teammate, seldom the one of the
		// previous events: skip the one-entry cache.
		cl.stage, cl.ringing, cl.ringingM = stRinging, e.Teammate, c.mateFromMap(e.Teammate)
		cl.ringingM.ringing++
	case eventlog.CallAnswered:
		c.endRing(cl)
		c.endSegment(cl, e.At)
		first := !cl.answered
		if first {
			cl.answered, cl.firstAnswer, cl.firstTeam, cl.firstMate = true, e.At, cl.team, e.Teammate
			cl.firstT = cl.teamT
		}
		cl.lastMate, cl.talkTeam, cl.talkT = e.Teammate, cl.team, cl.teamT
		c.join(cl, e.Teammate)
		cl.lastM = cl.mateM
		if first {
			cl.firstM = cl.mateM
		}
		c.startTalk(cl, e.At)
	case eventlog.CallDeclined, eventlog.CallMissed:
		c.endRing(cl)
		cl.stage = stQueued
		c.unansweredRing(cl, e)
	case eventlog.CallOnHold:
		c.stopTalk(cl, e.At)
		cl.stage = stOnHold
	case eventlog.CallResumed:
		c.startTalk(cl, e.At)
	case eventlog.CallTransferred:
		if cl.stage == stTalking {
			c.stopTalk(cl, e.At)
		}
		c.leave(cl)
		cl.stage = stRouting
	case eventlog.CallDeflected:
		// A ring in progress ends with the deflection; it was neither
		// answered nor left unanswered by the teammate.
		c.endRing(cl)
		team := e.Team
		if cl.stage == stQueued {
			if team == "" {
				team = cl.team
			}
			c.endSegment(cl, e.At)
		}
		cl.stage = stRouting
		b := c.bucket()
		b.all.Deflections++
		if f := b.team(team); f != nil {
			f.Deflections++
		}
	case eventlog.VoicemailStarted:
		c.endRing(cl)
		if cl.stage == stQueued {
			c.endSegment(cl, e.At)
		}
		cl.stage, cl.vmVisitRecorded = stVoicemail, false
		c.inVoicemail++
		c.callTeam(cl).inVoicemail++
	case eventlog.VoicemailRecorded:
		cl.vmVisitRecorded = true
		if !cl.vmRecorded {
			cl.vmRecorded = true
			c.voicemails++
			c.callTeam(cl).voicemails++
		}
	case eventlog.CallbackRequested:
		if !cl.callback {
			cl.callback = true
			c.callbacks++
			c.callTeam(cl).callbacks++
		}
	case eventlog.CallbackUnreached:
		if !cl.unreached {
			cl.unreached = true
			c.unreached++
			c.callTeam(cl).unreached++
		}
	case eventlog.CustomerAnswered:
		cl.custAnswered, cl.custAt, cl.vmPickup = true, e.At, e.Voicemail
		cl.talkTeam, cl.talkT = cl.team, cl.teamT
		c.startTalk(cl, e.At)
	case eventlog.ForwardUnanswered:
		cl.forward = true
	case eventlog.CallEndedBeforeAnswer:
		c.end(cl, e, true)
	case eventlog.CallEnded:
		c.end(cl, e, e.By == eventlog.ByCustomer)
	}
}

// teamOf returns the counters of the call's team (created, like
// c.team, if new), looked up once per queue segment.
func (c *Collector) teamOf(cl *call) *team {
	if cl.teamT == nil {
		cl.teamT = c.team(cl.team)
	}
	return cl.teamT
}

// callTeam is forTeam(cl.team) through the call's cached team.
func (c *Collector) callTeam(cl *call) *team {
	if cl.team == "" {
		return c.forTeam("")
	}
	return c.teamOf(cl)
}

// join puts teammate id on the call: answered inbound, or placed outbound.
func (c *Collector) join(cl *call, id pb.TeammateID) {
	m := c.mate(id)
	cl.mate, cl.mateM = id, m
	m.calls++
	if cl.dir == pb.Inbound {
		m.active++
		c.active++
		c.teamOf(cl).active++
	}
	c.refresh(m)
}

// leave takes the teammate off the call.
func (c *Collector) leave(cl *call) {
	if cl.mate == "" {
		return
	}
	m := cl.mateM // not dropped: it is on this call
	m.calls--
	if cl.dir == pb.Inbound {
		m.active--
		c.active--
		c.teamOf(cl).active--
	}
	c.refresh(m)
	c.dropIfGone(cl.mate, m)
	cl.mate, cl.mateM = "", nil
}

func (c *Collector) endRing(cl *call) {
	if cl.stage != stRinging {
		return
	}
	if m := cl.ringingM; m != nil { // not dropped: it is ringing
		m.ringing--
		c.dropIfGone(cl.ringing, m)
	}
	cl.ringing, cl.ringingM = "", nil
	cl.stage = stQueued
}

// endSegment closes the current queue segment at t (rule MT10).
func (c *Collector) endSegment(cl *call, t time.Time) {
	if cl.stage != stQueued {
		return
	}
	c.inQueue--
	tm := c.teamOf(cl)
	tm.inQueue--
	d := t.Sub(cl.segStart)
	b := c.bucket()
	b.all.QueueTime.add(d)
	b.teamRef(cl.team, &tm.fig).QueueTime.add(d)
	c.tot.team(cl.team).QueueWait.observe(d)
}

func (c *Collector) startTalk(cl *call, t time.Time) {
	cl.stage, cl.talkSince = stTalking, t
}

// stopTalk ends a talking stretch at t (rules MT11, MT12).
func (c *Collector) stopTalk(cl *call, t time.Time) {
	d := t.Sub(cl.talkSince)
	c.talk = satAdd(c.talk, d)
	var tm *team
	switch {
	case cl.talkTeam == "":
		tm = c.forTeam("")
	case cl.talkT != nil:
		tm = cl.talkT
	default:
		tm = c.team(cl.talkTeam)
		cl.talkT = tm
	}
	tm.talk = satAdd(tm.talk, d)
	m := cl.mateM
	m.talk = satAdd(m.talk, d)
	b := c.bucket()
	b.all.TalkTime = satAdd(b.all.TalkTime, d)
	if f := b.teamRef(cl.talkTeam, &tm.fig); f != nil {
		f.TalkTime = satAdd(f.TalkTime, d)
	}
	bm := b.mateRef(cl.mate, &cl.mateM.fig)
	bm.TalkTime = satAdd(bm.TalkTime, d)
}

func (c *Collector) unansweredRing(cl *call, e *eventlog.Event) {
	b := c.bucket()
	for _, f := range [...]*acc{&b.all, b.team(cl.team), b.mate(e.Teammate)} {
		if e.Kind == eventlog.CallMissed {
			f.Missed++
		} else {
			f.Declined++
		}
	}
	if !slices.Contains(cl.noAnswerTeams, cl.team) {
		cl.noAnswerTeams = append(cl.noAnswerTeams, cl.team)
	}
	if !slices.Contains(cl.noAnswerMates, e.Teammate) {
		cl.noAnswerMates = append(cl.noAnswerMates, e.Teammate)
	}
}

func (s stage) String() string {
	switch s {
	case stRouting:
		return "routing"
	case stQueued:
		return "queued"
	case stRinging:
		return "ringing"
	case stTalking:
		return "talking"
	case stOnHold:
		return "on hold"
	case stVoicemail:
		return "in voicemail"
	case stDialing:
		return "dialing"
	}
	return "unknown"
}
