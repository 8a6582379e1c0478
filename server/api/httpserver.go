package api

import (
	"log/slog"
	"net"
	"net/http"
	"sync"
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
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// LimitListener returns a listener that accepts at most n connections at
// once (n <= 0: DefaultMaxConns); Accept waits for a slot while n are
// open, so the kernel's backlog absorbs a burst.
func LimitListener(ln net.Listener, n int) net.Listener {
	if n <= 0 {
		n = DefaultMaxConns
	}
	return &limitListener{Listener: ln, sem: make(chan struct{}, n), done: make(chan struct{})}
}

type limitListener struct {
	net.Listener
	sem       chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.sem }}, nil
}

func (l *limitListener) Close() error {
	err := l.Listener.Close()
	l.closeOnce.Do(func() { close(l.done) })
	return err
}

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
