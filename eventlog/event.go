package eventlog

import (
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/presence"
)

// Event is one entry of the log. Which fields are set depends on Kind (see
// each kind's comment); the rest are zero and omitted from JSON. Events are
// plain values, safe to copy and to share between goroutines once made.
type Event struct {
	// Seq numbers the events of one engine from 1, strictly increasing; it
	// orders events that share a time.
	Seq uint64 `json:"seq"`
	// At is when the event happened, on the host's clock.
	At time.Time `json:"at"`
	// Kind is the event's type.
	Kind Kind `json:"kind"`

	// Call is the call the event belongs to, if any.
	Call pb.CallID `json:"call,omitempty"`
	// Direction is the call's direction, on call events.
	Direction pb.Direction `json:"direction,omitempty"`
	// Team is the team of the call's current queue segment, or the team of a
	// membership event.
	Team pb.TeamID `json:"team,omitempty"`
	// TeamName is the team's display name.
	TeamName string `json:"team_name,omitempty"`
	// Segment numbers the call's team queue segments from 1 (rule LC3,
	// MT10); set on call events that happen within a segment.
	Segment int `json:"segment,omitempty"`
	// Teammate is the teammate involved, if any.
	Teammate pb.TeammateID `json:"teammate,omitempty"`
	// TeammateName is the teammate's display name.
	TeammateName string `json:"teammate_name,omitempty"`

	// Deadline is when a ring times out (CallOffered) or wrap-up ends
	// (WrapUpStarted).
	Deadline time.Time `json:"deadline,omitzero"`
	// Decline is the cause of a CallDeclined.
	Decline DeclineCause `json:"decline,omitempty"`
	// Deflection is the reason of a CallDeflected.
	Deflection Deflection `json:"deflection,omitempty"`
	// QueueLimit is the maximum queue size, on a queue-full deflection.
	QueueLimit int `json:"queue_limit,omitempty"`
	// HoldLimit is the maximum hold time, on a hold-timeout deflection.
	HoldLimit time.Duration `json:"hold_limit,omitempty"`
	// Stage is where the call was, on CallEnded and CallEndedBeforeAnswer.
	Stage Stage `json:"stage,omitempty"`
	// By is who ended the call, on CallEnded.
	By Party `json:"by,omitempty"`
	// Voicemail is true on a CustomerAnswered where voicemail picked up.
	Voicemail bool `json:"voicemail,omitempty"`
	// KeepsPlace is true on a CallbackRequested after which the call stays
	// in its queue, in the same segment and place, as a callback (the
	// customer is no longer on the line); false when the call ends.
	KeepsPlace bool `json:"keeps_place,omitempty"`
	// Count is the number on a team composition entry.
	Count int `json:"count,omitempty"`

	// Channel is a teammate's channel availability (TeammateAdded,
	// ChannelChanged).
	Channel presence.Channel `json:"channel,omitempty"`
	// Status is a teammate's status (TeammateAdded, StatusChanged).
	Status presence.Status `json:"status,omitempty"`
	// Reason is the away reason, when Status is Away.
	Reason string `json:"reason,omitempty"`
	// ClientActive is whether the phone client is open in the foreground
	// (TeammateAdded, ClientChanged).
	ClientActive bool `json:"client_active,omitempty"`
}
