package dashboard

import (
	"embed"
	"html/template"
	"net/http"

	"github.com/phonebalance/phonebalance/server/httpedge"
)

//go:embed web
var webFS embed.FS

// Server is the live inbox dashboard of one workspace: the page, its
// assets, the login form, the live stream and the page's actions, as one
// http.Handler. [Boards] serves one per workspace. Its methods are safe
// for concurrent use. New starts one goroutine (the hub's renderer);
// Close stops it.
type Server struct {
	cfg     Config
	front   *front
	hub     *hub
	handler http.Handler // the routes behind the edge's guards
}

// New returns a running dashboard. It fails with ErrInvalidConfig when a
// required field is missing or a bound is negative.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	f, err := newFront(cfg.Verifier, cfg.CookieMaxAge, cfg.SecureCookie)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, front: f}
	s.hub = newHub(cfg)
	s.handler = httpedge.SameOrigin(httpedge.Routes(s.routes()))
	return s, nil
}

// Routes are the paths the dashboard serves; the host mounts Server on each
// (or on "/" if it has nothing else there). GET /login, POST /login and the
// static assets must be reachable without a token; the others check the
// token themselves (cookie or Bearer) and may also sit behind the host's
// own authentication.
var Routes = []string{
	"GET /{$}",
	"GET /login",
	"POST /login",
	"POST /logout",
	"GET /dashboard/static/",
	"GET /dashboard/events",
	"POST /dashboard/teammates/{id}/channel",
	"GET /dashboard/calls/{id}/timeline",
	"GET /dashboard/calls/{id}/explain",
}

func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	s.front.handle(m)
	m.HandleFunc("GET /{$}", s.page)
	m.Handle("GET /dashboard/events", s.guard(s.events))
	m.Handle("POST /dashboard/teammates/{id}/channel", s.guard(s.setChannel))
	m.Handle("GET /dashboard/calls/{id}/timeline", s.guard(s.timeline))
	m.Handle("GET /dashboard/calls/{id}/explain", s.guard(s.explain))
	return m
}

// ServeHTTP serves the routes listed in Routes behind the edge's
// same-origin guard for state-changing requests (httpedge.SameOrigin),
// answering unknown routes and methods with the error body.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Workspace returns the workspace the dashboard shows (Config.Workspace).
func (s *Server) Workspace() string { return s.cfg.Workspace }

// Notify tells the dashboard that the log applied entry index (call it
// from replica's OnApply and OnRestore, or after each command of an
// assign.Live). It never blocks and does no work itself: the hub renders
// once per Config.Coalesce however many entries were applied.
func (s *Server) Notify(index uint64) { s.hub.Notify(index) }

// Close stops the renderer and ends every live stream. It waits for the
// renderer (and so for a Source.State call in progress) to return.
func (s *Server) Close() error {
	s.hub.close()
	return nil
}

// guard wraps a handler of the dashboard's data behind the edge's one
// authentication (httpedge.Require: 401 with the error body without a
// valid credential) and lets through only the host and the supervisors
// of Config.Workspace (403 otherwise). Cross-origin changes are refused
// for every route by ServeHTTP's same-origin guard.
func (s *Server) guard(h http.HandlerFunc) http.Handler {
	return httpedge.Require(s.cfg.Verifier, "", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := httpedge.PrincipalFrom(r.Context())
		if err := mayWatch(p, s.cfg.Workspace); err != nil {
			httpedge.WriteError(w, err)
			return
		}
		h(w, r)
	}))
}

// page serves the dashboard, or sends a browser without a credential to
// the login form; a credential that may not watch this workspace is 403.
func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	p, err := principal(s.cfg.Verifier, r)
	if err != nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	if err := mayWatch(p, s.cfg.Workspace); err != nil {
		httpedge.WriteError(w, err)
		return
	}
	securityHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = indexPage.Execute(w, s.cfg.Workspace)
}

// indexPage is the page, naming the workspace it shows.
var indexPage = template.Must(template.ParseFS(webFS, "web/index.html"))
