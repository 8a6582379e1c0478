package sip

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/emiago/sipgo"
	siplib "github.com/emiago/sipgo/sip"
)

// side is one transport the gateway listens on: UDP always, TCP and TLS
// when configured. Requests the gateway starts go out on the transport
// the phone registered over (or the caller called over), through that
// side's client: on UDP from the listener's own socket, on TCP and TLS
// over the connection the phone opened (a phone behind NAT accepts no
// other), found by its remote address.
type side struct {
	network string         // "UDP", "TCP" or "TLS", as sipgo names them
	addr    netip.AddrPort // bound
	ln      net.Listener   // TCP and TLS
	cli     *sipgo.Client
	dua     *sipgo.DialogUA
	served  chan struct{} // closed when the listener's goroutine returns
}

// listenStream binds the TCP and TLS listeners Config asks for.
func (g *Gateway) listenStream(ctx context.Context) error {
	var lc net.ListenConfig
	for _, s := range []struct{ network, addr string }{{"TCP", g.cfg.ListenTCP}, {"TLS", g.cfg.ListenTLS}} {
		if s.addr == "" {
			continue
		}
		ln, err := lc.Listen(ctx, "tcp", s.addr)
		if err != nil {
			return fmt.Errorf("sip: listen %s: %w", s.network, err)
		}
		bound, err := netip.ParseAddrPort(ln.Addr().String())
		if err != nil {
			ln.Close()
			return fmt.Errorf("sip: listen %s: %w", s.network, err)
		}
		if s.network == "TLS" {
			ln = tls.NewListener(ln, g.cfg.TLS)
		}
		g.sides[s.network] = &side{network: s.network, addr: bound, ln: ln}
	}
	return nil
}

// makeClients gives each side its client and dialog user agent,
// advertising host with the side's port (advPort for UDP).
func (g *Gateway) makeClients(host string, advPort int) error {
	for _, s := range g.sides {
		port := int(s.addr.Port())
		opts := []sipgo.ClientOption{sipgo.WithClientHostname(host), sipgo.WithClientLogger(g.log.quiet())}
		contact := siplib.Uri{Scheme: "sip", User: "phonebalance", Host: host, Port: port}
		if s.network == "UDP" {
			port = advPort
			contact.Port = port
			opts = append(opts, sipgo.WithClientConnectionAddr(s.addr.String()))
		} else {
			contact.UriParams = siplib.NewParams()
			contact.UriParams.Add("transport", strings.ToLower(s.network))
		}
		cli, err := sipgo.NewClient(g.ua, append(opts, sipgo.WithClientPort(port))...)
		if err != nil {
			return fmt.Errorf("sip: %w", err)
		}
		s.cli = cli
		s.dua = &sipgo.DialogUA{Client: cli, ContactHDR: siplib.ContactHeader{Address: contact}, RewriteContact: true}
	}
	return nil
}

// serveStream serves SIP on the TCP and TLS listeners.
func (g *Gateway) serveStream() {
	for _, s := range g.sides {
		if s.ln == nil {
			continue
		}
		s.served = make(chan struct{})
		go func() {
			defer close(s.served)
			serve := g.srv.ServeTCP
			if s.network == "TLS" {
				serve = g.srv.ServeTLS
			}
			if err := serve(s.ln); err != nil && !errors.Is(err, net.ErrClosed) {
				g.log.warn("sip: serve stopped", "transport", s.network, "error", err)
			}
		}()
	}
}

// closeStream stops accepting TCP and TLS connections; the open ones
// stay until the user agent closes.
func (g *Gateway) closeStream() {
	for _, s := range g.sides {
		if s.ln != nil {
			s.ln.Close()
		}
	}
}

// waitStream waits for the TCP and TLS listeners' goroutines.
func (g *Gateway) waitStream() {
	for _, s := range g.sides {
		if s.served != nil {
			<-s.served
		}
	}
}

// side returns the side for a request's or binding's transport, nil if
// the gateway does not listen on it.
func (g *Gateway) side(network string) *side {
	return g.sides[strings.ToUpper(network)]
}

// TCPAddr returns the bound TCP address, valid after Start; not valid
// (the zero AddrPort) without Config.ListenTCP.
func (g *Gateway) TCPAddr() netip.AddrPort { return g.streamAddr("TCP") }

// TLSAddr returns the bound TLS address, valid after Start; not valid
// (the zero AddrPort) without Config.ListenTLS.
func (g *Gateway) TLSAddr() netip.AddrPort { return g.streamAddr("TLS") }

func (g *Gateway) streamAddr(network string) netip.AddrPort {
	if s := g.sides[network]; s != nil {
		return s.addr
	}
	return netip.AddrPort{}
}
