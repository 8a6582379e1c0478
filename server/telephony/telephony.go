// Package telephony is the telephony side of the server: the [Telephony]
// interface a host implements to carry out the engine's effects on real
// phones (SIP, a CPaaS provider's API), [LogTelephony], which only logs
// them, and the [Dispatcher], which runs each replica delivery's effects
// through a Telephony on the leader.
package telephony

import (
	"context"
	"log/slog"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
)

// Telephony carries out the engine's effects on real phones. The
// [Dispatcher] calls it on the leader only, from the replica's delivery
// goroutine, one effect at a time and in the log's order, never under the
// engine's lock. Each call gets a context with a deadline (see
// [DispatcherConfig.Timeout]); a method must return by then.
//
// This is where a real host does its I/O: send a SIP INVITE (or CANCEL),
// or call a CPaaS REST API ("create call", "update call", "redirect to
// this TwiML/NCCO"), push a notification to a softphone, or reassign
// replies in the inbox. A method that fails returns an error: the dispatcher
// logs it and, for Ring, tells the engine the teammate could not be
// reached (a connectivity decline), so the call moves on at once instead
// of ringing nobody until the ring times out.
type Telephony interface {
	// Ring rings teammate's phone for call until the ring times out at
	// until. With autoAnswer the host connects the call without the
	// teammate's action and reports the answer (POST /calls/{id}/answer)
	// once connected. After a leader change the new leader rings every
	// ringing call again (a reconciliation), so Ring must be idempotent
	// for the same call and teammate.
	Ring(ctx context.Context, call pb.CallID, teammate pb.TeammateID, until time.Time, autoAnswer bool) error
	// StopRinging stops ringing teammate for call: the engine ended that
	// ring (a miss, the customer hanging up, the teammate going away).
	StopRinging(ctx context.Context, call pb.CallID, teammate pb.TeammateID) error
	// Deflect takes call, queued for team, down the deflection path for
	// why: voicemail, a message, another team; the host's workflow decides.
	Deflect(ctx context.Context, call pb.CallID, team pb.TeamID, why eventlog.Deflection) error
	// ReassignReplies reassigns teammate's conversation replies while
	// they are on a phone call.
	ReassignReplies(ctx context.Context, teammate pb.TeammateID) error
}

// LogTelephony is a [Telephony] that only logs each effect. It is the
// server's default; it is safe for concurrent use; a real host replaces it with one that talks to its
// SIP server or CPaaS provider.
type LogTelephony struct {
	// Logger receives one record per effect; nil means slog.Default().
	Logger *slog.Logger
}

func (l LogTelephony) logger() *slog.Logger {
	if l.Logger == nil {
		return slog.Default()
	}
	return l.Logger
}

// Ring logs the ring. A real host sends a SIP INVITE to the teammate's
// softphone, or asks its CPaaS provider to dial the teammate's client and
// bridge the waiting caller, with a timeout of until.
func (l LogTelephony) Ring(ctx context.Context, call pb.CallID, teammate pb.TeammateID, until time.Time, autoAnswer bool) error {
	l.logger().InfoContext(ctx, "telephony: ring", "call", call, "teammate", teammate,
		"until", until.Format(time.TimeOnly), "auto_answer", autoAnswer)
	return nil
}

// StopRinging logs it. A real host sends a SIP CANCEL, or cancels the
// outbound leg through the CPaaS API.
func (l LogTelephony) StopRinging(ctx context.Context, call pb.CallID, teammate pb.TeammateID) error {
	l.logger().InfoContext(ctx, "telephony: stop ringing", "call", call, "teammate", teammate)
	return nil
}

// Deflect logs it. A real host redirects the caller: to voicemail, a
// recorded message or another team's number.
func (l LogTelephony) Deflect(ctx context.Context, call pb.CallID, team pb.TeamID, why eventlog.Deflection) error {
	l.logger().InfoContext(ctx, "telephony: deflect", "call", call, "team", team, "why", why.String())
	return nil
}

// ReassignReplies logs it. A real host reassigns the teammate's open
// conversations in its inbox.
func (l LogTelephony) ReassignReplies(ctx context.Context, teammate pb.TeammateID) error {
	l.logger().InfoContext(ctx, "telephony: reassign replies", "teammate", teammate)
	return nil
}
