// Package advice tells a supervisor how many teammates each team needs on
// the phone now: from the event stream it measures each team's arrival
// rate and mean handle time over a sliding window, and sizes the team for
// a service-level target ("80 % of calls answered within 20 s") with
// Erlang C (package staffing).
//
// The figures are folded by metrics.Collector, the one fold of the event
// stream (metrics.StaffingWindow, read with Collector.Staffing); a
// [Tracker] holds the targets and turns those loads into advice
// ([Tracker.Advise]). A host without a Collector may feed events to
// Tracker.Observe, which folds them the same way. The figures are:
//
//   - Arrivals: every CallQueued of an inbound call is one arrival for its
//     team (a transfer to another team is an arrival there; a call that
//     hangs up in the queue still arrived).
//   - Handle time: from CallAnswered to the end of the teammate's part in
//     the call (CallEnded, or CallTransferred, which takes them off it),
//     hold included, since the teammate is busy with the call throughout;
//     plus the wrap-up that starts at the instant the call ends
//     (WrapUpStarted for that teammate, counted up to its Deadline until
//     WrapUpEnded gives its true end). Outbound calls are not counted.
//   - The window: an arrival counts while its time is in (now − Window,
//     now]; a handle time while the end of its call is. While the tracker
//     has seen less than a Window of events, the rate is taken over the
//     time since its first event (at least a minute, at most the Window),
//     so that a freshly started server does not read a few calls as a
//     lull. A team without a finished call in the window uses the mean of
//     every call it has finished; without any, it cannot be sized yet.
//
// Everything comes from event times and the now passed to Advice; the
// package never reads the clock. A Tracker is safe for concurrent use.
package advice
