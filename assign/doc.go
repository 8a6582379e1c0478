// Package assign is the balanced-assignment engine: one [Engine] per
// workspace decides whose phone rings for each call (rules AS1-AS13), runs
// each call's lifecycle (LC1-LC6), deflects calls it should not queue
// (DF1-DF5) and logs every step (EL1-EL4).
//
// Who is offered a call: a member of the call's team whose channel is All
// or Phone, who is Active with an active phone client, is neither ringing
// nor at the call limit, and is not excluded from this call because they
// missed or declined it in the last 5 minutes. Among those, the one whose
// last conversation assignment (of any kind) is oldest goes first; never
// assigned goes first of all; ties break by teammate ID. Each team keeps
// its eligible members in a B-tree in that order, so a decision costs
// O(log n) and allocates nothing.
//
// Waiting calls are served oldest first. The engine keeps one invariant
// between commands: no waiting call has a teammate who may take it. So the
// moment anyone becomes eligible (back Active, client opened, wrap-up over,
// an exclusion lapsed, added to the team), the oldest call they may take is
// offered.
//
// [Engine] is a pure state machine: commands take the time, deadlines are
// data, output accumulates in [Ready]. [Live] runs it on a clock for
// hosts with many goroutines.
package assign
