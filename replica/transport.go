package replica

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/hashicorp/raft"
)

const (
	transportPool    = 3
	transportTimeout = 10 * time.Second
)

// newTCPTransport returns raft's TCP transport on bind, wrapped in TLS when
// tlsConf is set.
func newTCPTransport(bind string, advertise net.Addr, tlsConf *tls.Config, log *slog.Logger) (*raft.NetworkTransport, error) {
	w := slogWriter{log}
	if tlsConf == nil {
		t, err := raft.NewTCPTransport(bind, advertise, transportPool, transportTimeout, w)
		if err != nil {
			return nil, fmt.Errorf("replica: raft transport: %w", err)
		}
		return t, nil
	}
	ln, err := tls.Listen("tcp", bind, tlsConf)
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
	stream := &tlsStream{Listener: ln, advertise: advertise, conf: tlsConf}
	return raft.NewNetworkTransport(stream, transportPool, transportTimeout, w), nil
}

// tlsStream is a raft.StreamLayer over TLS.
type tlsStream struct {
	net.Listener
	advertise net.Addr
	conf      *tls.Config
}

// Addr returns the advertised address.
func (s *tlsStream) Addr() net.Addr { return s.advertise }

// Dial opens a TLS connection to a peer.
func (s *tlsStream) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	d := &net.Dialer{Timeout: timeout}
	conn, err := tls.DialWithDialer(d, "tcp", string(address), s.conf)
	if err != nil {
		return nil, err
	}
	return conn, nil
}

var _ raft.StreamLayer = (*tlsStream)(nil)
