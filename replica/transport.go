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
	// probeTimeout bounds a probe of a peer before a change of the
	// configuration (see [Node.Join]).
	probeTimeout = 2 * time.Second
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
	stream := &streamLayer{ln: ln, advertise: advertise, tls: tlsConf, conns: map[net.Conn]struct{}{}, done: make(chan struct{})}
	return raft.NewNetworkTransport(stream, transportPool, transportTimeout, slogWriter{log}), nil
}

// newProbeTransport returns a network transport that only dials, with a
// short timeout: the one a leader probes peers with before it changes
// the configuration, so that an unreachable address costs seconds, not
// the ten of the transport raft replicates over.
func newProbeTransport(advertise net.Addr, tlsConf *tls.Config, log *slog.Logger) *raft.NetworkTransport {
	stream := &streamLayer{advertise: advertise, tls: tlsConf, conns: map[net.Conn]struct{}{}, done: make(chan struct{})}
	return raft.NewNetworkTransport(stream, 1, probeTimeout, slogWriter{log})
}

// streamLayer is a raft.StreamLayer over TCP or TLS that closes every
// connection it accepted or dialed when it is closed, so that no reader
// goroutine of raft's transport outlives the node. Without a listener it
// only dials: Accept waits for Close.
type streamLayer struct {
	ln        net.Listener // nil: dial only
	advertise net.Addr
	tls       *tls.Config
	done      chan struct{} // closed by Close

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

// errTransportClosed is what a closed stream layer returns.
var errTransportClosed = errors.New("replica: transport closed")

// Accept waits for a peer's connection.
func (s *streamLayer) Accept() (net.Conn, error) {
	if s.ln == nil {
		<-s.done
		return nil, errTransportClosed
	}
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
		c, err = s.dialTLS(d, string(address))
	}
	if err != nil {
		return nil, err
	}
	return s.track(c)
}

// dialTLS dials a peer over TLS and, unless the config names the server
// itself (ServerName), checks that the peer's certificate names the host
// dialed: crypto/tls does it for a config with RootCAs, but not for
// [MutualTLS]'s, which verifies the chain itself against its current
// pool and is not told an IP address dialed.
func (s *streamLayer) dialTLS(d *net.Dialer, address string) (net.Conn, error) {
	c, err := tls.DialWithDialer(d, "tcp", address, s.tls)
	if err != nil || s.tls.ServerName != "" {
		return c, err
	}
	host, _, err := net.SplitHostPort(address)
	if err == nil {
		if certs := c.ConnectionState().PeerCertificates; len(certs) == 0 {
			err = errors.New("replica: the raft peer presented no certificate")
		} else {
			err = certs[0].VerifyHostname(host)
		}
	}
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("replica: raft peer %s: %w", address, err)
	}
	return c, nil
}

func (s *streamLayer) track(c net.Conn) (net.Conn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		c.Close()
		return nil, errTransportClosed
	}
	s.conns[c] = struct{}{}
	return &trackedConn{Conn: c, s: s}, nil
}

// Close stops accepting and closes every connection.
func (s *streamLayer) Close() error {
	s.mu.Lock()
	if !s.closed {
		close(s.done)
	}
	s.closed = true
	conns := s.conns
	s.conns = nil
	s.mu.Unlock()
	for c := range conns {
		c.Close()
	}
	if s.ln == nil {
		return nil
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
