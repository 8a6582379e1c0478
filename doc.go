// Package phonebalance is a library for balanced phone assignment: the part
// of a contact-center or support-inbox backend that decides whose phone
// rings for each inbound call, keeps every call's timeline, and computes
// the live and historical call metrics.
//
// It does no I/O. The host (a SIP server, a CPaaS webhook handler, a
// simulation) tells it what happened and when: a call arrived, a teammate
// answered, a client closed, time passed. It answers with what the host
// must do (ring this teammate until T, stop ringing, deflect this call,
// reassign replies) and with the events it logged, worded as the product
// words them.
//
// # Packages
//
//   - [github.com/phonebalance/phonebalance/assign]: the engine, one per
//     workspace, and assign.Live, its wrapper for real time.
//   - [github.com/phonebalance/phonebalance/presence]: a teammate's channel,
//     status, client and the automatic "On a call" and "call wrap up".
//   - [github.com/phonebalance/phonebalance/cooldown]: exclusions that lapse
//     at an absolute time.
//   - [github.com/phonebalance/phonebalance/eventlog]: event kinds, timelines,
//     the product's wording, and sinks (JSON lines, log/slog).
//   - [github.com/phonebalance/phonebalance/metrics]: every call metric as a
//     fold over the event log, live or from a stored log.
//   - [github.com/phonebalance/phonebalance/schedule]: operating hours and
//     out-of-office overrides.
//
// This package holds the identifiers they share.
//
// # The host's loop
//
// The engine is a pure state machine: every command takes the time it
// happens at. A host that owns its event loop drives it directly:
//
//	eng, err := assign.New(assign.DefaultConfig()) // 30 s rings, 5 min exclusions
//	if err != nil { … }
//	_ = eng.AddTeam("support", "Support", assign.TeamConfig{MaxQueue: 20})
//	_ = eng.AddTeammate(now, "ana", "Ana", presence.State{
//		Channel: presence.ChannelAll, Status: presence.Active, ClientOpen: true})
//	_ = eng.AddMember(now, "support", "ana")
//
//	for in := range inputs { // SIP, webhooks, UI actions, the timer
//		now := clk.Now()
//		switch in := in.(type) {
//		case callArrived:
//			err = eng.Arrive(now, in.call, in.team)
//		case answered:
//			err = eng.Answer(now, in.call, in.teammate)
//		case declined:
//			err = eng.Decline(now, in.call, in.teammate, eventlog.DeclineButton)
//		case hungUp:
//			err = eng.HangUp(now, in.call)
//		case timerFired:
//			err = eng.Advance(now)
//		}
//		if err != nil { … } // typed: errors.Is(err, assign.ErrNotRinging), …
//
//		rd := eng.Ready()
//		for _, ef := range rd.Effects {
//			switch ef.Kind {
//			case assign.Ring:        // ring ef.Teammate for ef.Call until ef.Until
//			case assign.StopRinging: // the engine ended that ring
//			case assign.Deflect:     // take ef.Call down the deflection path
//			case assign.ReassignReplies:
//			}
//		}
//		for _, ev := range rd.Events {
//			_ = sink.Write(ev)        // eventlog.NewJSONLines(file), …
//			_ = collector.Observe(ev) // metrics
//		}
//		if next, ok := eng.NextDeadline(); ok {
//			timer.Reset(next.Sub(now)) // one timer, for the next deadline
//		}
//	}
//
// A host with many goroutines uses assign.Live instead: it owns the
// engine, applies each command under a lock at the clock's time, arms the
// one timer itself, and delivers each Ready in order to a callback.
//
// # Time
//
// Nothing in the library reads the clock or starts a goroutine, except
// assign.Live, which reads an injected github.com/benbjohnson/clock
// clock. Every deadline (ring timeout, exclusion lapse, wrap-up end, hold
// timeout) fires at its own time, in order, however coarsely the host
// advances; so a simulated day runs in milliseconds and every test is
// deterministic. Time never goes backwards: a command dated before the
// engine's time fails with assign.ErrTimeWentBackwards. Command times
// must lie in years 1970 to 2199 (assign.TimeRange) and config durations
// within documented bounds (a ring of 1 s to 1 h, other periods up to 30
// days), so that no deadline overflows and every state the engine accepts
// encodes to a snapshot and to the JSON-lines log and back.
//
// # Errors
//
// A caller's mistake (an unknown ID, an answer from someone the call is not
// ringing, Decline under auto-answer) returns a sentinel error that
// errors.Is recognises, and changes nothing. A broken internal invariant
// panics.
package phonebalance
