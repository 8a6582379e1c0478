package inbox

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/api"
	"github.com/phonebalance/phonebalance/server/core"
	"github.com/phonebalance/phonebalance/server/httpedge"
	"github.com/pion/webrtc/v4"
	"golang.org/x/time/rate"
)

//go:embed web
var webFS embed.FS

// Config configures a [Server]. Only Runtime and Meta are required.
type Config struct {
	// Runtime is the node the inbox acts on: every workspace of it, each
	// session on its own.
	Runtime *core.Runtime
	// Meta stores the credentials, in each workspace's namespace (the
	// runtime's replica.Node).
	Meta Meta
	// SessionTTL is how long a session lives after sign-in; zero means
	// 12 hours.
	SessionTTL time.Duration
	// SecureCookie marks the session cookie Secure even over plain HTTP
	// (behind a TLS-terminating proxy); it is Secure anyway over TLS.
	SecureCookie bool
	// CloseGrace is how long a teammate's last tab may be gone before
	// their phone client is reported closed (a page refresh reconnects
	// within it); zero means 2 s.
	CloseGrace time.Duration
	// Heartbeat is how often the stream writes to an idle page; zero means
	// 10 s. The page sends its own heartbeat every Heartbeat too.
	Heartbeat time.Duration
	// StaleAfter is how long a foreground tab may go without a heartbeat
	// before the server drops it; a background tab gets four times as
	// long, since browsers throttle background timers to about once a
	// minute. Zero means 35 s.
	StaleAfter time.Duration
	// Logger receives failures; nil means slog.Default().
	Logger *slog.Logger
	// CallAudio, if set, gives a call's caller leg: the page then talks
	// in the browser (WebRTC, G.711) bridged to it. Nil: no audio in the
	// page (the telephony side's phone carries it). It serves the calls
	// of core.DefaultWorkspace only, the SIP gateway's: the pages of other
	// workspaces carry no audio.
	CallAudio CallAudio
	// PeerConnection makes the browser leg's PeerConnection; nil means
	// NewPeerConnection(nil).
	PeerConnection func() (*webrtc.PeerConnection, error)
}

