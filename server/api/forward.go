package api

import (
	"crypto/subtle"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"

	"github.com/phonebalance/phonebalance/replica"
)

// ForwardedHeader marks a write that a follower forwarded to the leader.
// Its value is an HMAC of the API token, which every node of a cluster
// shares, so only a node can set it: a client's value is replaced when
// its request is forwarded, and counts for nothing where it arrives.
const ForwardedHeader = "X-Phonebalance-Forwarded"

// forwardDialTimeout bounds the connection to the leader.
const forwardDialTimeout = 3 * time.Second

// forwarder carries writes from a follower to the leader's HTTP API. It
// is safe for concurrent use.
type forwarder struct {
	mark      string // ForwardedHeader's value
	transport *http.Transport
}

// newForwarder returns the forwarder of a server authenticating with
// auth, whose commands wait at most timeout.
// The leader's HTTPS certificate is verified with peerTLS (nil: the
// system's roots).
func newForwarder(auth *Authenticator, timeout time.Duration, peerTLS *tls.Config) *forwarder {
	t := http.DefaultTransport.(*http.Transport).Clone()
	if peerTLS != nil {
		t.TLSClientConfig = peerTLS.Clone()
	}
	t.Proxy = nil // node to node, never through an environment's proxy
	t.DialContext = (&net.Dialer{Timeout: forwardDialTimeout, KeepAlive: 30 * time.Second}).DialContext
	t.ResponseHeaderTimeout = timeout + 5*time.Second
	t.MaxIdleConnsPerHost = 32
	return &forwarder{mark: hex.EncodeToString(auth.Derive("phonebalance: forwarded by a node of the cluster")), transport: t}
}

// fromPeer reports, in constant time, whether r was forwarded by a node
// of the cluster.
func (f *forwarder) fromPeer(r *http.Request) bool {
	v := r.Header.Get(ForwardedHeader)
	return v != "" && subtle.ConstantTimeCompare([]byte(v), []byte(f.mark)) == 1
}

// forward is the hook where writes are handled: ServeHTTP calls it once
// the request is authenticated, before the routes. A write (any method
// but GET, HEAD and OPTIONS) that reaches a node that does not lead is
// sent on to the leader's HTTP API (its raft ID, by [LeaderURLFromID]
// or Config.LeaderURL) as it came: method, path, query, body, the
// Authorization header or cookie, and the Host header, so the leader
// authenticates and checks the origin of the same request; the leader's
// answer is passed back. With no leader known the request goes to its
// handler, which answers 503 no_leader (or closed) once the request is
// valid; when the leader cannot be reached, 503 not_leader naming it. A request
// that a node forwarded already is never forwarded again: it falls
// through to its handler, which answers not_leader if this node does
// not lead. It reports whether it answered.
func (s *Server) forward(w http.ResponseWriter, r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	n := s.rt.Node()
	if n.IsLeader() || s.fwd.fromPeer(r) {
		return false
	}
	id, _ := n.Leader()
	base, ok := "", false
	if id != "" && id != n.ID() {
		base, ok = s.leaderURL(id)
	}
	target, err := url.Parse(base)
	if !ok || err != nil || target.Host == "" {
		return false // no leader to forward to: the handler answers (no_leader, closed)
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host
			pr.SetXForwarded()
			pr.Out.Header.Set(ForwardedHeader, s.fwd.mark)
		},
		Transport: s.fwd.transport,
		ErrorLog:  slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			msg := "the command may have reached it: read before retrying"
			var op *net.OpError
			if errors.As(err, &op) && op.Op == "dial" {
				msg = "retry"
			}
			s.writeError(w, r, fmt.Errorf("%w: forwarding to the leader %s at %s failed: %v; %s",
				replica.ErrNotLeader, id, base, err, msg))
		},
	}
	proxy.ServeHTTP(w, r)
	return true
}
