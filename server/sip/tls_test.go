package sip

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log/slog"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	siplib "github.com/emiago/sipgo/sip"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
)

// testCert makes a self-signed certificate for 127.0.0.1 and the pool
// that trusts it.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "phonebalance test"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// tlsPhone is a teammate's phone on sipgo that registers over TLS and
// answers the INVITE it gets on that connection.
type tlsPhone struct {
	ua      *sipgo.UserAgent
	cli     *sipgo.Client
	invites chan *siplib.Request
	acks    chan *siplib.Request
	byes    chan *siplib.Request
}

func newTLSPhone(t *testing.T, pool *x509.CertPool) *tlsPhone {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("ana"), sipgo.WithUserAgenTLSConfig(&tls.Config{RootCAs: pool}),
		sipgo.WithUserAgentTransactionLayerOptions(siplib.WithTransactionLayerLogger(quiet)),
		sipgo.WithUserAgentTransportLayerOptions(siplib.WithTransportLayerLogger(quiet)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ua.Close() })
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	cli, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	p := &tlsPhone{ua: ua, cli: cli, invites: make(chan *siplib.Request, 4),
		acks: make(chan *siplib.Request, 4), byes: make(chan *siplib.Request, 4)}
	srv.OnInvite(func(req *siplib.Request, tx siplib.ServerTransaction) {
		p.invites <- req
		ok := siplib.NewResponseFromRequest(req, 200, "OK", []byte(phoneSDP))
		ok.To().Params.Add("tag", "tlsphone")
		ok.AppendHeader(siplib.NewHeader("Content-Type", "application/sdp"))
		ok.AppendHeader(&siplib.ContactHeader{Address: siplib.Uri{Scheme: "sip", User: "ana", Host: "127.0.0.1",
			Port: 5061, UriParams: tlsParam()}})
		_ = tx.Respond(ok)
	})
	srv.OnAck(func(req *siplib.Request, tx siplib.ServerTransaction) { p.acks <- req })
	srv.OnBye(func(req *siplib.Request, tx siplib.ServerTransaction) {
		_ = tx.Respond(siplib.NewResponseFromRequest(req, 200, "OK", nil))
		p.byes <- req
	})
	return p
}

// register registers ana over TLS at addr, answering the digest
// challenge, and returns the final status code.
func (p *tlsPhone) register(t *testing.T, addr string, password string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	req := siplib.NewRequest(siplib.REGISTER, siplib.Uri{Scheme: "sip", Host: testDomain})
	req.SetTransport("TLS")
	req.SetDestination(addr)
	req.AppendHeader(&siplib.ToHeader{Address: siplib.Uri{Scheme: "sip", User: "ana", Host: testDomain}})
	from := &siplib.FromHeader{Address: siplib.Uri{Scheme: "sip", User: "ana", Host: testDomain}, Params: siplib.NewParams()}
	from.Params.Add("tag", newID(4))
	req.AppendHeader(from)
	req.AppendHeader(&siplib.ContactHeader{Address: siplib.Uri{Scheme: "sip", User: "ana", Host: "127.0.0.1",
		Port: 5061, UriParams: tlsParam()}})
	req.AppendHeader(siplib.NewHeader("Expires", "600"))
	res, err := p.cli.Do(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode == 401 {
		res, err = p.cli.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: "ana", Password: password})
		if err != nil {
			t.Fatal(err)
		}
	}
	return res.StatusCode
}

func receive(t *testing.T, ch chan *siplib.Request, what string) *siplib.Request {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(waitLimit):
		t.Fatalf("timed out waiting for %s", what)
		return nil
	}
}

// A phone registers over TLS (a sipgo user agent trusting the gateway's
// certificate); a call from a UDP caller rings it over the TLS connection
// it opened, is answered and bridged, and the caller's hang-up reaches
// the phone as a BYE on that connection.
func TestTLSPhone(t *testing.T) {
	e, phone := tlsEnv(t) // Rule: PR3 (ana is reachable once her phone registers)
	if b, ok := e.gw.binding("ana"); !ok || b.network != "TLS" {
		t.Fatalf("ana's binding: %+v, want one over TLS", b)
	}

	caller := newUA(t, e, "customer")
	caller.invite("support", "call-"+newID(4))
	inv := receive(t, phone.invites, "the INVITE over TLS")
	if inv.Transport() != "TLS" || !strings.Contains(string(inv.Body()), "s=phonebalance-caller") {
		t.Fatalf("INVITE over %s with body %q", inv.Transport(), inv.Body())
	}
	ok := caller.response(siplib.INVITE, 200)
	caller.ackTo(ok)
	receive(t, phone.acks, "the ACK over TLS")
	caller.byeTo(ok)
	caller.response(siplib.BYE, 200)
	bye := receive(t, phone.byes, "the BYE over TLS")
	if bye.Transport() != "TLS" {
		t.Fatalf("BYE over %s", bye.Transport())
	}
	evs, _ := e.snapshot()
	want := "call_placed\ncall_queued\ncall_offered ana\ncall_answered ana\ncall_ended ana stage=talking by=customer\n"
	if got := story(e.waitEnded(placed(evs)[0])); got != want {
		t.Fatalf("timeline:\n%s\nwant:\n%s", got, want)
	}
	waitIdle(t, e)
}

// tlsEnv is an env whose gateway also listens for TLS, with ana's phone
// registered over it and ana reachable.
func tlsEnv(t *testing.T) (*env, *tlsPhone) {
	t.Helper()
	cert, pool := testCert(t)
	e := newEnv(t, envOptions{mock: true, ringTimeout: 30 * time.Second, team: "support",
		teammates: []pb.TeammateID{"ana"}, users: map[pb.TeammateID]string{"ana": "pw-ana"},
		tune: func(c *Config) {
			c.ListenTLS = "127.0.0.1:0"
			c.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
		}})
	phone := newTLSPhone(t, pool)
	if code := phone.register(t, e.gw.TLSAddr().String(), "pw-ana"); code != 200 {
		t.Fatalf("REGISTER over TLS: %d", code)
	}
	e.waitClient("ana", true)
	return e, phone
}

func tlsParam() siplib.HeaderParams {
	p := siplib.NewParams()
	p.Add("transport", "tls")
	return p
}

// A phone whose TLS connection closed is declined for connectivity at
// once: the gateway does not dial it (a phone behind NAT accepts no
// connection), even when something listens where the phone was.
func TestTLSPhoneGone(t *testing.T) {
	e, phone := tlsEnv(t)
	b, _ := e.gw.binding("ana")
	if err := phone.ua.Close(); err != nil {
		t.Fatal(err)
	}
	// Something now listens where the phone's connection came from.
	ln, err := net.Listen("tcp", b.source)
	if err != nil {
		t.Skipf("cannot listen on the phone's old address %s: %v", b.source, err)
	}
	defer ln.Close()
	dialed := make(chan struct{}, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			dialed <- struct{}{}
			c.Close()
		}
	}()

	caller := newUA(t, e, "customer")
	branch := caller.invite("support", "call-"+newID(4))
	d := e.waitEvent("ana declined", func(ev eventlog.Event) bool { return ev.Kind == eventlog.CallDeclined })
	if d.Teammate != "ana" || d.Decline != eventlog.DeclineConnectivity {
		t.Fatalf("declined by %s for %v, want ana for connectivity", d.Teammate, d.Decline)
	}
	select {
	case <-dialed:
		t.Fatal("the gateway dialed the phone's old address")
	default:
	}
	caller.cancel("support", caller.lastCallID(), branch)
	waitIdle(t, e)
}
