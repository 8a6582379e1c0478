package assign

import (
	"fmt"
	"math"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
)

// never is the last-assignment key of a teammate never assigned anything:
// they sort first (rule AS3).
const never = math.MinInt64

// teammate is a teammate's state. An offer reads and writes the record of
// the longest-idle member, which the engine last touched a whole rotation
// of the team earlier: the fields an offer, an answer and an end of call
// use come first, so that they share the record's first two cache lines
// (a record starts on a 64-byte boundary), and the first team sits in the
// record rather than in an array of its own.
type teammate struct {
	id      pb.TeammateID
	name    string
	ringing *call                 // the call ringing for them
	calls   int                   // phone calls they are on
	last    int64                 // last conversation assignment, Unix ns; never if none
	inTrees bool                  // in every team's eligible tree
	class   presence.Availability // as counted in the teams' Counts
	online  bool                  // as counted in the teams' online

	teams   []*team  // teamBuf's array while they belong to at most one team
	teamBuf [1]*team // the first team, in the record
	pres    presence.State

	wrap timer // wrap-up end (PR6)
}

func newTeammate(id pb.TeammateID, name string, st presence.State) *teammate {
	t := &teammate{id: id, name: name, pres: st, last: never}
	t.teams = t.teamBuf[:0]
	t.wrap.Key = timerKey{kind: timerWrapUp, t: t}
	return t
}

func (t *teammate) item() treeItem { return treeItem{last: t.last, id: t.id, t: t} }

// eligible is rule AS2 less team membership and the per-call exclusion.
func (e *Engine) eligible(t *teammate) bool {
	return t.pres.CanTakePhone() && t.ringing == nil && t.calls < e.cfg.CallLimit
}

// onlineForPhone: could take phone calls now or is busy with one (DF2).
func onlineForPhone(t *teammate) bool {
	p := t.pres
	return p.Channel.TakesPhone() && p.HasActiveClient() &&
		(p.Status == presence.Active || t.calls > 0 || t.ringing != nil || p.InWrapUp())
}

// refresh brings the trees and team counts in line with t's state. A
// teammate who became eligible marks their teams for dispatch.
func (e *Engine) refresh(t *teammate) {
	if el := e.eligible(t); el != t.inTrees {
		t.inTrees = el
		for _, tm := range t.teams {
			if el {
				tm.eligible.ReplaceOrInsert(t.item())
				e.markDirty(tm)
			} else {
				tm.removeEligible(t)
			}
		}
	}
	class, online := t.pres.Availability(), onlineForPhone(t)
	if class != t.class || online != t.online {
		for _, tm := range t.teams {
			tm.uncount(t)
		}
		t.class, t.online = class, online
		for _, tm := range t.teams {
			tm.count(t)
		}
	}
}

// setLast records a conversation assignment, re-keying t in the trees.
func (e *Engine) setLast(t *teammate, at time.Time) {
	if t.inTrees {
		for _, tm := range t.teams {
			tm.eligible.Delete(t.item())
		}
	}
	t.last = at.UnixNano()
	if t.inTrees {
		for _, tm := range t.teams {
			tm.eligible.ReplaceOrInsert(t.item())
		}
	}
}

// beginTeammate advances to now and returns the teammate id.
// An ID the engine holds was checked when it entered; any other is checked
// before advancing. Advancing adds and removes no teammate.
func (e *Engine) beginTeammate(now time.Time, id pb.TeammateID) (*teammate, error) {
	t := e.teammates[id]
	if t == nil {
		if err := checkID("teammate", id); err != nil {
			return nil, err
		}
	}
	if err := e.begin(now); err != nil {
		return nil, err
	}
	if t == nil {
		return nil, fmt.Errorf("%w: %q", ErrUnknownTeammate, id)
	}
	return t, nil
}

func (e *Engine) emitTeammate(kind eventlog.Kind, t *teammate) {
	ev := e.newEvent(kind)
	ev.Teammate, ev.TeammateName = t.id, t.name
}

func (e *Engine) emitStatus(t *teammate) {
	ev := e.newEvent(eventlog.StatusChanged)
	ev.Teammate, ev.TeammateName, ev.Status, ev.Reason = t.id, t.name, t.pres.Status, t.pres.Reason
}

