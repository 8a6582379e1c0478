// Package host is a small HTTP host for the phonebalance engine, in the
// style of a CPaaS webhook backend: the telephony provider (or a SIP
// server's event hooks) reports what happened over HTTP, and the host
// answers by carrying out the engine's effects through a [Telephony].
//
// Commands go through [assign.Live.Do]; what each command and each fired
// deadline produced is delivered, in order, on the Live's own goroutine to
// the server, which appends the events to an [eventlog.Log] (timelines),
// folds them into a [metrics.Collector] (the live dashboard), writes them
// as JSON lines, and then executes the effects.
package api

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/metrics"
	"github.com/phonebalance/phonebalance/server/telephony"
)

// Config configures a [Server]. The zero value is usable: the product's
// defaults, effects logged with slog, events written nowhere.
type Config struct {
	// Engine is the workspace's phone settings; nil means
	// assign.DefaultConfig().
	Engine *assign.Config
	// Telephony carries out effects; nil means a [LogTelephony] on Logger.
	Telephony telephony.Telephony
	// Events receives every event as one JSON line (the durable log a real
	// host would ship or store); nil discards them.
	Events io.Writer
	// Logger receives the server's own diagnostics; nil means
	// slog.Default().
	Logger *slog.Logger
}

// Server is an [http.Handler] running one workspace's engine. It is safe
// for concurrent use. Close it to stop the engine's timer and delivery.
type Server struct {
	live   *assign.Live
	tel    telephony.Telephony
	logger *slog.Logger
	mux    *http.ServeMux

	// ctx is passed to Telephony; cancelled by Close once every delivery
	// is done.
	ctx    context.Context
	cancel context.CancelFunc

	// Written only by deliver, on the Live's one delivery goroutine.
	log  eventlog.Log // safe for concurrent use on its own
	sink *eventlog.JSONLines

	// mu guards the collector, which is not safe for concurrent use:
	// deliver observes under it, and handlers read the dashboard under it.
	mu      sync.Mutex
	metrics *metrics.Collector
}

// New returns a server with an empty workspace: no teams, no teammates.
// Its engine runs on the real clock (under testing/synctest, the bubble's
// fake one).
func New(cfg Config) (*Server, error) {
	ecfg := assign.DefaultConfig()
	if cfg.Engine != nil {
		ecfg = *cfg.Engine
	}
	eng, err := assign.New(ecfg)
	if err != nil {
		return nil, err
	}
	col, err := metrics.New(metrics.DefaultConfig())
	if err != nil {
		return nil, err
	}
	s := &Server{tel: cfg.Telephony, logger: cfg.Logger, metrics: col}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	if s.tel == nil {
		s.tel = telephony.LogTelephony{Logger: s.logger}
	}
	w := cfg.Events
	if w == nil {
		w = io.Discard
	}
	s.sink = eventlog.NewJSONLines(w)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.live = assign.NewLive(eng, assign.LiveConfig{
		Deliver: s.deliver,
		OnPanic: func(v any) { s.logger.Error("deliver panicked", "panic", v) },
	})
	s.mux = s.routes()
	return s, nil
}

// Do runs one command on the engine at the clock's time, as every HTTP
// command does. It is how a host seeds teams and teammates from its own
// database at start-up.
func (s *Server) Do(cmd func(e *assign.Engine, now time.Time) error) error {
	return s.live.Do(cmd)
}

// ServeHTTP serves the JSON API (see the package's README for the routes).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// Close stops the engine's timer, delivers what is still queued (so every
// event reaches the log and every effect the Telephony), and then cancels
// the context given to the Telephony. Later commands fail with 503.
// Close is idempotent.
func (s *Server) Close() {
	s.live.Close()
	s.cancel()
}

// deliver receives each Ready in the engine's order, on the Live's single
// delivery goroutine. Events are recorded before effects are executed, and
// the JSON line of an event is written last, once the timeline and the
// dashboard already show it.
func (s *Server) deliver(rd assign.Ready) {
	for _, ev := range rd.Events {
		s.log.Append(ev)
		s.mu.Lock()
		err := s.metrics.Observe(ev)
		s.mu.Unlock()
		if err != nil {
			s.logger.Error("metrics refused an event", "seq", ev.Seq, "kind", ev.Kind.String(), "err", err)
		}
		if err := s.sink.Write(ev); err != nil {
			s.logger.Error("cannot write event", "seq", ev.Seq, "kind", ev.Kind.String(), "err", err)
		}
	}
	for _, ef := range rd.Effects {
		s.execute(ef)
	}
}

// execute carries out one effect through the Telephony.
func (s *Server) execute(ef assign.Effect) {
	var err error
	switch ef.Kind {
	case assign.Ring:
		err = s.tel.Ring(s.ctx, ef.Call, ef.Teammate, ef.Until, ef.AutoAnswer)
		if err != nil {
			s.unreachable(ef.Call, ef.Teammate, err)
			return
		}
	case assign.StopRinging:
		err = s.tel.StopRinging(s.ctx, ef.Call, ef.Teammate)
	case assign.Deflect:
		err = s.tel.Deflect(s.ctx, ef.Call, ef.Team, ef.Deflection)
	case assign.ReassignReplies:
		err = s.tel.ReassignReplies(s.ctx, ef.Teammate)
	default:
		s.logger.Warn("unknown effect", "kind", ef.Kind.String(), "call", ef.Call)
		return
	}
	if err != nil {
		s.logger.Error("telephony failed", "effect", ef.Kind.String(), "call", ef.Call,
			"teammate", ef.Teammate, "err", err)
	}
}

// unreachable reports a ring that could not be placed as a connectivity
// decline, so the engine offers the call to the next teammate at once. It
// runs on the delivery goroutine, which may call back into the Live. If
// the ring already ended (answered, timed out, the customer hung up), the
// engine says so and there is nothing to do.
func (s *Server) unreachable(call pb.CallID, teammate pb.TeammateID, cause error) {
	s.logger.Warn("cannot ring teammate; declining for them", "call", call, "teammate", teammate, "err", cause)
	err := s.live.Do(func(e *assign.Engine, now time.Time) error {
		return e.Decline(now, call, teammate, eventlog.DeclineConnectivity)
	})
	switch {
	case err == nil, errors.Is(err, assign.ErrNotRinging), errors.Is(err, assign.ErrCallEnded),
		errors.Is(err, assign.ErrUnknownCall), errors.Is(err, assign.ErrClosed):
	default:
		s.logger.Error("cannot decline for an unreachable teammate", "call", call, "teammate", teammate, "err", err)
	}
}
