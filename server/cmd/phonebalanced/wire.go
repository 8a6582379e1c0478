package main

import (
	"context"
	"net/http"

	"github.com/phonebalance/phonebalance/server/api"
	"github.com/phonebalance/phonebalance/server/core"
	"github.com/phonebalance/phonebalance/server/telephony"
)

// Options are the places where the server's other parts are wired in:
// the telephony side, handlers mounted next to the API, and parts that
// run alongside it. Every field is optional.
type Options struct {
	// Telephony builds the telephony side once the node is open; it may
	// keep rt to submit commands (rt.Do, rt.Node()). Nil means
	// telephony.LogTelephony. Deliveries made before it returns are held,
	// not lost.
	Telephony func(rt *core.Runtime) (telephony.Telephony, error)
	// Extra builds handlers mounted BEHIND the authentication, by
	// http.ServeMux pattern: the dashboard page at "GET /", its SSE
	// stream. An SSE handler must extend its write deadline per write
	// (http.ResponseController.SetWriteDeadline): the server's
	// WriteTimeout is api.WriteTimeout.
	Extra func(rt *core.Runtime, auth *api.Authenticator) (map[string]http.Handler, error)
	// Public builds handlers mounted WITHOUT authentication: the login
	// form ("GET /login") and its post ("POST /login", which checks the
	// token with auth.Valid and sets the cookie with api.SetCookie).
	Public func(rt *core.Runtime, auth *api.Authenticator) (map[string]http.Handler, error)
	// LoginPath is where a browser without credentials is redirected when
	// it GETs a page; empty answers 401.
	LoginPath string
	// Background parts run until ctx is cancelled (a SIP listener, demo
	// traffic); one returning an error other than context.Canceled stops
	// the server.
	Background []func(ctx context.Context, rt *core.Runtime) error
}

// wiring returns the server's parts. This is where the SIP telephony,
// the dashboard and the demo traffic are plugged in.
func wiring() Options {
	return Options{}
}