// AddTeammate adds a teammate with an initial presence. The state must be
// valid and not in wrap-up. The teammate is in no team until
// [Engine.AddMember].
func (e *Engine) AddTeammate(now time.Time, id pb.TeammateID, name string, st presence.State) error {
	if err := checkID("teammate", id); err != nil {
		return err
	}
	if err := checkText("teammate name", name); err != nil {
		return err
	}
	if err := st.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidArgument, err)
	}
	if err := checkText("away reason", st.Reason); err != nil {
		return err
	}
	if !st.WrapUpUntil.IsZero() {
		return fmt.Errorf("%w: a teammate cannot be added in wrap-up", ErrInvalidArgument)
	}
	if _, ok := e.teammates[id]; ok {
		return fmt.Errorf("%w: %q", ErrDuplicateTeammate, id)
	}
	if err := e.begin(now); err != nil {
		return err
	}
	t := newTeammate(id, name, st)
	t.class, t.online = st.Availability(), onlineForPhone(t)
	e.teammates[id] = t
	e.adoptExclusions(t)
	e.emit(eventlog.Event{Kind: eventlog.TeammateAdded, Teammate: id, TeammateName: name,
		Channel: st.Channel, Status: st.Status, Reason: st.Reason, ClientActive: st.HasActiveClient()})
	e.refresh(t)
	return nil
}

// RemoveTeammate removes a teammate from the workspace and all teams. A
// teammate ringing or on a call cannot be removed (ErrTeammateBusy).
func (e *Engine) RemoveTeammate(now time.Time, id pb.TeammateID) error {
	t, err := e.beginTeammate(now, id)
	if err != nil {
		return err
	}
	if t.ringing != nil || t.calls > 0 {
		return fmt.Errorf("%w: %q", ErrTeammateBusy, id)
	}
	for len(t.teams) > 0 {
		e.removeMember(t.teams[len(t.teams)-1], t)
	}
	e.timers.Cancel(&t.wrap)
	e.orphanExclusions(t)
	delete(e.teammates, id)
	e.emitTeammate(eventlog.TeammateRemoved, t)
	return nil
}

// SetStatus sets a teammate Active or Away with a reason (rule PR2).
// Active during wrap-up is "Switch to active" and ends it early
// (rule PR6). A teammate who stops being able to take calls while a call
// rings for them has declined it, without the Decline button (rule AS8).
func (e *Engine) SetStatus(now time.Time, id pb.TeammateID, status presence.Status, reason string) error {
	switch {
	case !status.Valid():
		return fmt.Errorf("%w: status %v", ErrInvalidArgument, status)
	case status == presence.Away && reason == "":
		return fmt.Errorf("%w: %w", ErrInvalidArgument, presence.ErrMissingReason)
	case status == presence.Active && reason != "":
		return fmt.Errorf("%w: an Active status has no reason", ErrInvalidArgument)
	}
	if err := checkText("away reason", reason); err != nil {
		return err
	}
	t, err := e.beginTeammate(now, id)
	if err != nil {
		return err
	}
	if t.pres.Status == status && t.pres.Reason == reason {
		return nil
	}
	if t.pres.InWrapUp() {
		e.timers.Cancel(&t.wrap)
		e.emitTeammate(eventlog.WrapUpEnded, t)
	}
	if status == presence.Active {
		t.pres.SetActive()
	} else {
		_ = t.pres.SetAway(reason) // reason checked above
	}
	e.emitStatus(t)
	e.afterPresence(t, eventlog.DeclineWentAway)
	return nil
}

// SetChannel sets a teammate's channel availability; the teammate or an
// admin from the live dashboard may change it at any time, and it applies
// to the very next decision (rules PR1, PR7).
func (e *Engine) SetChannel(now time.Time, id pb.TeammateID, ch presence.Channel) error {
	if !ch.Valid() {
		return fmt.Errorf("%w: channel %v", ErrInvalidArgument, ch)
	}
	t, err := e.beginTeammate(now, id)
	if err != nil {
		return err
	}
	if t.pres.Channel == ch {
		return nil
	}
	t.pres.Channel = ch
	e.emit(eventlog.Event{Kind: eventlog.ChannelChanged, Teammate: t.id, TeammateName: t.name, Channel: ch})
	e.afterPresence(t, eventlog.DeclineWentAway)
	return nil
}

