// Package telephony is how the engine's effects leave the server: the
// [Telephony] interface a host implements to carry them out on real phones
// (SIP, a CPaaS provider's API, the demo's simulated teammates), its
// optional [Reconciler], [LogTelephony], which only logs them, and the
// [Dispatcher], which takes the replica's deliveries on the leader and runs
// their effects through a Telephony: each call's effects in order,
// different calls at once.
package telephony

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/replica"
)

// Effect is one of the engine's effects, as a [Telephony] receives it:
// what to do (the embedded assign.Effect: ring, stop ringing, deflect,
// reassign replies), for which workspace, and its stable ID.
type Effect struct {
	assign.Effect
	// Workspace is the workspace whose engine produced the effect.
	Workspace replica.WorkspaceID
	// ID is the effect's stable ID: the raft index of the command that
	// produced it and its position among that command's effects. A leader
	// that hands the same entry over again gives it the same ID, so a host
	// can carry each effect out once.
	ID replica.EffectID
	// Reconcile marks an effect the dispatcher derived from a
	// reconciliation for a Telephony that is not a [Reconciler]: a Ring
	// the new leader's state implies, or a StopRinging for a ring it does
	// not. Its ID is the reconciliation's and may repeat an ordinary
	// effect's, so a host that deduplicates by ID lets it through and
	// matches it by call and teammate.
	Reconcile bool
}

// Telephony carries out the engine's effects. It has one method; a host
// that can also match all its phones to a list of rings at once
// implements [Reconciler] too.
//
// The [Dispatcher] calls Execute on the leader only, never under the
// engine's lock, from several goroutines at once: the effects of one call
// (Ring, StopRinging, Deflect, keyed by Effect.Call) reach Execute one at
// a time and in the log's order, and so do one teammate's ReassignReplies;
// effects of different calls may run concurrently, even for the same
// teammate (the StopRinging of one call and the Ring of the next that a
// command produces for one phone may overlap). Execute must therefore be
// safe for concurrent use. Each call gets a context with a deadline
// ([DispatcherConfig.Timeout], 10 s by default) and must return by then.
// The context carries the trace of the command that produced the effect
// (replica.Trace: the ID of the HTTP request that submitted it, "" for a
// deadline's or a phone's command): log with it, and the server's logger
// adds it as request_id.
//
// Execute is where a real host does its I/O, by Effect.Kind:
//
//   - assign.Ring: ring Teammate's phone for Call until Until (a SIP
//     INVITE, a CPaaS "dial and bridge"); with AutoAnswer connect the call
//     without the teammate's action and report the answer once connected.
//   - assign.StopRinging: stop that ring (SIP CANCEL, cancel the leg).
//   - assign.Deflect: take Call, queued for Team, down the deflection path
//     for Deflection (voicemail, a message, another number).
//   - assign.ReassignReplies: reassign Teammate's conversation replies
//     in the inbox while they are on the phone.
//
// A Ring for which Execute returns an error becomes a connectivity
// decline for that teammate at once, so the call rings the next one
// instead of ringing nobody until the ring times out. Other errors are
// logged. A Ring may come again for a call and teammate already ringing
// (a reconciliation after a change of leader): it must then do nothing.
type Telephony interface {
	Execute(ctx context.Context, ef Effect) error
}

// Ring is one ring a leader's state implies: Teammate's phone ringing for
// Call, queued for Team, until Until.
type Ring struct {
	Call       pb.CallID
	Teammate   pb.TeammateID
	Team       pb.TeamID
	Until      time.Time
	AutoAnswer bool
}

// Effect returns the Ring effect that starts r.
func (r Ring) Effect() assign.Effect {
	return assign.Effect{Kind: assign.Ring, Call: r.Call, Teammate: r.Teammate, Team: r.Team,
		Until: r.Until, AutoAnswer: r.AutoAnswer}
}

// Reconciler is implemented by a [Telephony] that knows which phones it has
// ringing and can match them to a list at once.
//
// On gaining leadership, once every entry of earlier leaders is applied,
// the dispatcher calls Reconcile once per workspace with every ring the
// state implies (possibly none), after every effect of the workspace it
// had queued and before any later one: nothing else of the workspace runs
// meanwhile. Reconcile must ring each listed teammate for the listed call
// unless that phone rings for it already, and stop every ring it has for
// the workspace that the list does not name. It gets a context with the
// same deadline as Execute. If it cannot place some listed rings it
// returns an [*UnplacedError] naming them: the dispatcher declines each
// for connectivity, as for a failed Ring. Any other error is logged.
//
// A Telephony that is not a Reconciler is reconciled by the dispatcher
// (see [Dispatcher]): it gets an Execute of a StopRinging for each ring it
// was asked to start and was not asked to stop and that the list does
// not name, and of a Ring for each listed ring not among those.
type Reconciler interface {
	Telephony
	Reconcile(ctx context.Context, ws replica.WorkspaceID, rings []Ring) error
}

// UnplacedError is what a [Reconciler] returns for listed rings it could
// not place; the dispatcher declines each for connectivity.
type UnplacedError struct {
	Rings []Ring
	Err   error // why (may join one error a ring)
}

// Error describes the error.
func (e *UnplacedError) Error() string {
	return fmt.Sprintf("telephony: %d rings could not be placed: %v", len(e.Rings), e.Err)
}

// Unwrap returns the cause.
func (e *UnplacedError) Unwrap() error { return e.Err }

// ErrUnknownEffect is returned by [LogTelephony] for an effect kind it
// does not know.
var ErrUnknownEffect = errors.New("telephony: unknown effect kind")

// LogTelephony is a [Telephony] that only logs each effect. It is the
// server's default; a real host replaces it with one that talks to its
// SIP server or CPaaS provider. It is safe for concurrent use and never
// waits. It is not a [Reconciler]: the dispatcher reconciles it.
type LogTelephony struct {
	// Logger receives one record per effect; nil means slog.Default().
	Logger *slog.Logger
}

// Execute logs the effect at Debug level (one line per ring: run with
// -log-level debug to see them), with ctx, so the record carries the
// trace of the command that produced it.
func (l LogTelephony) Execute(ctx context.Context, ef Effect) error {
	lg := l.Logger
	if lg == nil {
		lg = slog.Default()
	}
	attrs := []any{"workspace", ef.Workspace, "id", ef.ID, "reconcile", ef.Reconcile}
	switch ef.Kind {
	case assign.Ring:
		lg.DebugContext(ctx, "telephony: ring", append(attrs, "call", ef.Call, "teammate", ef.Teammate,
			"until", ef.Until.Format(time.TimeOnly), "auto_answer", ef.AutoAnswer)...)
	case assign.StopRinging:
		lg.DebugContext(ctx, "telephony: stop ringing", append(attrs, "call", ef.Call, "teammate", ef.Teammate)...)
	case assign.Deflect:
		lg.DebugContext(ctx, "telephony: deflect", append(attrs, "call", ef.Call, "team", ef.Team,
			"why", ef.Deflection.String())...)
	case assign.ReassignReplies:
		lg.DebugContext(ctx, "telephony: reassign replies", append(attrs, "teammate", ef.Teammate)...)
	default:
		return fmt.Errorf("%w: %v", ErrUnknownEffect, ef.Kind)
	}
	return nil
}
