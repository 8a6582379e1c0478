// Package api is the server's HTTP API: JSON endpoints in the style of a
// CPaaS webhook backend (the provider reports that a call arrived, a
// teammate answered, declined or hung up; the inbox reports presence),
// each turned into one command on the replicated engine, plus the views
// (calls, teammates, teams, explanations, timelines, the dashboard),
// Prometheus metrics and the cluster endpoints.
//
// Every request but GET /healthz is authenticated, and every answer is
// made, by the server's one HTTP edge (package httpedge), which the
// dashboard shares: see [Server]. Commands go to the raft leader: a
// follower forwards writes to the leader's HTTP address (forward.go).
// Reads are served by the node that receives them, from its own state
// (possibly behind the leader by the replication lag).
package api

import (
	"crypto/tls"
	"fmt"
	"github.com/phonebalance/phonebalance/client"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/phonebalance/phonebalance/server/core"
	"github.com/phonebalance/phonebalance/server/httpedge"
	"github.com/phonebalance/phonebalance/server/promexport"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Config configures a [Server].
type Config struct {
	// Runtime is the node the API serves. Required.
	Runtime *core.Runtime
	// Token is the host token of core.DefaultWorkspace (Authorization:
	// Bearer, or the phonebalance_token cookie). Required, at least 16
	// bytes. The workspaces created through POST /v1/workspaces have
	// tokens of their own (see [HostVerifier]).
	Token string
	// AdminToken is the cluster's admin credential (httpedge.RoleAdmin):
	// it alone may change the membership and take backups, and it may not
	// act on the workspace (403), so a leaked admin token is no telephony
	// credential and the host token cannot reshape the cluster. Empty
	// means no admin: those endpoints answer 403 to everyone. It must
	// differ from Token.
	AdminToken string
	// Sessions verifies more credentials after the host and admin tokens:
	// the teammates' and supervisors' sign-in sessions (the inbox's), so
	// that a supervisor's session opens the wallboard. Nil: none. Every
	// API route refuses those roles (403): they reach only the Extra
	// handlers that admit them.
	Sessions httpedge.Verifier
	// Logger receives request failures; nil means slog.Default().
	Logger *slog.Logger
	// CommandTimeout bounds each wait on the engine (commit and apply);
	// zero means 10 s.
	CommandTimeout time.Duration
	// MaxInFlight bounds the requests served at once; more get 503 at
	// once. Zero means 256. Event streams (a GET that accepts
	// text/event-stream: the wallboard's, each open inbox tab's, the
	// effects stream) have their own budget, MaxStreams, since each
	// holds its request for as long as a page stays open.
	MaxInFlight int
	// VoicemailDir is where the SIP gateway records voicemails
	// (<data>/voicemail), served at GET .../voicemails; empty: none are
	// recorded and the listing is empty.
	VoicemailDir string
	// MaxStreams bounds the event streams served at once; more get 503
	// at once. Zero means 4096 (each stream also counts against
	// -max-conns).
	MaxStreams int
	// LeaderURL maps the leader's raft ID to the base URL of its HTTP API
	// ("http://10.0.0.5:8080"), for redirecting writes; nil means the
	// server's convention, [LeaderURLFromID]: a cluster node's raft ID is
	// its HTTP address.
	LeaderURL func(leaderID string) (string, bool)
	// BackupDir is where GET /v1/cluster/backup stages its copy of the
	// event store before sending it (as large as events.db); empty means
	// os.TempDir(). The server gives its data directory.
	BackupDir string
	// PeerTLS verifies the other nodes' HTTPS certificates when a follower
	// forwards a write to the leader over HTTPS (a LeaderURL with the
	// https scheme); nil means the system's roots.
	PeerTLS *tls.Config
	// Extra are more handlers mounted behind the authentication, by
	// http.ServeMux pattern: the dashboard page at "GET /", its SSE stream,
	// anything the host adds. A pattern that conflicts with the API's makes
	// New fail.
	Extra map[string]http.Handler
	// Public are handlers mounted WITHOUT authentication, by pattern: the
	// login form ("GET /login", "POST /login"). Keep this to what must be
	// reachable before logging in.
	Public map[string]http.Handler
	// RatePerIP is how many requests per second one client IP may make on
	// average, with bursts up to RateBurst; more get 429 with Retry-After.
	// Zero means no rate limit. /healthz is not limited.
	RatePerIP float64
	RateBurst int
	// LoginPath, if set, is where a browser without credentials is sent
	// (303) when it GETs a page (Accept: text/html); API clients get 401.
	LoginPath string
}

// healthSlots bounds the GET /healthz and /readyz requests served at
// once. They have their own budget: a flood of health checks never takes
// the API's slots, and the API's load never fails a health check.
const healthSlots = 8

// Server is the API's http.Handler. It is safe for concurrent use.
type Server struct {
	rt         *core.Runtime
	auth       *Authenticator
	logger     *slog.Logger
	timeout    time.Duration
	leaderURL  func(string) (string, bool)
	fwd        *forwarder
	voicemails Voicemails
	slots      chan struct{}
	streams    chan struct{}
	health     chan struct{}
	limiter    *rateLimiter // nil: no rate limit
	mux        *http.ServeMux
	open       *http.ServeMux
	protected  http.Handler // mux behind the authentication
	edge       http.Handler // the whole chain behind the same-origin guard
	logged     http.Handler // serve behind the access log
	registry   *prometheus.Registry
	scrapes    chan struct{} // bounds the scrapes served at once
	backupDir  string
	replayTo   atomic.Uint64 // the commit index known at start, or the first GET /readyz saw
}

// New returns the API for cfg.Runtime.
func New(cfg Config) (s *Server, err error) {
	if cfg.Runtime == nil {
		return nil, fmt.Errorf("api: no runtime")
	}
	auth, err := NewAuthenticator(cfg.Token)
	if err != nil {
		return nil, err
	}
	verifier := HostVerifier(cfg.Runtime, auth)
	if cfg.AdminToken != "" {
		if cfg.AdminToken == cfg.Token {
			return nil, fmt.Errorf("api: the admin token must differ from the host token")
		}
		admin, err := httpedge.NewAdminToken(cfg.AdminToken)
		if err != nil {
			return nil, fmt.Errorf("api: admin token: %w", err)
		}
		verifier = httpedge.Verifiers{verifier, admin}
	}
	if cfg.Sessions != nil {
		verifier = httpedge.Verifiers{verifier, cfg.Sessions}
	}
	s = &Server{rt: cfg.Runtime, auth: auth, logger: cfg.Logger, timeout: cfg.CommandTimeout,
		leaderURL: cfg.LeaderURL, backupDir: cfg.BackupDir}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	if s.timeout <= 0 {
		s.timeout = 10 * time.Second
	}
	if s.leaderURL == nil {
		s.leaderURL = LeaderURLFromID
	}
	s.fwd = newForwarder(auth, s.timeout, cfg.PeerTLS)
	// What a starting node must replay before it is ready: the commit
	// index it knows now (a cluster node learns it from the leader, so
	// GET /readyz takes the first it sees if this is 0).
	s.replayTo.Store(cfg.Runtime.Node().Status().CommitIndex)
	n := cfg.MaxInFlight
	if n <= 0 {
		n = 256
	}
	s.slots = make(chan struct{}, n)
	s.health = make(chan struct{}, healthSlots)
	s.voicemails = Voicemails{Dir: cfg.VoicemailDir}
	streams := cfg.MaxStreams
	if streams <= 0 {
		streams = 4096
	}
	s.streams = make(chan struct{}, streams)
	if cfg.RatePerIP > 0 {
		s.limiter = newRateLimiter(cfg.RatePerIP, cfg.RateBurst)
	}
	s.registry = prometheus.NewRegistry()
	s.scrapes = make(chan struct{}, 4)
	if err := s.registry.Register(cfg.Runtime.Exporter()); err != nil {
		return nil, err
	}
	s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		promexport.NewNodeCollector(cfg.Runtime.Node().Status, nil))

	// A pattern conflict panics in ServeMux; report it as an error.
	defer func() {
		if v := recover(); v != nil {
			s, err = nil, fmt.Errorf("api: %v", v)
		}
	}()
	s.mux = s.routes()
	s.backupRoute(s.mux)
	s.workspaceRoutes(s.mux)
	s.mux.Handle("GET /metrics", httpedge.RequireRole(http.HandlerFunc(s.metrics), httpedge.RoleAdmin, httpedge.RoleHost))
	for pattern, h := range cfg.Extra {
		s.mux.Handle(pattern, h)
	}
	s.open = http.NewServeMux()
	s.open.HandleFunc("GET /healthz", s.healthz)
	s.open.HandleFunc("GET /readyz", s.readyz)
	for pattern, h := range cfg.Public {
		s.open.Handle(pattern, h)
	}
	routes := httpedge.WorkspaceOnly(s.mux, httpedge.Routes(s.mux))
	s.protected = httpedge.Require(verifier, cfg.LoginPath, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.forward(w, r) {
			routes.ServeHTTP(w, r)
		}
	}))
	s.edge = httpedge.SameOrigin(http.HandlerFunc(s.dispatch))
	s.logged = httpedge.AccessLog(s.logger, http.HandlerFunc(s.serve))
	return s, nil
}

