package assign

import (
	"fmt"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
)

// beginCall advances to now and returns the call id, which must not have
// ended.
func (e *Engine) beginCall(now time.Time, id pb.CallID) (*call, error) {
	c, err := e.lookupCall(id)
	if err != nil {
		return nil, err
	}
	if err := e.begin(now); err != nil {
		return nil, err
	}
	return e.callAfter(c, id)
}

// lookupCall returns the call id before the engine advances, or nil if
// there is none. An ID the engine holds was checked when it entered; any
// other is checked here, so a malformed one is refused before advancing.
func (e *Engine) lookupCall(id pb.CallID) (*call, error) {
	c := e.calls.get(id)
	if c == nil {
		if err := checkID("call", id); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// callAfter is e.call(id) for c, what lookupCall returned before the
// engine advanced: advancing adds no call, and a call it forgot has lost
// its ID.
func (e *Engine) callAfter(c *call, id pb.CallID) (*call, error) {
	if c == nil || c.id == "" {
		return nil, fmt.Errorf("%w: %q", ErrUnknownCall, id)
	}
	if c.ended {
		return nil, fmt.Errorf("%w: %q", ErrCallEnded, id)
	}
	return c, nil
}

// checkRinger refuses a malformed teammate ID before the engine advances.
// The teammate c rings for needs no check: their ID was checked when they
// were added. When the host passes back the ID of the Ring effect, the
// comparison does not even read its bytes.
func checkRinger(c *call, tmID pb.TeammateID) error {
	if c != nil && c.ringing != nil && c.ringing.id == tmID {
		return nil
	}
	return checkID("teammate", tmID)
}

// beginNewCall checks that id can name a new call and advances to now.
func (e *Engine) beginNewCall(now time.Time, id pb.CallID) error {
	if err := checkID("call", id); err != nil {
		return err
	}
	if err := e.begin(now); err != nil {
		return err
	}
	if e.calls.get(id) != nil {
		return fmt.Errorf("%w: %q", ErrDuplicateCall, id)
	}
	return nil
}

func wrongState(c *call, what string) error {
	return fmt.Errorf("%w: cannot %s call %q while %v", ErrWrongState, what, c.id, c.stage)
}

// PlaceCall records an inbound call placed by a customer; it is routing
// (the IVR workflow) until [Engine.QueueCall] (rule LC1).
func (e *Engine) PlaceCall(now time.Time, id pb.CallID) error {
	if err := e.beginNewCall(now, id); err != nil {
		return err
	}
	e.place(id)
	return nil
}

// place adds an inbound call.
func (e *Engine) place(id pb.CallID) *call {
	c := e.newCall(id, pb.Inbound, eventlog.StageRouting)
	e.calls.add(c)
	e.callEvent(c, eventlog.CallPlaced, nil)
	return c
}

// QueueCall routes a call that is in routing to a team's queue: a new
// queue segment, and the call's inbox-assignment time (rule AS13). The call
// is deflected instead when the workspace or team is out of office, the
// queue is full, or nobody is online (rules DF1-DF4); it is offered at once
// to the longest-idle eligible member otherwise. For a call the customer
// already hung up without an assignee, the attempt is logged as an
// abandoned assignment and assigns nobody (rule AS11).
func (e *Engine) QueueCall(now time.Time, id pb.CallID, teamID pb.TeamID) error {
	if err := checkCallTeam(id, teamID); err != nil {
		return err
	}
	if err := e.begin(now); err != nil {
		return err
	}
	c := e.calls.get(id)
	if c == nil {
		return fmt.Errorf("%w: %q", ErrUnknownCall, id)
	}
	tm, err := e.team(teamID)
	if err != nil {
		return err
	}
	if c.ended {
		if c.answered {
			return fmt.Errorf("%w: %q", ErrCallEnded, id)
		}
		ev := e.callEvent(c, eventlog.AbandonedAssignment, nil)
		ev.Team, ev.TeamName = tm.id, tm.name
		return nil
	}
	if c.stage != eventlog.StageRouting {
		return wrongState(c, "queue")
	}
	if e.cfg.TestWorkspace {
		return ErrTestWorkspace
	}
	e.enqueue(c, tm)
	e.dispatch()
	return nil
}

// Arrive is PlaceCall and QueueCall at once: an inbound call with no IVR
// time, queued for a team. On error neither happens.
func (e *Engine) Arrive(now time.Time, id pb.CallID, teamID pb.TeamID) error {
	tm := e.teams[teamID] // advancing adds and removes no team
	if tm == nil {
		if err := checkID("team", teamID); err != nil {
			return err
		}
	}
	if err := e.beginNewCall(now, id); err != nil {
		return err
	}
	if tm == nil {
		return fmt.Errorf("%w: %q", ErrUnknownTeam, teamID)
	}
	if e.cfg.TestWorkspace {
		return ErrTestWorkspace
	}
	e.enqueue(e.place(id), tm)
	e.dispatch()
	return nil
}

// Answer records that the teammate the call is ringing for answered it. It
// is logged at once, even if the connection then fails (rule EL4), and
// the teammate becomes Away "On a call" (rule PR4). An answer from anyone
// else, or after the ring timed out, is ErrNotRinging; so of two answers,
// or an answer racing a timeout or a hang-up, exactly one outcome stands
// (X3).
func (e *Engine) Answer(now time.Time, id pb.CallID, tmID pb.TeammateID) error {
	c, err := e.lookupCall(id)
	if err != nil {
		return err
	}
	if err := checkRinger(c, tmID); err != nil {
		return err
	}
	if err := e.begin(now); err != nil {
		return err
	}
	c, t, err := e.ringingFor(c, id, tmID)
	if err != nil {
		return err
	}
	e.connect(c, t)
	e.dispatch()
	return nil
}

// Decline records that the teammate the call is ringing for declined it:
// with the Decline button, or by a busy signal or a failed connection
// (rules AS6, EL1). The customer stays on hold, the teammate is excluded
// from the call (rule AS7), and the next eligible teammate is offered it
// at once. Under auto-answer the Decline button does not exist
// (ErrDeclineUnavailable, rule AS8).
func (e *Engine) Decline(now time.Time, id pb.CallID, tmID pb.TeammateID, cause eventlog.DeclineCause) error {
	if !cause.Valid() {
		return fmt.Errorf("%w: decline cause %v", ErrInvalidArgument, cause)
	}
	if e.cfg.AutoAnswer && cause == eventlog.DeclineButton {
		return ErrDeclineUnavailable
	}
	c, err := e.lookupCall(id)
	if err != nil {
		return err
	}
	if err := checkRinger(c, tmID); err != nil {
		return err
	}
	if err := e.begin(now); err != nil {
		return err
	}
	c, _, err = e.ringingFor(c, id, tmID)
	if err != nil {
		return err
	}
	e.ringFailed(c, eventlog.CallDeclined, cause, false)
	e.dispatch()
	return nil
}

// ringingFor returns the call id, looked up as c before advancing, and the
// teammate tmID it rings for. The teammate it rings is found through the
// call; the teammate map is read only to tell an unknown teammate from one
// the call is not ringing for.
func (e *Engine) ringingFor(c *call, id pb.CallID, tmID pb.TeammateID) (*call, *teammate, error) {
	c, err := e.callAfter(c, id)
	if err != nil {
		return nil, nil, err
	}
	if t := c.ringing; t != nil && t.id == tmID {
		return c, t, nil
	}
	t, err := e.teammate(tmID)
	if err != nil {
		return nil, nil, err
	}
	if c.ringing != t {
		return nil, nil, fmt.Errorf("%w: %q for %q", ErrNotRinging, id, tmID)
	}
	return c, t, nil
}

// ManualAnswer lets a member of the call's team claim a waiting call from
// the shared pool before it is assigned automatically (rule AS10). The
// call must be waiting, not ringing anyone, and the teammate free.
func (e *Engine) ManualAnswer(now time.Time, id pb.CallID, tmID pb.TeammateID) error {
	if err := checkID("teammate", tmID); err != nil {
		return err
	}
	c, err := e.beginCall(now, id)
	if err != nil {
		return err
	}
	t, err := e.teammate(tmID)
	if err != nil {
		return err
	}
	if c.stage != eventlog.StageQueued {
		return wrongState(c, "manually answer")
	}
	if !c.team.member(t) {
		return fmt.Errorf("%w: %q in %q", ErrNotMember, tmID, c.team.id)
	}
	if t.ringing != nil || t.calls >= e.cfg.CallLimit {
		return fmt.Errorf("%w: %q", ErrTeammateBusy, tmID)
	}
	e.callEvent(c, eventlog.ManualAnswerRequested, t)
	e.connect(c, t)
	e.dispatch()
	return nil
}

// Hold places an answered call on hold; it stays active (rules LC1, MT2).
func (e *Engine) Hold(now time.Time, id pb.CallID) error {
	return e.toggleHold(now, id, eventlog.StageTalking, eventlog.StageOnHold, eventlog.CallOnHold, "hold")
}

// Resume takes a call off hold.
func (e *Engine) Resume(now time.Time, id pb.CallID) error {
	return e.toggleHold(now, id, eventlog.StageOnHold, eventlog.StageTalking, eventlog.CallResumed, "resume")
}

func (e *Engine) toggleHold(now time.Time, id pb.CallID, from, to eventlog.Stage, kind eventlog.Kind, what string) error {
	c, err := e.beginCall(now, id)
	if err != nil {
		return err
	}
	if c.stage != from {
		return wrongState(c, what)
	}
	c.stage = to
	e.callEvent(c, kind, c.agent)
	return nil
}

// Transfer moves an answered inbound call to a team: the teammate leaves
// it (and gets wrap-up), and a new queue segment starts, even for the same
// team (rule LC3). Outbound calls are not transferred (ErrWrongState).
func (e *Engine) Transfer(now time.Time, id pb.CallID, teamID pb.TeamID) error {
	if err := checkID("team", teamID); err != nil {
		return err
	}
	c, err := e.beginCall(now, id)
	if err != nil {
		return err
	}
	tm, err := e.team(teamID)
	if err != nil {
		return err
	}
	if c.dir != pb.Inbound || (c.stage != eventlog.StageTalking && c.stage != eventlog.StageOnHold) {
		return wrongState(c, "transfer")
	}
	if e.cfg.TestWorkspace {
		return ErrTestWorkspace
	}
	t := c.agent
	ev := e.callEvent(c, eventlog.CallTransferred, t)
	ev.Team, ev.TeamName = tm.id, tm.name
	c.agent, c.stage, c.team = nil, eventlog.StageRouting, nil
	e.finishPhoneCall(t)
	e.enqueue(c, tm)
	e.dispatch()
	return nil
}

// Barge records a supervisor joining an answered call (rule LC4).
func (e *Engine) Barge(now time.Time, id pb.CallID, tmID pb.TeammateID) error {
	if err := checkID("teammate", tmID); err != nil {
		return err
	}
	c, err := e.beginCall(now, id)
	if err != nil {
		return err
	}
	t, err := e.teammate(tmID)
	if err != nil {
		return err
	}
	if (c.stage != eventlog.StageTalking && c.stage != eventlog.StageOnHold) || c.agent == t {
		return wrongState(c, "barge into")
	}
	e.callEvent(c, eventlog.TeammateJoined, t)
	return nil
}

// Voicemail sends an inbound call that is routing or waiting to voicemail
// (rule LC5); it leaves any queue and stops any ring.
func (e *Engine) Voicemail(now time.Time, id pb.CallID) error {
	c, err := e.beginCall(now, id)
	if err != nil {
		return err
	}
	switch c.stage {
	case eventlog.StageRouting, eventlog.StageQueued, eventlog.StageRinging:
	default:
		return wrongState(c, "send to voicemail")
	}
	e.leaveQueue(c)
	c.stage = eventlog.StageVoicemail
	e.callEvent(c, eventlog.VoicemailStarted, nil)
	e.dispatch()
	return nil
}

// RecordVoicemail records that the customer left a voicemail.
func (e *Engine) RecordVoicemail(now time.Time, id pb.CallID) error {
	c, err := e.beginCall(now, id)
	if err != nil {
		return err
	}
	if c.stage != eventlog.StageVoicemail || c.recorded {
		return wrongState(c, "record a voicemail for")
	}
	c.recorded = true
	e.callEvent(c, eventlog.VoicemailRecorded, nil)
	return nil
}

// RequestCallback records the customer asking to be called back instead of
// waiting; the call ends (rule LC5), and the host places the callback
// later as it likes (an outbound call, say). A call that is a callback
// already ([Engine.QueueCallback]) is refused: a call asks once.
func (e *Engine) RequestCallback(now time.Time, id pb.CallID) error {
	c, err := e.beginCall(now, id)
	if err != nil {
		return err
	}
	switch c.stage {
	case eventlog.StageRouting, eventlog.StageQueued, eventlog.StageRinging, eventlog.StageVoicemail:
	default:
		return wrongState(c, "request a callback for")
	}
	if c.callback {
		return wrongState(c, "request a second callback for")
	}
	e.callEvent(c, eventlog.CallbackRequested, nil)
	e.finish(c, eventlog.BySystem)
	e.dispatch()
	return nil
}

// QueueCallback records the customer of a waiting call asking to be called
// back while the call keeps its place (rule LC5): the call stays in the
// same queue segment, at the same place, with the same wait clock, and a
// ring in progress goes on. CallbackRequested (KeepsPlace) is logged, so
// the metrics count a callback, and the call is a callback for the rest of
// its life ([CallView.Callback]). The customer is no longer on the line:
// the host hangs them up. Routing treats it as any queued call (offers,
// exclusions, the hold timeout of rule DF5, deflection back to routing);
// a teammate who answers it is on the call, and the host then dials the
// customer back and connects them, or records [Engine.CallbackUnreached].
// The call must be queued or ringing and not a callback already
// (ErrWrongState).
func (e *Engine) QueueCallback(now time.Time, id pb.CallID) error {
	c, err := e.beginCall(now, id)
	if err != nil {
		return err
	}
	if c.stage != eventlog.StageQueued && c.stage != eventlog.StageRinging {
		return wrongState(c, "queue a callback for")
	}
	if c.callback {
		return wrongState(c, "request a second callback for")
	}
	c.callback = true
	e.callEvent(c, eventlog.CallbackRequested, nil).KeepsPlace = true
	return nil
}

// CallbackUnreached records that calling the customer of a callback back
// (see [Engine.QueueCallback]) did not reach them: no answer, a refusal,
// or a callback the host gave up before placing it (after a deflection,
// say). CallbackUnreached is logged, with the teammate on the call if
// any, and the call ends by the system from whatever stage it is in: a
// ring stops, the teammate on it gets wrap-up (rules LC5, PR6). The
// metrics count it as a callback not reached, not as a completed call.
// A call that is not a callback is ErrWrongState.
func (e *Engine) CallbackUnreached(now time.Time, id pb.CallID) error {
	c, err := e.beginCall(now, id)
	if err != nil {
		return err
	}
	if !c.callback {
		return wrongState(c, "record an unreached callback for")
	}
	e.callEvent(c, eventlog.CallbackUnreached, c.agent)
	e.finish(c, eventlog.BySystem)
	e.dispatch()
	return nil
}

// ForwardUnanswered records that a routing call forwarded to an external
// number was not answered there (rule MT5). The call stays in routing.
func (e *Engine) ForwardUnanswered(now time.Time, id pb.CallID) error {
	c, err := e.beginCall(now, id)
	if err != nil {
		return err
	}
	if c.stage != eventlog.StageRouting {
		return wrongState(c, "forward")
	}
	e.callEvent(c, eventlog.ForwardUnanswered, nil)
	return nil
}

// HangUp records the customer hanging up, at any stage (rule LC2).
func (e *Engine) HangUp(now time.Time, id pb.CallID) error {
	return e.EndCall(now, id, eventlog.ByCustomer)
}

// EndCall ends a call. ByTeammate needs a teammate on the call; ByCustomer
// and BySystem end it from any stage. Nobody is left ringing or on the
// call, and the teammate who was on it gets wrap-up (rules PR6, X4, X5).
func (e *Engine) EndCall(now time.Time, id pb.CallID, by eventlog.Party) error {
	if !by.Valid() {
		return fmt.Errorf("%w: party %v", ErrInvalidArgument, by)
	}
	c, err := e.beginCall(now, id)
	if err != nil {
		return err
	}
	if by == eventlog.ByTeammate && c.agent == nil {
		return wrongState(c, "end as a teammate")
	}
	e.finish(c, by)
	e.dispatch()
	return nil
}

// PlaceOutbound records a teammate placing an outbound call. They are on
// a call while it lasts (rules LC6, PR4), and it counts as a conversation
// assignment.
func (e *Engine) PlaceOutbound(now time.Time, id pb.CallID, tmID pb.TeammateID) error {
	if err := checkID("teammate", tmID); err != nil {
		return err
	}
	if err := e.beginNewCall(now, id); err != nil {
		return err
	}
	t, err := e.teammate(tmID)
	if err != nil {
		return err
	}
	if t.ringing != nil || t.calls >= e.cfg.CallLimit {
		return fmt.Errorf("%w: %q", ErrTeammateBusy, tmID)
	}
	c := e.newCall(id, pb.Outbound, eventlog.StageDialing)
	c.agent = t
	e.calls.add(c)
	e.callEvent(c, eventlog.CallPlaced, t)
	e.startPhoneCall(t)
	e.dispatch()
	return nil
}

// CustomerAnswered records the customer (or their voicemail) picking up an
// outbound call; either counts as answered (rules LC6, MT14).
func (e *Engine) CustomerAnswered(now time.Time, id pb.CallID, voicemail bool) error {
	c, err := e.beginCall(now, id)
	if err != nil {
		return err
	}
	if c.stage != eventlog.StageDialing {
		return wrongState(c, "answer as the customer")
	}
	c.stage, c.answered, c.agentAt = eventlog.StageTalking, true, e.clock
	ev := e.callEvent(c, eventlog.CustomerAnswered, c.agent)
	ev.Voicemail = voicemail
	return nil
}
