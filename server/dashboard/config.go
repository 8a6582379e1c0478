package dashboard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/server/httpedge"
)

// ErrInvalidConfig is returned by [New] for a Config it cannot run with.
var ErrInvalidConfig = errors.New("dashboard: invalid config")

// Source gives the dashboard its state.
type Source interface {
	// State returns the state now. The hub calls it from one goroutine,
	// never concurrently with itself: once at start, after Notify (at most
	// once per Config.Coalesce), and every Config.Refresh while someone is
	// watching (talk times grow between events). ctx is bounded by
	// Config.SourceTimeout. An error is logged and the previous state kept.
	State(ctx context.Context) (State, error)
}

// SourceFunc adapts a function to [Source].
type SourceFunc func(ctx context.Context) (State, error)

// State calls f.
func (f SourceFunc) State(ctx context.Context) (State, error) { return f(ctx) }

// defaultCookieMaxAge is the login cookie's lifetime unless configured.
const defaultCookieMaxAge = 12 * time.Hour

// Config is what [New] needs. Source, Submit and Verifier are required;
// the durations and bounds have defaults.
type Config struct {
	// Source gives the state the page shows.
	Source Source
	// Submit commits an engine command and returns the engine's error, for
	// the page's channel-availability control (rule PR7): the dashboard
	// submits assign.Command{Op: assign.OpSetChannel, Teammate, Channel},
	// At left zero for the leader to stamp (replica's Node.Do does).
	Submit func(ctx context.Context, cmd assign.Command) error
	// Timeline returns a call's timeline as a JSON-able value; nil hides
	// the timeline in the page. An error wrapping assign.ErrUnknownCall
	// answers 404.
	Timeline func(ctx context.Context, call pb.CallID) (any, error)
	// Explain returns why a waiting or ringing call is or is not offered to
	// each team member (assign.Engine.Explain) as a JSON-able value; nil
	// hides it. assign.ErrWrongState answers 409.
	Explain func(ctx context.Context, call pb.CallID) (any, error)
	// Verifier checks the token POST /login is given, and authenticates
	// every data request that does not already carry a principal (from
	// the host's own authentication, httpedge.Require): the cookie or
	// Authorization: Bearer, the scheme in any case. It must compare in
	// constant time (api.HostVerifier does: every workspace's host token).
	Verifier httpedge.Verifier
	// Workspace is the workspace whose wallboard this is; empty means
	// httpedge.DefaultWorkspace. Only its host and its supervisors may
	// read the data routes or act on them (403 for anyone else, the
	// cluster's admin included).
	Workspace string
	// SecureCookie sets the cookie's Secure attribute even on plain HTTP
	// (behind a TLS-terminating proxy). It is always set on TLS requests.
	SecureCookie bool
	// CookieMaxAge is the login cookie's lifetime; default 12 h.
	CookieMaxAge time.Duration

	// MaxSubscribers bounds the live streams open at once; more are
	// refused with 503. Default 64.
	MaxSubscribers int
	// Coalesce is the shortest time between two renders of the state: a
	// burst of Notify calls makes one message. Default 250 ms.
	Coalesce time.Duration
	// Refresh re-renders the state this often while someone watches, so
	// that talk times of ongoing calls move; 0 means the default 1 s, a
	// negative value disables it.
	Refresh time.Duration
	// Heartbeat is the interval of comment lines on idle streams. Default
	// 15 s.
	Heartbeat time.Duration
	// WriteTimeout bounds each write to a stream (a client that does not
	// read is dropped). Default 10 s.
	WriteTimeout time.Duration
	// History is the number of past messages kept for Last-Event-ID
	// resumption; older ids get a fresh snapshot. Default 256.
	History int
	// SourceTimeout bounds one Source.State call. Default 5 s.
	SourceTimeout time.Duration
	// ActionTimeout bounds one Submit, Timeline or Explain call. Default
	// 10 s.
	ActionTimeout time.Duration
	// Logger receives errors; nil discards them.
	Logger *slog.Logger
}

func (c Config) withDefaults() (Config, error) {
	if c.Source == nil || c.Submit == nil || c.Verifier == nil {
		return c, fmt.Errorf("%w: Source, Submit and Verifier are required", ErrInvalidConfig)
	}
	if c.Workspace == "" {
		c.Workspace = httpedge.DefaultWorkspace
	}
	for _, d := range []struct {
		v   *time.Duration
		def time.Duration
	}{
		{&c.CookieMaxAge, defaultCookieMaxAge},
		{&c.Coalesce, 250 * time.Millisecond},
		{&c.Refresh, time.Second},
		{&c.Heartbeat, 15 * time.Second},
		{&c.WriteTimeout, 10 * time.Second},
		{&c.SourceTimeout, 5 * time.Second},
		{&c.ActionTimeout, 10 * time.Second},
	} {
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if c.Coalesce < 0 || c.Heartbeat < 0 || c.WriteTimeout < 0 || c.SourceTimeout < 0 ||
		c.ActionTimeout < 0 || c.CookieMaxAge < 0 {
		return c, fmt.Errorf("%w: negative duration", ErrInvalidConfig)
	}
	if c.MaxSubscribers == 0 {
		c.MaxSubscribers = 64
	}
	if c.History == 0 {
		c.History = 256
	}
	if c.MaxSubscribers < 0 || c.History < 0 {
		return c, fmt.Errorf("%w: negative bound", ErrInvalidConfig)
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}
