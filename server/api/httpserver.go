package api

import (
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/phonebalance/phonebalance/server/httpedge"
)

// The HTTP server's limits (see [NewHTTPServer]).
const (
	// ReadHeaderTimeout bounds reading a request's headers.
	ReadHeaderTimeout = 5 * time.Second
	// ReadTimeout bounds reading a whole request, body included.
	ReadTimeout = 15 * time.Second
	// WriteTimeout bounds writing a response. A stream (SSE) extends it per
	// write with http.ResponseController.SetWriteDeadline.
	WriteTimeout = 30 * time.Second
	// IdleTimeout closes a keep-alive connection idle this long.
	IdleTimeout = 60 * time.Second
	// MaxHeaderBytes bounds a request's headers (the edge's limit).
	MaxHeaderBytes = httpedge.MaxHeaderBytes
	// DefaultMaxConns is the connection limit of [LimitListener] when
	// none is given.
	DefaultMaxConns = 1024
)

// NewHTTPServer returns an http.Server for h with every timeout set: a
// client that dribbles its headers or body, or never reads, or keeps an
// idle connection, is cut off. It applies the edge's connection policy
// (httpedge.CloseUnauthenticated): a connection is kept open between
// requests only once it has made an authenticated request, so
// unauthenticated clients cannot hold the connection slots of a
// [LimitListener], which it should be served on.
func NewHTTPServer(h http.Handler, logger *slog.Logger) *http.Server {
	if logger == nil {
		logger = slog.Default()
	}
	return &http.Server{
		Handler:           httpedge.CloseUnauthenticated(h),
		ConnContext:       httpedge.ConnContext,
		ConnState:         trackState,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// HeaderGrace is how long a connection may stay without a complete
// request header once every connection slot of a [LimitListener] is taken
// and another connection waits: then such connections are closed to make
// room (a client sends its header at once; one that does not is holding a
// slot). Below the limit, ReadHeaderTimeout applies as usual.
const HeaderGrace = time.Second

// headerGrace is HeaderGrace; tests shorten it.
var headerGrace = HeaderGrace

// LimitListener returns a listener that serves at most n connections at
// once (n <= 0: DefaultMaxConns), for a server made by [NewHTTPServer]
// (whose ConnState hook tells it which connections have sent a request).
// Accept takes the next connection from the kernel, then waits for a slot
// while n are open; if some open connection has gone HeaderGrace without
// a complete request header, it closes it to make room. So neither idle
// unauthenticated connections (closed after their answer, see
// NewHTTPServer) nor silent ones can keep an arriving client out for long.
func LimitListener(ln net.Listener, n int) net.Listener {
	if n <= 0 {
		n = DefaultMaxConns
	}
	return &limitListener{Listener: ln, sem: make(chan struct{}, n), done: make(chan struct{}),
		open: map[*limitConn]struct{}{}}
}

type limitListener struct {
	net.Listener
	sem       chan struct{}
	done      chan struct{}
	closeOnce sync.Once

	mu   sync.Mutex
	open map[*limitConn]struct{}
}

func (l *limitListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		select {
		case l.sem <- struct{}{}:
			return l.track(c), nil
		default:
		}
		var wake <-chan time.Time
		if next := l.evictSilent(time.Now()); next > 0 {
			if timer == nil {
				timer = time.NewTimer(next)
			} else {
				timer.Reset(next)
			}
			wake = timer.C
		}
		select {
		case l.sem <- struct{}{}:
			return l.track(c), nil
		case <-wake:
		case <-l.done:
			c.Close()
			return nil, net.ErrClosed
		}
	}
}

// track wraps c, which holds a slot, and records it as open.
func (l *limitListener) track(c net.Conn) *limitConn {
	lc := &limitConn{Conn: c, l: l, accepted: time.Now()}
	l.mu.Lock()
	l.open[lc] = struct{}{}
	l.mu.Unlock()
	return lc
}

// evictSilent closes the open connections that have gone headerGrace
// since they were accepted without a complete request header, and returns
// how long until the next one will have (0: none is waiting for its
// header).
func (l *limitListener) evictSilent(now time.Time) (next time.Duration) {
	var silent []*limitConn
	l.mu.Lock()
	for c := range l.open {
		if http.ConnState(c.state.Load()) != http.StateNew {
			continue
		}
		if left := c.accepted.Add(headerGrace).Sub(now); left > 0 {
			if next == 0 || left < next {
				next = left
			}
			continue
		}
		silent = append(silent, c)
	}
	l.mu.Unlock()
	for _, c := range silent {
		c.Close() // frees its slot; the server's read fails and it lets go
	}
	return next
}

func (l *limitListener) Close() error {
	err := l.Listener.Close()
	l.closeOnce.Do(func() { close(l.done) })
	return err
}

// limitConn is a connection holding a slot of its limitListener until it
// closes.
type limitConn struct {
	net.Conn
	l        *limitListener
	accepted time.Time
	state    atomic.Int32 // an http.ConnState, set by NewHTTPServer's ConnState hook
	once     sync.Once
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.open, c)
		c.l.mu.Unlock()
		<-c.l.sem
	})
	return err
}

// trackState is NewHTTPServer's ConnState hook: it tells a limitConn
// whether it has sent a request yet. Under TLS the server sees the
// *tls.Conn that wraps the limitConn: it is unwrapped, or every TLS
// connection would look silent for ever and be evicted however busy.
func trackState(c net.Conn, s http.ConnState) {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	if lc, ok := c.(*limitConn); ok {
		lc.state.Store(int32(s))
	}
}