// Registry returns the Prometheus registry GET /metrics serves to the
// admin token (every workspace's call metrics, Go, process and raft
// metrics); a host may register more.
func (s *Server) Registry() *prometheus.Registry { return s.registry }

// GET /metrics: the admin token (the operator's scrape) gets the whole
// registry; a workspace's host token gets that workspace's call metrics
// only (a registry made for the scrape), never another workspace's nor
// the node's internals.
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	p, _ := httpedge.PrincipalFrom(r.Context())
	g := prometheus.Gatherer(s.registry)
	if p.Role != httpedge.RoleAdmin {
		sp, err := WorkspaceOf(s.rt, p.Workspace)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		reg := prometheus.NewRegistry()
		reg.MustRegister(sp.Exporter())
		g = reg
	}
	select {
	case s.scrapes <- struct{}{}:
		defer func() { <-s.scrapes }()
	default:
		s.writeError(w, r, httpedge.ErrBusy)
		return
	}
	promhttp.HandlerFor(g, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(s.logger.Handler(), slog.LevelError)}).ServeHTTP(w, r)
}

// Authenticator returns the token check, for a login handler.
func (s *Server) Authenticator() *Authenticator { return s.auth }

// ServeHTTP logs each request (httpedge.AccessLog: one line at Info with
// its request ID, which the logs of what it causes carry too), bounds the
// requests in flight (event streams and the health probes in budgets of
// their own) and each client's rate (a write forwarded by a follower was
// limited there), refuses a state-changing request from another origin,
// serves the public handlers, then authenticates, forwards writes to the
// leader if this node does not lead, and serves the API and the Extra
// handlers. Every refusal, 404 and 405 included, is the edge's error
// body.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.logged.ServeHTTP(w, r)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	slots := s.slots
	if isStream(r) {
		slots = s.streams
	}
	if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
		slots = s.health
	} else if s.limiter != nil && !s.fwd.fromPeer(r) && !s.limiter.allow(clientIP(r), time.Now()) {
		httpedge.WriteError(w, httpedge.ErrRateLimited)
		return
	}
	select {
	case slots <- struct{}{}:
		defer func() { <-slots }()
	default:
		httpedge.WriteError(w, httpedge.ErrBusy)
		return
	}
	s.edge.ServeHTTP(w, r)
}

// isStream reports whether r asks for an event stream: a GET accepting
// text/event-stream, which holds its request while the page is open.
func isStream(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.Contains(r.Header.Get("Accept"), "text/event-stream")
}

// dispatch serves a public handler, or else the authenticated routes
// (forwarding writes to the leader on a follower).
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	if h, pattern := s.open.Handler(r); pattern != "" {
		httpedge.NoteRoute(r, pattern)
		h.ServeHTTP(w, r)
		return
	}
	s.protected.ServeHTTP(w, r)
}

// HealthBody is GET /healthz, unauthenticated: it says the process lives
// and whether it leads, and nothing about the state (GET /readyz says
// whether it can serve).
type HealthBody = client.HealthBody

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, HealthBody{Status: "ok", Leader: s.rt.Node().IsLeader()})
}
