package assign

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
)

// Why says why a team member is or is not being offered a call.
type Why uint8

const (
	// Ringing: the call is ringing them now.
	Ringing Why = iota + 1
	// Next: eligible and first in line; the call is offered to them as soon
	// as the engine next dispatches (never seen between commands).
	Next
	// LaterInOrder: eligible, but someone longer idle was offered the call.
	LaterInOrder
	// NextIfRingEnds: eligible and longer idle than the teammate being rung,
	// having become eligible after the offer; next in line if that ring
	// ends without an answer.
	NextIfRingEnds
	// Excluded: they missed or declined this call; excluded until Until.
	Excluded
	// RingingOther: another call is ringing them (rule AS4).
	RingingOther
	// AtCallLimit: on as many calls as the limit allows (rule AS4).
	AtCallLimit
	// NoActiveClient: their phone client is closed or backgrounded (PR3).
	NoActiveClient
	// AwayStatus: their status is Away, for Reason (PR2).
	AwayStatus
	// WrongChannel: their channel availability is Conversations (PR1).
	WrongChannel
)

// String names the reason.
func (w Why) String() string {
	switch w {
	case Ringing:
		return "ringing"
	case Next:
		return "next"
	case LaterInOrder:
		return "later in order"
	case NextIfRingEnds:
		return "next if the ring ends"
	case Excluded:
		return "excluded"
	case RingingOther:
		return "ringing with another call"
	case AtCallLimit:
		return "at the call limit"
	case NoActiveClient:
		return "no active phone client"
	case AwayStatus:
		return "away"
	case WrongChannel:
		return "channel"
	}
	return "Why(" + strconv.Itoa(int(w)) + ")"
}

// MarshalText encodes the reason by name.
func (w Why) MarshalText() ([]byte, error) {
	if w < Ringing || w > WrongChannel {
		return nil, fmt.Errorf("%w: why %d", ErrInvalidArgument, uint8(w))
	}
	return []byte(w.String()), nil
}

// UnmarshalText decodes a reason name.
func (w *Why) UnmarshalText(b []byte) error {
	for v := Ringing; v <= WrongChannel; v++ {
		if v.String() == string(b) {
			*w = v
			return nil
		}
	}
	return fmt.Errorf("%w: why %q", ErrInvalidArgument, b)
}

// Candidate is one team member in an [Explanation].
type Candidate struct {
	Teammate pb.TeammateID `json:"teammate"`
	Name     string        `json:"name,omitempty"`
	// LastAssigned is their last conversation assignment; zero if none.
	LastAssigned time.Time `json:"last_assigned,omitzero"`
	Why          Why       `json:"why"`
	// Reason is the away reason (AwayStatus).
	Reason string `json:"reason,omitempty"`
	// Channel is their channel (WrongChannel).
	Channel presence.Channel `json:"channel,omitempty"`
	// Until is when the ring times out (Ringing) or the exclusion lapses
	// (Excluded).
	Until time.Time `json:"until,omitzero"`
	// Other is the other call (RingingOther).
	Other pb.CallID `json:"other,omitempty"`
	// Text says it in words, as [Explanation.String] does.
	Text string `json:"text"`
}

// Explanation lists every member of a waiting or ringing call's team in
// offer order (longest idle first), each with why they are or are not
// being offered the call. It is what lets a support lead see why a call
// went to someone, or why it is still waiting.
// It encodes to JSON.
type Explanation struct {
	Call     pb.CallID      `json:"call"`
	Team     pb.TeamID      `json:"team"`
	TeamName string         `json:"team_name,omitempty"`
	Stage    eventlog.Stage `json:"stage"`
	// Callback: the call is a callback keeping its place
	// ([Engine.QueueCallback]); the customer is dialled back on answer.
	Callback   bool        `json:"callback,omitempty"`
	At         time.Time   `json:"at"`
	Candidates []Candidate `json:"candidates"`
}

// Explain explains who is and is not being offered a waiting or ringing
// call, as of the engine's current time. It changes nothing; its cost is
// linear in the team's size.
func (e *Engine) Explain(id pb.CallID) (Explanation, error) {
	c, err := e.call(id)
	if err != nil {
		return Explanation{}, err
	}
	if c.stage != eventlog.StageQueued && c.stage != eventlog.StageRinging {
		return Explanation{}, wrongState(c, "explain")
	}
	members := slices.Clone(c.team.members)
	slices.SortFunc(members, func(a, b *teammate) int {
		if lessItem(a.item(), b.item()) {
			return -1
		}
		return 1
	})
	x := Explanation{Call: c.id, Team: c.team.id, TeamName: c.team.name, Stage: c.stage, Callback: c.callback, At: e.now}
	for _, t := range members {
		k := e.candidate(c, t)
		k.Text = k.text()
		x.Candidates = append(x.Candidates, k)
	}
	return x, nil
}

func (e *Engine) candidate(c *call, t *teammate) Candidate {
	k := Candidate{Teammate: t.id, Name: t.name}
	if t.last != never {
		k.LastAssigned = time.Unix(0, t.last).In(e.now.Location())
	}
	switch {
	case c.ringing == t:
		k.Why, k.Until = Ringing, c.ringUntil
	case t.ringing != nil:
		k.Why, k.Other = RingingOther, t.ringing.id
	case t.calls >= e.cfg.CallLimit:
		k.Why = AtCallLimit
	case !t.pres.Channel.TakesPhone():
		k.Why, k.Channel = WrongChannel, t.pres.Channel
	case t.pres.Status != presence.Active:
		k.Why, k.Reason = AwayStatus, t.pres.Reason
	case !t.pres.HasActiveClient():
		k.Why = NoActiveClient
	case c.isExcluded(t):
		k.Why = Excluded
		for _, x := range c.excluded {
			if x.id == t.id {
				k.Until = x.until()
			}
		}
	case c.ringing != nil && lessItem(t.item(), c.ringing.item()):
		k.Why = NextIfRingEnds
	case c.ringing != nil:
		k.Why = LaterInOrder
	default:
		k.Why = Next
	}
	return k
}

// String renders the explanation for a support lead, one line per member.
func (x Explanation) String() string {
	var b strings.Builder
	team := x.TeamName
	if team == "" {
		team = string(x.Team)
	}
	callback := ""
	if x.Callback {
		callback = " (a callback)"
	}
	fmt.Fprintf(&b, "Call %s%s, %v in %s at %s:\n", x.Call, callback, x.Stage, team, x.At.Format(time.TimeOnly))
	for i, k := range x.Candidates {
		name := k.Name
		if name == "" {
			name = string(k.Teammate)
		}
		fmt.Fprintf(&b, "  %d. %s: %s\n", i+1, name, k.text())
	}
	return b.String()
}

func (k Candidate) text() string {
	switch k.Why {
	case Ringing:
		return "ringing until " + k.Until.Format(time.TimeOnly)
	case Next:
		return "eligible, next in line"
	case LaterInOrder:
		return "eligible, later in longest-idle order"
	case NextIfRingEnds:
		return "eligible since the call was offered; next if this ring ends"
	case Excluded:
		return "declined or missed this call; excluded until " + k.Until.Format(time.TimeOnly)
	case RingingOther:
		return "ringing with call " + string(k.Other)
	case AtCallLimit:
		return "at the call limit (on a call)"
	case NoActiveClient:
		return "available but with no active phone client"
	case AwayStatus:
		return "away (" + k.Reason + ")"
	case WrongChannel:
		return "channel availability is " + k.Channel.String()
	}
	return k.Why.String()
}
