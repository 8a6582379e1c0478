// Package sim simulates a contact-center day against the balanced-assignment
// engine of package assign, on simulated time.
//
// The model: customers call in a Poisson stream, may spend a routing (IVR)
// time before they reach the team's queue, and hang up after an
// exponentially distributed patience if nobody has answered yet. Handle
// times are exponential. Teammates answer a ringing phone after a random
// delay, sometimes decline or let it ring out (a miss), take away spells
// and come back, and get the engine's wrap-up time after each call.
//
// [Run] is a discrete-event loop: it keeps its own queue of future model
// events (arrivals, answer and decline reactions, hang-ups, call ends,
// away and back) and merges it with the engine's own deadlines
// ([assign.Engine.NextDeadline]), always moving the engine to the earlier
// of the two. It reads no clock, starts no goroutine and draws all its
// randomness from PCG generators seeded by [Config.Seed], so a run is a
// pure function of its Config.
package sim
