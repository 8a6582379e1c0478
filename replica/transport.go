package replica

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

const (
	transportPool    = 3
	transportTimeout = 10 * time.Second
)

// newTCPTransport returns raft's network transport on bind, over plain TCP
// or, when tlsConf is set, TLS.
func newTCPTransport(bind string, advertise net.Addr, tlsConf *tls.Config, log *slog.Logger) (*raft.NetworkTransport, error) {
	var ln net.Listener
	var err error
	if tlsConf == nil {
		ln, err = net.Listen("tcp", bind)
	} else {
		ln, err = tls.Listen("tcp", bind, tlsConf)
	}
	if err != nil {
		return nil, fmt.Errorf("replica: raft transport: %w", err)
	}
	if advertise == nil {
		advertise = ln.Addr()
	}
	if a, ok := advertise.(*net.TCPAddr); !ok || a.IP == nil || a.IP.IsUnspecified() {
		ln.Close()
		return nil, fmt.Errorf("%w: advertise address %v is not dialable", ErrInvalidConfig, advertise)
	}
	stream := &streamLayer{ln: ln, advertise: advertise, tls: tlsConf, conns: map[net.Conn]struct{}{}}
	return raft.NewNetworkTransport(stream, transportPool, transportTimeout, slogWriter{log}), nil
}

// streamLayer is a raft.StreamLayer over TCP or TLS that closes every
// connection it accepted or dialed when it is closed, so that no reader
// goroutine of raft's transport outlives the node.
type streamLayer struct {
	ln        net.Listener
	advertise net.Addr
	tls       *tls.Config

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

// Accept waits for a peer's connection.
func (s *streamLayer) Accept() (net.Conn, error) {
	c, err := s.ln.Accept()
	if err != nil {
		return nil, err
	}
	return s.track(c)
}

// Dial opens a connection to a peer, over TLS when configured.
func (s *streamLayer) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	d := &net.Dialer{Timeout: timeout}
	var c net.Conn
	var err error
	if s.tls == nil {
		c, err = d.Dial("tcp", string(address))
	} else {
		c, err = tls.DialWithDialer(d, "tcp", string(address), s.tls)
	}
	if err != nil {
		return nil, err
	}
	return s.track(c)
}

func (s *streamLayer) track(c net.Conn) (net.Conn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		c.Close()
		return nil, errors.New("replica: transport closed")
	}
	s.conns[c] = struct{}{}
	return &trackedConn{Conn: c, s: s}, nil
}

// Close stops accepting and closes every connection.
func (s *streamLayer) Close() error {
	s.mu.Lock()
	s.closed = true
	conns := s.conns
	s.conns = nil
	s.mu.Unlock()
	for c := range conns {
		c.Close()
	}
	return s.ln.Close()
}

// Addr returns the advertised address.
func (s *streamLayer) Addr() net.Addr { return s.advertise }

// trackedConn forgets itself when closed.
type trackedConn struct {
	net.Conn
	s    *streamLayer
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.s.mu.Lock()
		delete(c.s.conns, c.Conn)
		c.s.mu.Unlock()
	})
	return c.Conn.Close()
}

var _ raft.StreamLayer = (*streamLayer)(nil)
