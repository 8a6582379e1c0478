// Package metrics computes the call metrics of rules MT1-MT15 from the
// event stream alone (package eventlog), so that a host replaying a stored
// log gets exactly the figures the live engine showed. It imports the
// event and presence types only, never the engine.
//
// A [Collector] observes events one by one. It keeps live counters (calls
// in queue and active now, voicemails, callbacks and those not reached,
// teammates available for phone, talk time), windowed figures summed in
// time buckets, and each teammate's channel history. It uses event times only and never reads the
// wall clock; it is not safe for concurrent use.
//
// # Definitions
//
// Where the product help page words a metric, that wording decides:
//
//   - In queue (MT1): an inbound call is in queue from CallQueued until it
//     is answered, deflected, sent to voicemail or ends. A call ringing a
//     teammate is still in queue: the customer is still "waiting on hold in
//     the queue" until a teammate answers, and MT10 counts ringing as queue
//     time. So a call is never both in queue and active.
//   - Active (MT2): answered inbound calls, talking or on hold placed by the
//     teammate, until transferred or ended. Outbound calls are not
//     inbound calls: they count for the teammate's OnCall and MT9, not MT2.
//   - Completed (MT3): inbound calls answered by a teammate and not
//     abandoned (a customer hanging up while talking completes the call),
//     except callbacks whose customer was not reached when called back
//     (CallbackUnreached): the teammate answered, the customer never
//     talked.
//   - Abandoned (MT4): the customer hung up while routing, in queue, on
//     hold placed by a teammate, or in voicemail before leaving a message.
//     A hang-up while a teammate's phone rings counts as abandoned in
//     queue: the page's "Call ended before answer" entry puts "waiting in
//     the queue or while the call was ringing" together, and for the
//     customer ringing is waiting in the queue. It is not also No answer:
//     the customer, not the teammate, ended that ring. [Figures] gives
//     AbandonedRinging separately for hosts that want to move it.
//   - No answer (MT5): calls, each counted once, on which a teammate's
//     phone rang and was not answered by that teammate (CallMissed or
//     CallDeclined; a decline is a ring left unanswered), or a forward to
//     an external number went unanswered. The page defines it by the ring
//     ("the teammate's phone rang but was not answered"), not by the
//     call's fate, so a call missed by one teammate and answered by the
//     next counts in both No answer and Completed. Rings themselves are
//     counted too (Missed, Declined).
//   - Voicemail (MT6): inbound calls on which a voicemail was recorded. A
//     customer who hangs up in voicemail before a message is recorded has
//     abandoned it (MT4) and is not a voicemail call; one who leaves a
//     message and then hangs up has not abandoned.
//   - Call duration (MT7): inbound from CallPlaced to the end, routing and
//     queue included; outbound from CustomerAnswered (voicemail included,
//     MT14) to the end; outbound calls never answered have no duration.
//   - Answer time (MT8): from CallPlaced to the first CallAnswered; for the
//     workspace and each team, also how many were answered within each of
//     [ServiceLevelPoints] (the service level at 10, 20, 30, 60 s).
//   - Available for phone (MT9): on channel All or Phone, and either Active
//     with an active phone client or on a phone call now (answered inbound
//     or placed outbound). Team counts use MemberAdded/MemberRemoved.
//   - Queue time (MT10): each queue segment on its own, from CallQueued to
//     its answer, deflection, voicemail or the end of the call (windowed,
//     and in [TeamTotals.QueueWait] since the first event). A ring cut
//     short by a deflection or by voicemail ends with the segment and is
//     not an unanswered ring.
//   - Talk time (MT11, MT12): answered and not on hold. Hold time is not
//     talking; a barging supervisor (TeammateJoined) is not counted, as no
//     event says when they leave. Team talk time goes to the team the call
//     was answered in.
//   - Channel availability (MT13): [Collector.ChannelAt].
//   - Outbound answered (MT14): CustomerAnswered, whether the customer or
//     their voicemail picked up.
//   - Callbacks (MT15, LC5): calls with a CallbackRequested, ending the
//     call or keeping its place (KeepsPlace: the call stays in queue, and
//     counts in MT1, until answered); callbacks not reached: those with a
//     CallbackUnreached, also counted as callbacks.
//   - Dashboard (MT15): [Collector.Dashboard].
//
// # Windows
//
// [Collector.Report] sums figures over a window. Each figure counts in the
// window that contains the instant it became final; a call's outcome
// counts at its end. See [Report].
//
// # Bad input
//
// An event that breaks the stream's shape or order is refused with an
// error and changes nothing; see [Collector.Observe].
package metrics
