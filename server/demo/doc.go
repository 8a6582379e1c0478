// Package demo brings a dashboard to life without phones: simulated
// callers and teammates, on the real clock at a pace a person can follow,
// drive a replicated engine through the same commands a telephony host
// would send.
//
// Callers arrive at random (Poisson, a call every ten seconds by
// default), wait, and hang up if nobody answers within their patience.
// Teammates answer the phones the engine rings after a few seconds, now
// and then decline or let a ring time out, talk for 20 to 90 seconds and
// take short breaks. A call the engine deflects goes to voicemail. The
// model is the simulator's (examples/simulate), slowed down to real time.
//
// # Wiring
//
// The demo acts only through Node.Do, so every call, ring and break shows
// in the event log, the metrics and the dashboard like any other. It
// hears the engine's effects (rings, stopped rings, deflections) the one
// way every telephony does: it is a server/telephony.Telephony (and a
// Reconciler), so the host makes it the server's telephony, and the
// server's dispatcher calls its Execute and Reconcile:
//
//	dm, err := demo.New(demo.Config{Seed: seed})
//	// the runtime's telephony is dm (instead of LogTelephony)
//	go dm.Run(ctx, node) // once the node is open; until ctx is cancelled
//
// The demo queues each effect and returns at once; Run's loop acts on it.
// Run waits for the node to lead before it sets up its team.
//
// # Time and randomness
//
// Time comes from Config.Clock (github.com/benbjohnson/clock; the real
// clock by default). Every random draw comes from one generator seeded by
// Config.Seed: the same seed gives the same callers and the same
// teammates' choices, though the real clock and the order in which the
// engine's effects reach Execute (each call's in order, different calls'
// concurrently) can still vary from run to run.
package demo
