// Package eventlog holds the typed, timestamped events of rules EL1-EL4:
// every call's timeline and every teammate presence change, with the exact
// text a host shows for each event ([Event.Text]).
//
// The assign engine emits [Event] values; a host stores them through a
// [Sink] (JSON lines or log/slog) and can rebuild each call's ordered
// timeline with a [Log]. The metrics package folds the same stream, so a
// stored log yields the same figures as the live engine. The package does
// no I/O of its own except through the sinks a host constructs.
//
// # The shape of a stream
//
// Events are totally ordered by Seq; At never decreases along Seq. The
// engine emits them in these shapes, which is what a fold may rely on.
//
// An inbound call starts with CallPlaced (Direction inbound, no teammate):
// the customer placed it and routing began. From routing the call may be
// queued for a team: CallQueued opens queue segment n (n = 1, 2, … for
// each team visit, even to the same team again) and is the call's
// inbox-assignment time. While queued, balanced assignment may log the
// three team composition entries (TeammatesAway, TeammatesNoClient,
// TeammatesAvailable, only when the workspace turns that on) and then
// CallOffered (the teammate's phone rings until Deadline). A ring ends in
// exactly one of CallAnswered, CallDeclined, CallMissed, or the call leaving
// the queue (CallDeflected, VoicemailStarted, or the end of the call, which
// CallbackRequested without KeepsPlace announces), which stops the ring
// without counting it as unanswered; after a decline or a miss the call
// waits in the same segment and may be offered again.
// ManualAnswerRequested is followed at once by CallAnswered from the same
// teammate. CallDeflected takes the call out of its queue (or stops it
// from entering one) and returns it to routing: the host's workflow then
// ends it, sends it to voicemail, takes a callback request or queues it
// elsewhere.
//
// An answered call is active: CallOnHold and CallResumed toggle hold,
// TeammateJoined adds a barging supervisor, and CallTransferred (Team is the
// new team, Teammate the one who transferred) takes the answering teammate
// off the call, followed at once by CallQueued for the new segment.
// VoicemailStarted can follow routing or a queue (the call leaves the
// queue); VoicemailRecorded says a message was left. CallbackRequested
// records a callback request. Without KeepsPlace it is followed at once by
// the call's CallEnded (By system). With KeepsPlace (a queued or ringing
// call, once per call) the call stays where it is, in the same segment and
// place, and any ring goes on: it is a callback from then on, routed as
// any queued call, and the teammate who answers it is put through to the
// customer by the host dialling them back. CallbackUnreached, for a
// callback only, records that the customer was not reached and is
// followed at once by CallEnded (By system). ForwardUnanswered records an
// unanswered forward to an external number while the call is routing.
//
// An outbound call starts with CallPlaced carrying the teammate, who is on
// the call from then on; CustomerAnswered (with Voicemail when the
// customer's voicemail picked up) marks the start of its duration.
//
// Every call's timeline ends with exactly one terminal event: CallEnded
// (Stage is where it ended, By who ended it, Teammate the teammate on it if
// any) or, when the customer hung up while queued or ringing before any
// teammate answered, CallEndedBeforeAnswer (Stage queued or ringing). After
// it, the only event that may still name the call is AbandonedAssignment,
// logged when an assignment was attempted for the ended call.
//
// Teammate events carry no call. TeammateAdded gives the initial channel,
// status, reason and client state; StatusChanged, ChannelChanged and
// ClientChanged give each later change, including the automatic ones
// (Away "On a call" when a phone call is answered or placed, Away "call
// wrap up" and back to Active around wrap-up). WrapUpStarted and
// WrapUpEnded bracket wrap-up, MemberAdded and MemberRemoved team
// membership, and TeammateRemoved ends the teammate.
package eventlog
