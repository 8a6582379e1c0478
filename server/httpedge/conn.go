package httpedge

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
)

// The connection policy: a connection is kept open between requests
// (keep-alive) only once it has made an authenticated request. Until then
// every answer carries "Connection: close" and the server closes the
// connection after it, so an unauthenticated client (a health checker, a
// scanner, an attacker holding connections open after one GET /healthz)
// cannot keep an idle connection and with it one of the listener's
// connection slots. A connection that sends nothing is closed by the
// server's ReadHeaderTimeout.

// connInfo is one connection's state.
type connInfo struct {
	authenticated atomic.Bool
}

type connKey struct{}

// ConnContext is the http.Server.ConnContext of the connection policy: it
// gives each connection its state.
func ConnContext(ctx context.Context, _ net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, &connInfo{})
}

// CloseUnauthenticated returns h under the connection policy: on a
// connection that has not yet made an authenticated request, the answer
// carries Connection: close unless [Require] authenticates the request.
// Connections without the state of [ConnContext] are left alone.
func CloseUnauthenticated(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, ok := r.Context().Value(connKey{}).(*connInfo); ok && !c.authenticated.Load() {
			w.Header().Set("Connection", "close")
		}
		h.ServeHTTP(w, r)
	})
}

// markAuthenticated records that r's connection made an authenticated
// request: it may now be kept open between requests.
func markAuthenticated(w http.ResponseWriter, r *http.Request) {
	c, ok := r.Context().Value(connKey{}).(*connInfo)
	if !ok {
		return
	}
	if !c.authenticated.Swap(true) {
		w.Header().Del("Connection")
	}
}
