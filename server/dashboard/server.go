package dashboard

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"

	"github.com/phonebalance/phonebalance/server/httpedge"
)

//go:embed web
var webFS embed.FS

// Server is the live inbox dashboard: the page, its assets, the login
// form, the live stream and the page's actions, as one http.Handler. Its
// methods are safe for concurrent use. New starts one goroutine (the hub's
// renderer); Close stops it.
type Server struct {
	cfg      Config
	verifier httpedge.Verifier
	hub      *hub
	handler  http.Handler // the routes behind the edge's guards
	files    fs.FS        // the static assets
	static   http.Handler
}

// New returns a running dashboard. It fails with ErrInvalidConfig when a
// required field is missing or a bound is negative.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	sub, err := fs.Sub(webFS, "web")
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, verifier: checkFunc(cfg.CheckToken), files: sub,
		static: http.StripPrefix("/dashboard/static/", http.FileServerFS(sub))}
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
	m.HandleFunc("GET /{$}", s.page)
	m.HandleFunc("GET /login", s.getLogin)
	m.HandleFunc("POST /login", s.postLogin)
	m.HandleFunc("POST /logout", s.postLogout)
	m.HandleFunc("GET /dashboard/static/", s.assets)
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

// page serves the dashboard, or sends a browser without the cookie to the
// login form.
func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	if _, err := httpedge.Authenticate(s.verifier, r); err != nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	b, err := webFS.ReadFile("web/index.html")
	if err != nil {
		httpedge.WriteError(w, err)
		return
	}
	securityHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}

func (s *Server) assets(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/dashboard/static/")
	if st, err := fs.Stat(s.files, name); err != nil || st.IsDir() { // no directory listings
		httpedge.WriteError(w, httpedge.Errorf(httpedge.ErrNotFound, "%s", r.URL.Path))
		return
	}
	securityHeaders(w)
	w.Header().Set("Cache-Control", "no-cache")
	s.static.ServeHTTP(w, r)
}
