package sip

import (
	"bytes"
	"net"
	"sync/atomic"
)

// requestGate is the gateway's UDP listener as sipgo reads it. Once
// closing, it drops incoming requests and lets responses through, so
// that the hang-ups Close sends are answered while no new transaction
// starts. sipgo answers a request whose listener has gone from a new
// socket that nothing closes; a gate shut before the listener closes
// leaves no request in flight to do that.
type requestGate struct {
	net.PacketConn
	closing atomic.Bool
}

// ReadFrom returns the next datagram that may pass the gate.
func (g *requestGate) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, addr, err := g.PacketConn.ReadFrom(p)
		if err != nil || !g.closing.Load() || bytes.HasPrefix(p[:n], []byte("SIP/2.0 ")) {
			return n, addr, err
		}
	}
}

// shut drops every request read from now on.
func (g *requestGate) shut() { g.closing.Store(true) }
