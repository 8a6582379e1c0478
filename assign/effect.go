package assign

import (
	"strconv"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
)

// EffectKind is what the host must do. The zero value is invalid.
type EffectKind uint8

const (
	// Ring: ring Teammate's phone for Call until Until. With AutoAnswer the
	// host connects the call without teammate action and reports
	// [Engine.Answer] once connected.
	Ring EffectKind = iota + 1
	// StopRinging: stop ringing Teammate for Call; the engine ended the
	// ring (a miss, the customer hanging up, a deflection, the teammate
	// going away). Answers and declines the host reported need no effect.
	StopRinging
	// Deflect: take Call out of the queue along the deflection path for
	// Deflection (voicemail, a message, another team: the host's workflow).
	Deflect
	// ReassignReplies: Teammate is on a phone call with "Reassign replies"
	// on; reassign their conversation replies while they are busy (rule PR4).
	ReassignReplies
)

// String names the kind.
func (k EffectKind) String() string {
	switch k {
	case Ring:
		return "ring"
	case StopRinging:
		return "stop_ringing"
	case Deflect:
		return "deflect"
	case ReassignReplies:
		return "reassign_replies"
	}
	return "EffectKind(" + strconv.Itoa(int(k)) + ")"
}

// Effect is one instruction to the host.
type Effect struct {
	Kind       EffectKind
	Call       pb.CallID
	Teammate   pb.TeammateID
	Team       pb.TeamID
	Until      time.Time           // Ring: when the ring times out
	AutoAnswer bool                // Ring: connect without teammate action
	Deflection eventlog.Deflection // Deflect: why
}

// Ready is what the engine produced since the host last took it: effects to
// carry out, in order, and events to log, in order.
type Ready struct {
	Effects []Effect
	Events  []eventlog.Event
}

// Empty reports whether there is nothing to do or log.
func (r Ready) Empty() bool { return len(r.Effects) == 0 && len(r.Events) == 0 }
