package presence

import (
	"errors"
	"fmt"
	"time"
)

// Errors returned for invalid presence input. Wrapped errors carry the
// offending value; test with errors.Is.
var (
	ErrInvalidChannel = errors.New("presence: invalid channel availability")
	ErrInvalidStatus  = errors.New("presence: invalid status")
	ErrMissingReason  = errors.New("presence: away status needs a reason")
)

// State is one teammate's presence. The zero value is not valid: set Channel
// and Status (see [State.Validate]). It encodes to JSON. Methods with
// pointer receivers change the state in place and are not safe for
// concurrent use.
type State struct {
	// Channel is the channel availability (rule PR1).
	Channel Channel `json:"channel"`
	// Status is Active or Away (rule PR2).
	Status Status `json:"status"`
	// Reason is the away reason; empty while Active.
	Reason string `json:"reason,omitempty"`
	// ClientOpen reports whether the phone client (the inbox in a browser
	// tab) is open.
	ClientOpen bool `json:"client_open,omitempty"`
	// Backgrounded reports whether that client is backgrounded; a
	// backgrounded client cannot ring (rule PR3).
	Backgrounded bool `json:"backgrounded,omitempty"`
	// ReassignReplies is the teammate's "Reassign replies" toggle (rule PR4).
	ReassignReplies bool `json:"reassign_replies,omitempty"`
	// WrapUpUntil is when the current wrap-up ends; zero when not wrapping
	// up (rule PR6).
	WrapUpUntil time.Time `json:"wrap_up_until,omitzero"`
}

// Validate reports whether s is a consistent presence state: a declared
// channel and status, a reason exactly when Away.
func (s State) Validate() error {
	if !s.Channel.Valid() {
		return fmt.Errorf("%w: %v", ErrInvalidChannel, s.Channel)
	}
	if !s.Status.Valid() {
		return fmt.Errorf("%w: %v", ErrInvalidStatus, s.Status)
	}
	if s.Status == Away && s.Reason == "" {
		return ErrMissingReason
	}
	if s.Status == Active && s.Reason != "" {
		return fmt.Errorf("%w: Active with away reason %q", ErrInvalidStatus, s.Reason)
	}
	return nil
}

// HasActiveClient reports whether the phone client is open and in the
// foreground (rule PR3).
func (s State) HasActiveClient() bool { return s.ClientOpen && !s.Backgrounded }

// CanTakePhone is the presence part of eligibility (rule AS2): channel All
// or Phone, status Active, and an active phone client. Call limits,
// exclusions and team membership are the engine's part.
func (s State) CanTakePhone() bool {
	return s.Channel.TakesPhone() && s.Status == Active && s.HasActiveClient()
}

// Availability classifies s for the team composition counts (rule EL3).
func (s State) Availability() Availability {
	switch {
	case s.Status == Away:
		return AwayStatus
	case !s.Channel.TakesPhone():
		return NotForPhone
	case !s.HasActiveClient():
		return NoActiveClient
	default:
		return Available
	}
}

// InWrapUp reports whether the teammate is in wrap-up time.
func (s State) InWrapUp() bool {
	return s.Status == Away && s.Reason == ReasonWrapUp && !s.WrapUpUntil.IsZero()
}

// SetAway makes the teammate Away with the given reason, ending any
// wrap-up. An empty reason is an error and changes nothing.
func (s *State) SetAway(reason string) error {
	if reason == "" {
		return ErrMissingReason
	}
	s.Status, s.Reason, s.WrapUpUntil = Away, reason, time.Time{}
	return nil
}

// SetActive makes the teammate Active. During wrap-up this is the product's
// "Switch to active", which ends wrap-up early (rule PR6).
func (s *State) SetActive() {
	s.Status, s.Reason, s.WrapUpUntil = Active, "", time.Time{}
}

// PhoneCallStarted applies the automatic status change of a phone call
// being answered or placed: Away with reason "On a call" (rule PR4). It
// reports whether the host must reassign the teammate's conversation
// replies. A Messenger call changes nothing (rule PR5).
func (s *State) PhoneCallStarted(kind CallKind) (reassignReplies bool) {
	if kind != PhoneCall {
		return false
	}
	s.Status, s.Reason, s.WrapUpUntil = Away, ReasonOnACall, time.Time{}
	return s.ReassignReplies
}

// PhoneCallEnded applies the end of the teammate's last phone call
// (rule PR6). If the status is still the automatic "On a call", the
// teammate enters wrap-up until now+wrapUp, or becomes Active at once when
// wrapUp is zero. A status the teammate chose during the call is kept. It
// reports whether wrap-up started.
func (s *State) PhoneCallEnded(now time.Time, wrapUp time.Duration) (wrapping bool) {
	if s.Status != Away || s.Reason != ReasonOnACall {
		return false
	}
	if wrapUp <= 0 {
		s.SetActive()
		return false
	}
	s.Reason, s.WrapUpUntil = ReasonWrapUp, now.Add(wrapUp)
	return true
}

// WrapUpDue reports whether wrap-up has run its course at now; if so the
// teammate is made Active again (rule PR6).
func (s *State) WrapUpDue(now time.Time) bool {
	if !s.InWrapUp() || now.Before(s.WrapUpUntil) {
		return false
	}
	s.SetActive()
	return true
}

// Counts are the team composition counts of rule EL3, also used by the
// live dashboard. Teammates Active on the Conversations channel are in
// none of them.
type Counts struct {
	// Away is the number of teammates whose status is Away.
	Away int
	// NoActiveClient is the number available for phone but without an
	// active phone client.
	NoActiveClient int
	// Available is the number available with an active phone client.
	Available int
}

// Add adds delta teammates of class a to the counts.
func (c *Counts) Add(a Availability, delta int) {
	switch a {
	case AwayStatus:
		c.Away += delta
	case NoActiveClient:
		c.NoActiveClient += delta
	case Available:
		c.Available += delta
	}
}
