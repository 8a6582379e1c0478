package dashboard

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/server/httpedge"
)

// BoardsConfig is what [NewBoards] needs. Verifier and Board are
// required.
type BoardsConfig struct {
	// Verifier checks the token POST /login is given and authenticates
	// the requests that do not already carry a principal, as
	// Config.Verifier: every workspace's host token (api.HostVerifier).
	Verifier httpedge.Verifier
	// Board builds workspace ws's dashboard (its Config.Workspace ws) on
	// the first request of one of its principals, and returns with it
	// stop, which Close calls before closing the board: it ends what
	// feeds the board's Notify. Board is called under Boards' lock, once
	// per workspace that succeeds; its error is answered with the edge's
	// table (an unknown workspace should wrap
	// httpedge.ErrWorkspaceNotFound).
	Board func(ws string) (s *Server, stop func(), err error)
	// SecureCookie and CookieMaxAge are the login cookie's, as in Config.
	SecureCookie bool
	CookieMaxAge time.Duration
}

// Boards is the wallboard of every workspace behind one set of routes
// (Routes): the login form, the logout and the static assets are shared;
// the page, its stream and its actions are served by the board of the
// workspace of whoever signed in, built on first use. A workspace's
// credential sees its own workspace and no other: the routes name no
// workspace, the principal does. Its methods are safe for concurrent use;
// Close stops every board.
type Boards struct {
	cfg     BoardsConfig
	front   *front
	handler http.Handler

	mu     sync.Mutex
	boards map[string]board // by workspace
	closed bool
}

// board is one workspace's dashboard and what stops its notifications.
type board struct {
	s    *Server
	stop func()
}

// NewBoards returns the wallboards of cfg; no board is built until a
// request needs it. It fails with ErrInvalidConfig without Verifier or
// Board, or with a negative CookieMaxAge.
func NewBoards(cfg BoardsConfig) (*Boards, error) {
	if cfg.Verifier == nil || cfg.Board == nil {
		return nil, fmt.Errorf("%w: BoardsConfig needs Verifier and Board", ErrInvalidConfig)
	}
	if cfg.CookieMaxAge < 0 {
		return nil, fmt.Errorf("%w: negative CookieMaxAge", ErrInvalidConfig)
	}
	if cfg.CookieMaxAge == 0 {
		cfg.CookieMaxAge = defaultCookieMaxAge
	}
	f, err := newFront(cfg.Verifier, cfg.CookieMaxAge, cfg.SecureCookie)
	if err != nil {
		return nil, err
	}
	b := &Boards{cfg: cfg, front: f, boards: map[string]board{}}
	m := http.NewServeMux()
	f.handle(m)
	own := httpedge.Require(cfg.Verifier, "/login", http.HandlerFunc(b.serveBoard))
	for _, p := range Routes {
		if !slices.Contains(publicRoutes, p) {
			m.Handle(p, own)
		}
	}
	b.handler = httpedge.SameOrigin(httpedge.Routes(m))
	return b, nil
}

// ServeHTTP serves Routes behind the edge's same-origin guard, as
// [Server.ServeHTTP] does, each data route by the board of the
// principal's workspace.
func (b *Boards) ServeHTTP(w http.ResponseWriter, r *http.Request) { b.handler.ServeHTTP(w, r) }

// Handlers returns the routes split as [Server.Handlers] does: public
// ones for no authentication, protected ones behind the server's (they
// authenticate with Verifier as well when they get no principal). Every
// value is b.
func (b *Boards) Handlers() (public, protected map[string]http.Handler) { return split(b) }

// serveBoard serves a data route for the principal Require put in the
// context: the host or a supervisor of a workspace gets that workspace's
// board; anyone else (a teammate, the cluster's admin) 403.
func (b *Boards) serveBoard(w http.ResponseWriter, r *http.Request) {
	p, _ := httpedge.PrincipalFrom(r.Context())
	if err := mayWatch(p, p.Workspace); err != nil {
		httpedge.WriteError(w, err)
		return
	}
	s, err := b.Board(p.Workspace)
	if err != nil {
		httpedge.WriteError(w, err)
		return
	}
	s.ServeHTTP(w, r)
}

// Board returns workspace ws's dashboard, building it
// (BoardsConfig.Board) on first use. After Close it fails with an error
// answered 503 "closed".
func (b *Boards) Board(ws string) (*Server, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, fmt.Errorf("%w: the wallboards are shut down", assign.ErrClosed)
	}
	if bd, ok := b.boards[ws]; ok {
		return bd.s, nil
	}
	s, stop, err := b.cfg.Board(ws)
	if err != nil {
		return nil, err
	}
	if s.Workspace() != ws {
		stop()
		_ = s.Close()
		return nil, fmt.Errorf("%w: the board built for workspace %q shows %q", ErrInvalidConfig, ws, s.Workspace())
	}
	b.boards[ws] = board{s: s, stop: stop}
	return s, nil
}

// Close stops every board's notifications and then the board (ending its
// streams); later requests for a board get 503. It waits for each
// board's renderer.
func (b *Boards) Close() error {
	b.mu.Lock()
	b.closed = true
	boards := b.boards
	b.boards = nil
	b.mu.Unlock()
	for _, bd := range boards {
		bd.stop()
		_ = bd.s.Close()
	}
	return nil
}