// SetClient reports a teammate's phone client: open or closed, and
// backgrounded or in the foreground. Only an open client in the
// foreground can ring (rule PR3); losing it while a call rings is a
// connectivity decline.
func (e *Engine) SetClient(now time.Time, id pb.TeammateID, open, backgrounded bool) error {
	t, err := e.beginTeammate(now, id)
	if err != nil {
		return err
	}
	was := t.pres.HasActiveClient()
	t.pres.ClientOpen, t.pres.Backgrounded = open, backgrounded
	if t.pres.HasActiveClient() == was {
		return nil
	}
	e.emit(eventlog.Event{Kind: eventlog.ClientChanged, Teammate: t.id, TeammateName: t.name,
		ClientActive: !was})
	e.afterPresence(t, eventlog.DeclineConnectivity)
	return nil
}

// SetReassignReplies sets a teammate's "Reassign replies" toggle. Turned on
// during a phone call, the host is told at once (rule PR4).
func (e *Engine) SetReassignReplies(now time.Time, id pb.TeammateID, on bool) error {
	t, err := e.beginTeammate(now, id)
	if err != nil {
		return err
	}
	was := t.pres.ReassignReplies
	t.pres.ReassignReplies = on
	if on && !was && t.pres.Status == presence.Away && t.pres.Reason == presence.ReasonOnACall {
		e.reassignReplies(t)
	}
	return nil
}

// StartMessengerCall records that a teammate started a Messenger web or
// video call. It leaves their status alone (rule PR5); it exists so a host
// can route every call kind through the engine and get that rule right.
func (e *Engine) StartMessengerCall(now time.Time, id pb.TeammateID) error {
	t, err := e.beginTeammate(now, id)
	if err != nil {
		return err
	}
	t.pres.PhoneCallStarted(presence.MessengerCall)
	return nil
}

// ReportAssignment records that the host assigned a teammate a conversation
// of another kind (chat, email, …). Every conversation counts for
// longest-idle order (rule AS3).
func (e *Engine) ReportAssignment(now time.Time, id pb.TeammateID) error {
	t, err := e.beginTeammate(now, id)
	if err != nil {
		return err
	}
	e.setLast(t, e.clock)
	e.emitTeammate(eventlog.ConversationAssigned, t)
	return nil
}

// afterPresence ends a ring the teammate can no longer take, then updates
// eligibility and makes any offers that follow.
func (e *Engine) afterPresence(t *teammate, cause eventlog.DeclineCause) {
	if c := t.ringing; c != nil && !t.pres.CanTakePhone() {
		e.ringFailed(c, eventlog.CallDeclined, cause, true)
	}
	e.refresh(t)
	e.dispatch()
}

func (e *Engine) reassignReplies(t *teammate) {
	e.emitTeammate(eventlog.RepliesReassigned, t)
	e.effect(Effect{Kind: ReassignReplies, Teammate: t.id})
}

// startPhoneCall puts t on a phone call (PR4).
func (e *Engine) startPhoneCall(t *teammate) {
	t.calls++
	e.setLast(t, e.clock)
	if t.calls >= e.cfg.CallLimit {
		wasWrap := t.pres.InWrapUp()
		if wasWrap {
			e.timers.Cancel(&t.wrap)
			e.emitTeammate(eventlog.WrapUpEnded, t)
		}
		reassign := t.pres.PhoneCallStarted(presence.PhoneCall)
		e.emitStatus(t)
		if reassign {
			e.reassignReplies(t)
		}
	}
	e.refresh(t)
}

// finishPhoneCall takes t off a phone call: wrap-up or Active (PR6).
func (e *Engine) finishPhoneCall(t *teammate) {
	t.calls--
	if t.calls < e.cfg.CallLimit && t.pres.Status == presence.Away && t.pres.Reason == presence.ReasonOnACall {
		wrapUp := e.cfg.WrapUp
		if t.calls > 0 {
			wrapUp = 0 // below the limit with a call still live: Active, wrap-up after the last
		}
		if t.pres.PhoneCallEnded(e.clock, wrapUp) {
			e.schedule(&t.wrap, t.pres.WrapUpUntil)
			e.emitStatus(t)
			e.emit(eventlog.Event{Kind: eventlog.WrapUpStarted, Teammate: t.id, TeammateName: t.name,
				Deadline: t.pres.WrapUpUntil})
		} else {
			e.emitStatus(t)
		}
	}
	e.refresh(t)
}
