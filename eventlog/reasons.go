package eventlog

import (
	"errors"
	"fmt"
	"strconv"
)

// Errors for decoding a stored log.
var (
	ErrUnknownKind  = errors.New("eventlog: unknown event kind")
	ErrUnknownValue = errors.New("eventlog: unknown enum value")
)

// DeclineCause tells an explicit Decline from the ambiguous declines
// (rules EL1, EL4). Only DeclineButton reads "using the Decline button";
// the others all read "Call declined by [name]".
type DeclineCause uint8

const (
	// DeclineButton: the teammate pressed Decline.
	DeclineButton DeclineCause = iota + 1
	// DeclineBusy: the teammate's phone gave a busy signal.
	DeclineBusy
	// DeclineConnectivity: the connection to the teammate failed.
	DeclineConnectivity
	// DeclineWentAway: the teammate went Away (or lost their client) just
	// before or while the call was assigned to them; under auto-answer this
	// is how a decline can still appear (rule AS8).
	DeclineWentAway
)

// Deflection is why a call was deflected instead of queued (rules DF1-DF5,
// EL2).
type Deflection uint8

const (
	// DeflectQueueFull: the team's queue reached its maximum size (DF1).
	DeflectQueueFull Deflection = iota + 1
	// DeflectNoTeammates: nobody was online and available for calls (DF2).
	DeflectNoTeammates
	// DeflectWorkspaceClosed: the workspace was out of office or outside its
	// operating hours (DF3).
	DeflectWorkspaceClosed
	// DeflectTeamClosed: the team was out of office (DF4).
	DeflectTeamClosed
	// DeflectHoldTimeout: the customer waited on hold longer than the
	// configured maximum (DF5).
	DeflectHoldTimeout
)

// Stage is where a call was when something happened to it, for example
// where the customer hung up (rule LC2).
type Stage uint8

const (
	// StageRouting: in the IVR workflow, before any team queue.
	StageRouting Stage = iota + 1
	// StageQueued: waiting in a team's queue, nobody ringing.
	StageQueued
	// StageRinging: ringing a teammate.
	StageRinging
	// StageTalking: answered and talking.
	StageTalking
	// StageOnHold: answered, placed on hold by the teammate.
	StageOnHold
	// StageVoicemail: in voicemail.
	StageVoicemail
	// StageDialing: an outbound call not yet picked up by the customer.
	StageDialing
)

// Party is who ended a call.
type Party uint8

const (
	// ByCustomer: the customer hung up.
	ByCustomer Party = iota + 1
	// ByTeammate: the teammate hung up.
	ByTeammate
	// BySystem: the library ended it (a deflection, a voicemail finishing,
	// a failed outbound call).
	BySystem
)

var (
	declineNames    = []string{"", "button", "busy", "connectivity", "went_away"}
	deflectionNames = []string{"", "queue_full", "no_teammates", "workspace_closed", "team_closed", "hold_timeout"}
	stageNames      = []string{"", "routing", "queued", "ringing", "talking", "on_hold", "voicemail", "dialing"}
	partyNames      = []string{"", "customer", "teammate", "system"}
)

func enumString(names []string, v uint8, typ string) string {
	if v > 0 && int(v) < len(names) {
		return names[v]
	}
	return typ + "(" + strconv.Itoa(int(v)) + ")"
}

func enumMarshal(names []string, v uint8, typ string) ([]byte, error) {
	if v == 0 || int(v) >= len(names) {
		return nil, fmt.Errorf("%w: %s(%d)", ErrUnknownValue, typ, v)
	}
	return []byte(names[v]), nil
}

func enumUnmarshal(names []string, b []byte, typ string) (uint8, error) {
	for i := 1; i < len(names); i++ {
		if names[i] == string(b) {
			return uint8(i), nil
		}
	}
	return 0, fmt.Errorf("%w: %s %q", ErrUnknownValue, typ, b)
}

// Valid reports whether c is a declared cause.
func (c DeclineCause) Valid() bool { return c > 0 && int(c) < len(declineNames) }

// String returns the cause's snake_case name.
func (c DeclineCause) String() string { return enumString(declineNames, uint8(c), "DeclineCause") }

// MarshalText encodes the cause by name.
func (c DeclineCause) MarshalText() ([]byte, error) {
	return enumMarshal(declineNames, uint8(c), "DeclineCause")
}

// UnmarshalText decodes a cause name.
func (c *DeclineCause) UnmarshalText(b []byte) error {
	v, err := enumUnmarshal(declineNames, b, "DeclineCause")
	*c = DeclineCause(v)
	return err
}

// Valid reports whether d is a declared reason.
func (d Deflection) Valid() bool { return d > 0 && int(d) < len(deflectionNames) }

// String returns the reason's snake_case name.
func (d Deflection) String() string {
	return enumString(deflectionNames, uint8(d), "Deflection")
}

// MarshalText encodes the reason by name.
func (d Deflection) MarshalText() ([]byte, error) {
	return enumMarshal(deflectionNames, uint8(d), "Deflection")
}

// UnmarshalText decodes a reason name.
func (d *Deflection) UnmarshalText(b []byte) error {
	v, err := enumUnmarshal(deflectionNames, b, "Deflection")
	*d = Deflection(v)
	return err
}

// Valid reports whether s is a declared stage.
func (s Stage) Valid() bool { return s > 0 && int(s) < len(stageNames) }

// String returns the stage's snake_case name.
func (s Stage) String() string { return enumString(stageNames, uint8(s), "Stage") }

// MarshalText encodes the stage by name.
func (s Stage) MarshalText() ([]byte, error) { return enumMarshal(stageNames, uint8(s), "Stage") }

// UnmarshalText decodes a stage name.
func (s *Stage) UnmarshalText(b []byte) error {
	v, err := enumUnmarshal(stageNames, b, "Stage")
	*s = Stage(v)
	return err
}

// Valid reports whether p is a declared party.
func (p Party) Valid() bool { return p > 0 && int(p) < len(partyNames) }

// String returns the party's name.
func (p Party) String() string { return enumString(partyNames, uint8(p), "Party") }

// MarshalText encodes the party by name.
func (p Party) MarshalText() ([]byte, error) { return enumMarshal(partyNames, uint8(p), "Party") }

// UnmarshalText decodes a party name.
func (p *Party) UnmarshalText(b []byte) error {
	v, err := enumUnmarshal(partyNames, b, "Party")
	*p = Party(v)
	return err
}
