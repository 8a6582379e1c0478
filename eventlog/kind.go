package eventlog

import (
	"fmt"
	"strconv"
)

// Kind is the type of an event. The zero value is invalid.
type Kind uint8

// Call events. Each carries the call, its direction and, where one is
// involved, the team and teammate.
const (
	// CallPlaced: an inbound call was placed by the customer and routing
	// (the IVR workflow) began, or a teammate placed an outbound call.
	CallPlaced Kind = iota + 1
	// CallQueued: the call was routed to a team's queue; a new queue segment
	// starts (its inbox-assignment time, rules AS13, LC3).
	CallQueued
	// CallOffered: balanced assignment chose a teammate and their phone
	// rings until Deadline.
	CallOffered
	// CallAnswered: the teammate answered (the agent-assignment time). It is
	// logged the moment they answer (rule EL4).
	CallAnswered
	// CallDeclined: the teammate declined; Decline tells the Decline button
	// from a busy signal, a dropped connection or going Away.
	CallDeclined
	// CallMissed: the call rang until the ring timeout.
	CallMissed
	// CallOnHold: the teammate placed the customer on hold.
	CallOnHold
	// CallResumed: the teammate took the customer off hold.
	CallResumed
	// CallTransferred: the active call was transferred to Team; a CallQueued
	// for that team follows.
	CallTransferred
	// TeammateJoined: a supervisor barged into the active call.
	TeammateJoined
	// ManualAnswerRequested: a teammate claimed the waiting call from the
	// shared pool.
	ManualAnswerRequested
	// CallEndedBeforeAnswer: the customer hung up before any teammate
	// answered (Stage tells where).
	CallEndedBeforeAnswer
	// CallDeflected: the call was not queued (or left the queue) for
	// Deflection.
	CallDeflected
	// AbandonedAssignment: assignment started after the customer had hung
	// up with no assignee; nobody was assigned.
	AbandonedAssignment
	// VoicemailStarted: the call went to voicemail.
	VoicemailStarted
	// VoicemailRecorded: the customer left a voicemail.
	VoicemailRecorded
	// CallbackRequested: the customer asked to be called back. With
	// KeepsPlace the call stays queued as a callback; without it the call
	// ends.
	CallbackRequested
	// CustomerAnswered: the customer picked up an outbound call, or their
	// voicemail did (Voicemail is then true); both count as answered.
	CustomerAnswered
	// ForwardUnanswered: the call was forwarded to an external number that
	// did not answer.
	ForwardUnanswered
	// CallEnded: the call ended (Stage tells from where, By who ended it).
	CallEnded
	// TeammatesAway is a team composition entry (rule EL3): Count teammates
	// of the team were Away at the assignment.
	TeammatesAway
	// TeammatesNoClient is a team composition entry: Count teammates were
	// available but had no active phone client.
	TeammatesNoClient
	// TeammatesAvailable is a team composition entry: Count teammates were
	// available with an active phone client.
	TeammatesAvailable
	// CallbackUnreached: calling the customer of a callback back did not
	// reach them (no answer, a refusal, or the callback could not be
	// placed); Teammate is the teammate on the call, if any. CallEnded (By
	// system) follows at once.
	CallbackUnreached
)

// Teammate events. They carry the teammate and no call.
const (
	// TeammateAdded: the teammate joined the workspace, with their initial
	// Channel, Status, Reason and ClientActive.
	TeammateAdded Kind = iota + 64
	// TeammateRemoved: the teammate left the workspace.
	TeammateRemoved
	// MemberAdded: the teammate joined Team.
	MemberAdded
	// MemberRemoved: the teammate left Team.
	MemberRemoved
	// StatusChanged: Status and Reason changed.
	StatusChanged
	// ChannelChanged: Channel changed (by the teammate or an admin).
	ChannelChanged
	// ClientChanged: the phone client became active or inactive
	// (ClientActive).
	ClientChanged
	// WrapUpStarted: wrap-up time began; it ends at Deadline.
	WrapUpStarted
	// WrapUpEnded: wrap-up time ended, on its own or by "Switch to active".
	WrapUpEnded
	// RepliesReassigned: the teammate is on a phone call with "Reassign
	// replies" on; the host must reassign their conversation replies.
	RepliesReassigned
	// ConversationAssigned: the host assigned the teammate a non-phone
	// conversation, which counts for longest-idle order (rule AS3).
	ConversationAssigned
)

var kindNames = map[Kind]string{
	CallPlaced: "call_placed", CallQueued: "call_queued", CallOffered: "call_offered",
	CallAnswered: "call_answered", CallDeclined: "call_declined", CallMissed: "call_missed",
	CallOnHold: "call_on_hold", CallResumed: "call_resumed", CallTransferred: "call_transferred",
	TeammateJoined: "teammate_joined", ManualAnswerRequested: "manual_answer_requested",
	CallEndedBeforeAnswer: "call_ended_before_answer", CallDeflected: "call_deflected",
	AbandonedAssignment: "abandoned_assignment", VoicemailStarted: "voicemail_started",
	VoicemailRecorded: "voicemail_recorded", CallbackRequested: "callback_requested",
	CustomerAnswered: "customer_answered", ForwardUnanswered: "forward_unanswered",
	CallEnded: "call_ended", TeammatesAway: "teammates_away", TeammatesNoClient: "teammates_no_client",
	TeammatesAvailable: "teammates_available", CallbackUnreached: "callback_unreached",
	TeammateAdded: "teammate_added", TeammateRemoved: "teammate_removed", MemberAdded: "member_added",
	MemberRemoved: "member_removed", StatusChanged: "status_changed", ChannelChanged: "channel_changed",
	ClientChanged: "client_changed", WrapUpStarted: "wrap_up_started", WrapUpEnded: "wrap_up_ended",
	RepliesReassigned: "replies_reassigned", ConversationAssigned: "conversation_assigned",
}

var kindByName = func() map[string]Kind {
	m := make(map[string]Kind, len(kindNames))
	for k, n := range kindNames {
		m[n] = k
	}
	return m
}()

// kindName is kindNames as a table indexed by kind, "" for undeclared
// kinds: Valid and String are called for every event observed or encoded.
var kindName = func() (t [256]string) {
	for k, n := range kindNames {
		t[k] = n
	}
	return t
}()

// Kinds returns every declared kind in ascending order.
func Kinds() []Kind {
	var out []Kind
	for k := Kind(1); k != 0; k++ {
		if k.Valid() {
			out = append(out, k)
		}
	}
	return out
}

// Valid reports whether k is a declared kind.
func (k Kind) Valid() bool { return kindName[k] != "" }

// IsCall reports whether events of this kind belong to a call's timeline.
func (k Kind) IsCall() bool { return k.Valid() && k < TeammateAdded }

// String returns the kind's snake_case name, as used in JSON.
func (k Kind) String() string {
	if n := kindName[k]; n != "" {
		return n
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// MarshalText encodes the kind by name.
func (k Kind) MarshalText() ([]byte, error) {
	if !k.Valid() {
		return nil, fmt.Errorf("%w: %d", ErrUnknownKind, uint8(k))
	}
	return []byte(k.String()), nil
}

// UnmarshalText decodes a kind name.
func (k *Kind) UnmarshalText(b []byte) error {
	v, ok := kindByName[string(b)]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownKind, b)
	}
	*k = v
	return nil
}