// Server is the teammate's inbox: the sign-in, the page, its live stream
// and its actions. Safe for concurrent use; Close stops it.
type Server struct {
	cfg      Config
	rt       *core.Runtime
	sessions *Sessions
	tabs     *tabs
	audio    audios
	figures  figureCaches
	static   http.Handler
	page     []byte
	logger   *slog.Logger
	hashes   chan struct{} // bounds the argon2id hashes running at once
	byMate   *throttle
	byAddr   *throttle
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

// New returns the inbox of cfg.Runtime.
func New(cfg Config) (*Server, error) {
	if cfg.Runtime == nil || cfg.Meta == nil {
		return nil, errors.New("inbox: Runtime and Meta are required")
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.CloseGrace <= 0 {
		cfg.CloseGrace = 2 * time.Second
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = 10 * time.Second
	}
	if cfg.StaleAfter <= 0 {
		cfg.StaleAfter = 35 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.PeerConnection == nil {
		cfg.PeerConnection = func() (*webrtc.PeerConnection, error) { return NewPeerConnection(nil) }
	}
	sub, err := fs.Sub(webFS, "web")
	if err != nil {
		return nil, err
	}
	page, err := fs.ReadFile(sub, "index.html")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{cfg: cfg, rt: cfg.Runtime,
		sessions: NewSessions(cfg.SessionTTL, nil),
		static:   http.StripPrefix("/inbox/static/", http.FileServerFS(sub)),
		page:     page, logger: cfg.Logger,
		hashes: make(chan struct{}, 4),
		// Five failed sign-ins in a row, then one a minute, per teammate
		// of a workspace; twenty, then one every 6 s, per address.
		byMate: newThrottle(rate.Every(time.Minute), 5, 50_000),
		byAddr: newThrottle(rate.Every(6*time.Second), 20, 50_000),
		ctx:    ctx, cancel: cancel}
	s.tabs = newTabs(s)
	s.wg.Add(1)
	go func() { defer s.wg.Done(); s.tabs.sweep(ctx) }()
	return s, nil
}

// Close stops the streams and the sweeper.
func (s *Server) Close() error {
	s.cancel()
	s.wg.Wait()
	return nil
}

// Sessions returns the session table, a [httpedge.Verifier] of teammate
// sessions.
func (s *Server) Sessions() *Sessions { return s.sessions }

// Credentials returns workspace ws's credential store (it does not check
// that ws exists).
func (s *Server) Credentials(ws replica.WorkspaceID) *Credentials {
	return NewCredentials(s.cfg.Meta, ws)
}

// workspace returns workspace ws (a session's, or a route's {ws}), as an
// error the edge answers (404 workspace_not_found) if this node has no
// such workspace (not created, not replicated here yet, or removed).
func (s *Server) workspace(ws string) (*core.Workspace, error) { return api.WorkspaceOf(s.rt, ws) }

// Public returns the handlers to mount without the API's authentication:
// the inbox's own routes, each of which authenticates a teammate session
// itself (the page sends a browser without one to /inbox/login), and
// "POST /login", which signs a teammate in when the form has a teammate
// field and otherwise hands the request to next (the dashboard's token
// login; nil answers 400 to a form without a teammate).
func (s *Server) Public(next http.Handler) map[string]http.Handler {
	session := func(h http.HandlerFunc) http.Handler { return httpedge.Require(s.sessions, "/inbox/login", h) }
	routes := map[string]http.Handler{
		"POST /login":                                         s.postLogin(next),
		"GET /inbox/login":                                    http.HandlerFunc(s.getLogin),
		"POST /inbox/logout":                                  http.HandlerFunc(s.postLogout),
		"GET /inbox/static/":                                  http.HandlerFunc(s.assets),
		"GET /inbox":                                          session(s.servePage),
		"GET /inbox/api/me":                                   session(s.me),
		"GET /inbox/api/teammates/{id}":                       session(s.onTeammate(supervise, s.getState)),
		"GET /inbox/api/teammates/{id}/events":                session(s.onTeammate(self, s.events)),
		"PUT /inbox/api/teammates/{id}/channel":               session(s.onTeammate(supervise, s.setChannel)),
		"PUT /inbox/api/teammates/{id}/status":                session(s.onTeammate(self, s.setStatus)),
		"PUT /inbox/api/teammates/{id}/reassign-replies":      session(s.onTeammate(self, s.setReassign)),
		"PUT /inbox/api/teammates/{id}/tabs/{tab}":            session(s.onTeammate(self, s.putTab)),
		"GET /inbox/api/teammates/{id}/calls/{call}":          session(s.onTeammate(self, s.callDetails)),
		"POST /inbox/api/teammates/{id}/calls/{call}/answer":  session(s.onTeammate(self, s.answer)),
		"POST /inbox/api/teammates/{id}/calls/{call}/decline": session(s.onTeammate(self, s.decline)),
		"POST /inbox/api/teammates/{id}/calls/{call}/hangup":  session(s.onTeammate(self, s.hangup)),
		"POST /inbox/api/teammates/{id}/calls/{call}/media":   session(s.onTeammate(self, s.negotiateMedia)),
	}
	return s.behindMux(routes)
}

// behindMux returns routes with every pattern served by one ServeMux of
// them, so that the path values ({id}, {call}) are set however the host
// dispatches to the handler.
func (s *Server) behindMux(routes map[string]http.Handler) map[string]http.Handler {
	m := http.NewServeMux()
	out := make(map[string]http.Handler, len(routes))
	for p, h := range routes {
		m.Handle(p, h)
		out[p] = m
	}
	return out
}

// Protected returns the handlers to mount behind the API's
// authentication: the credential of a teammate of {ws}, set or removed by
// that workspace's host.
func (s *Server) Protected() map[string]http.Handler {
	return s.behindMux(map[string]http.Handler{
		"PUT /v1/workspaces/{ws}/teammates/{id}/credential":    http.HandlerFunc(s.putCredential),
		"DELETE /v1/workspaces/{ws}/teammates/{id}/credential": http.HandlerFunc(s.deleteCredential),
	})
}

// fail answers err with the edge's error table, logging 5xx other than
// 503.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if status, _ := httpedge.StatusOf(err); status >= 500 && status != http.StatusServiceUnavailable {
		s.logger.ErrorContext(r.Context(), "inbox: request failed", "path", r.URL.Path, "err", err)
	}
	httpedge.WriteError(w, err)
}
