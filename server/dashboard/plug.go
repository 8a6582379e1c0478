package dashboard

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/metrics"
	"github.com/phonebalance/phonebalance/server/advice"
)

// Parts are the reads a server already has, for [NewSource]. Their
// signatures are those of the server runtime's methods, so method values
// plug in directly.
type Parts struct {
	// Now is the server's clock. Required.
	Now func() time.Time
	// View runs read on the workspace's engine under the node's lock and
	// reports false (without calling read) while the workspace does not
	// exist. Required.
	View func(read func(e *assign.Engine)) (bool, error)
	// WithCollector runs fn with the metrics fold under its lock. Required.
	WithCollector func(fn func(c *metrics.Collector))
	// Advice returns the staffing advice (advice.Tracker.Advice); nil
	// shows none.
	Advice func(now time.Time, available map[pb.TeamID]int) []TeamAdvice
	// WindowStart is where the windowed cards (Completed, Abandoned, No
	// answer, Call duration, Answer time) start for a given now; nil means
	// local midnight of now's day.
	WindowStart func(now time.Time) time.Time
	// MaxCalls bounds the call list; 0 means DefaultMaxCalls.
	MaxCalls int
	// ChartBucket is the width of a bucket of the day's charts; it must
	// divide a day. 0 means DefaultChartBucket.
	ChartBucket time.Duration
}

// NewSource returns a Source that reads the fold under its lock (live view
// and the report from WindowStart to now), asks for the advice, copies the
// engine's tables inside View ([Capture]), then builds the State with no
// lock held, with the day's charts ([Day]; each ended bucket's report is
// read once, and kept until the window's start moves); before the workspace exists, the State has the fold's figures
// and empty tables. It fails with ErrInvalidConfig when a
// required part is missing.
func NewSource(p Parts) (Source, error) {
	if p.Now == nil || p.View == nil || p.WithCollector == nil {
		return nil, fmt.Errorf("%w: Parts needs Now, View and WithCollector", ErrInvalidConfig)
	}
	if p.ChartBucket == 0 {
		p.ChartBucket = DefaultChartBucket
	}
	if p.ChartBucket < 0 || (24*time.Hour)%p.ChartBucket != 0 {
		return nil, fmt.Errorf("%w: ChartBucket %v must be positive and divide a day", ErrInvalidConfig, p.ChartBucket)
	}
	if p.WindowStart == nil {
		p.WindowStart = func(now time.Time) time.Time {
			y, m, d := now.Date()
			return time.Date(y, m, d, 0, 0, 0, 0, now.Location())
		}
	}
	var (
		tablesMu sync.Mutex // one capture and Build at a time per Source
		tables   Tables
		dayMu    sync.Mutex // guards day, updated under the fold's lock
		day      dayCache
	)
	return SourceFunc(func(context.Context) (State, error) {
		now := p.Now()
		var live metrics.Dashboard
		var window metrics.Report
		from := p.WindowStart(now)
		dayMu.Lock()
		defer dayMu.Unlock()
		p.WithCollector(func(c *metrics.Collector) {
			live = c.Dashboard(now)
			// Report's end is exclusive and rounded down to its
			// resolution: a minute past now covers now.
			window = c.Report(from, now.Add(time.Minute))
			// The buckets that ended since the last call, each read once.
			day.update(c, from, now, p.ChartBucket)
		})
		var adv []TeamAdvice
		if p.Advice != nil {
			adv = p.Advice(now, advice.AvailableByTeam(live))
		}
		// Only the copy of the engine's tables runs under View's lock;
		// before the workspace exists they stay empty. The tables are
		// reused from one call to the next.
		tablesMu.Lock()
		defer tablesMu.Unlock()
		tables.reset()
		_, err := p.View(func(e *assign.Engine) { tables.Capture(e) })
		if err != nil {
			return State{}, err
		}
		st := Build(Inputs{At: now, Tables: tables, Live: live, Window: window, Advice: adv, MaxCalls: p.MaxCalls})
		st.Day = buildDay(&day, p.ChartBucket, st.Teams, adv)
		return st, nil
	}), nil
}

// TimelineFunc adapts an event store's timeline lookup to Config.Timeline:
// a call without events is assign.ErrUnknownCall (404).
func TimelineFunc(timeline func(call pb.CallID) ([]eventlog.Event, error)) func(context.Context, pb.CallID) (any, error) {
	return func(_ context.Context, call pb.CallID) (any, error) {
		evs, err := timeline(call)
		if err != nil {
			return nil, err
		}
		if len(evs) == 0 {
			return nil, fmt.Errorf("%w: %s", assign.ErrUnknownCall, call)
		}
		return TimelineOf(call, evs), nil
	}
}

// ExplainFunc adapts a View (see Parts.View) to Config.Explain: the
// engine's explanation of a waiting or ringing call.
func ExplainFunc(view func(read func(e *assign.Engine)) (bool, error)) func(context.Context, pb.CallID) (any, error) {
	return func(_ context.Context, call pb.CallID) (any, error) {
		var x assign.Explanation
		var xerr error
		ok, err := view(func(e *assign.Engine) { x, xerr = e.Explain(call) })
		switch {
		case err != nil:
			return nil, err
		case !ok:
			return nil, fmt.Errorf("%w: %s", assign.ErrUnknownCall, call)
		case xerr != nil:
			return nil, xerr
		}
		return x, nil
	}
}

// Handlers returns the dashboard's routes split for a server that
// authenticates: public must be reachable without a token (the login form,
// logout and the static assets, which hold no data); protected may sit
// behind the server's authentication (they check the credential themselves
// as well). Keys are http.ServeMux patterns; every value is s.
func (s *Server) Handlers() (public, protected map[string]http.Handler) {
	return split(s)
}

// split maps each of Routes to h, public or protected.
func split(h http.Handler) (public, protected map[string]http.Handler) {
	public, protected = map[string]http.Handler{}, map[string]http.Handler{}
	for _, p := range Routes {
		if slices.Contains(publicRoutes, p) {
			public[p] = h
		} else {
			protected[p] = h
		}
	}
	return public, protected
}
