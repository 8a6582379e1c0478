package sip

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	siplib "github.com/emiago/sipgo/sip"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
)

// Gateway is a SIP registrar and back-to-back user agent for one
// workspace. Teammates' phones register with it; callers' INVITEs to a
// team become engine calls; the engine's Ring effects become INVITEs to
// the chosen teammate's phone, bridged to the caller when answered. It
// implements the server's telephony.Telephony and telephony.Reconciler:
// the engine's effects reach it only through [Gateway.Execute] and
// [Gateway.Reconcile], called by the server's dispatcher.
//
// All methods are safe for concurrent use. Execute and Reconcile return
// at once: the SIP work they start runs on the gateway's own goroutines,
// which report outcomes (answer, decline, hang-up) to the replica with
// Node.Do. Ring timeouts are the engine's: a ring ends when the engine
// says so (StopRinging), never on a SIP timer. Registrations expire and
// digest nonces age on Config.Clock, the engine's clock; SIP's own
// retransmission timers run on real time.
type Gateway struct {
	cfg    Config
	log    logger
	ua     *sipgo.UserAgent
	srv    *sipgo.Server
	sides  map[string]*side // by transport: "UDP", "TCP", "TLS"; set by Start
	nonces *nonces
	fails  failures       // failed authentications per (source address, user name) and per address
	addr   netip.AddrPort // bound
	adv    string         // advertised host:port
	advH   string         // advertised host

	ctx     context.Context // ends at Close
	cancel  context.CancelFunc
	wg      sync.WaitGroup // the gateway's goroutines but the listener's
	serving chan struct{}  // closed when the listener's goroutine returns

	legsRunning atomic.Int32 // teammate legs whose INVITE (and CANCEL) transactions are not over

	media   *MediaConfig // Config.Media with defaults, set by Start; nil without media
	mediaIP netip.Addr   // the address in the gateway's SDP

	regMu sync.Mutex // serialises registrations, so their SetClient commands follow them in order

	mu       sync.Mutex
	started  bool
	closed   bool
	conn     *requestGate
	bindings map[pb.TeammateID]map[string]*binding // by contactKey
	regSeq   uint64                                // counts REGISTERs that bound a contact
	calls    map[pb.CallID]*call
	dialogs  map[string]dialogRef // SIP Call-ID -> the call and leg it belongs to
}

// dialogRef names what a SIP Call-ID belongs to: a caller's leg (leg nil)
// or a teammate's leg.
type dialogRef struct {
	call *call
	leg  *leg
}

// New checks cfg and builds a gateway. It binds nothing until
// [Gateway.Start].
func New(cfg Config) (*Gateway, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	ns, err := newNonces(cfg.MaxNonces)
	if err != nil {
		return nil, err
	}
	g := &Gateway{
		cfg:      cfg,
		log:      logger{cfg.Logger.With("component", "sip")},
		nonces:   ns,
		bindings: make(map[pb.TeammateID]map[string]*binding),
		calls:    make(map[pb.CallID]*call),
		dialogs:  make(map[string]dialogRef),
		sides:    make(map[string]*side),
	}
	g.ctx, g.cancel = context.WithCancel(context.Background())
	return g, nil
}

// Start binds the UDP listener (and the TCP and TLS ones Config asks
// for), serves SIP on them, ends every call of the
// gateway's the engine still has (its caller's dialog was lost), then
// closes the phone client of every configured teammate the engine still
// shows open (registrations live in the gateway's memory and are
// re-learned after a restart, as phones refresh them within MaxExpires).
// It returns once the listeners are bound; ctx only bounds that start-up.
func (g *Gateway) Start(ctx context.Context) error {
	g.mu.Lock()
	if g.started || g.closed {
		g.mu.Unlock()
		return fmt.Errorf("%w: Start called twice or after Close", ErrClosed)
	}
	g.started = true
	g.mu.Unlock()

	var lc net.ListenConfig
	conn, err := lc.ListenPacket(ctx, "udp", g.cfg.Listen)
	if err != nil {
		return fmt.Errorf("sip: listen: %w", err)
	}
	bound, err := netip.ParseAddrPort(conn.LocalAddr().String())
	if err != nil {
		conn.Close()
		return fmt.Errorf("sip: listen: %w", err)
	}
	g.addr = bound
	g.adv = g.cfg.Advertise
	if g.adv == "" {
		if bound.Addr().IsUnspecified() {
			conn.Close()
			return fmt.Errorf("%w: Advertise is required when listening on %v", ErrInvalidConfig, bound)
		}
		g.adv = bound.String()
	}
	host, port, err := net.SplitHostPort(g.adv)
	if err != nil {
		conn.Close()
		return fmt.Errorf("%w: Advertise %q: %w", ErrInvalidConfig, g.adv, err)
	}
	portN, err := strconv.Atoi(port)
	if err != nil || portN <= 0 || portN > 65535 {
		conn.Close()
		return fmt.Errorf("%w: Advertise %q: bad port", ErrInvalidConfig, g.adv)
	}
	g.advH = host
	if err := g.fillMedia(); err != nil {
		conn.Close()
		return err
	}

	g.sides["UDP"] = &side{network: "UDP", addr: bound}
	if err := g.listenStream(ctx); err != nil {
		conn.Close()
		g.closeStream()
		return err
	}
	g.ua, err = sipgo.NewUA(sipgo.WithUserAgent("phonebalance"), sipgo.WithUserAgentHostname(g.cfg.Domain),
		sipgo.WithUserAgentTransactionLayerOptions(siplib.WithTransactionLayerLogger(g.log.quiet()),
			siplib.WithTransactionLayerUnhandledResponseHandler(func(res *siplib.Response) {
				// A retransmission after its transaction ended (a 2xx
				// to an INVITE already ACKed and hung up): sipgo would log
				// each one on slog's default logger.
				g.log.debug("sip: stray response", "status", res.StatusCode, "call-id", callIDOf(res))
			})),
		sipgo.WithUserAgentTransportLayerOptions(siplib.WithTransportLayerLogger(g.log.quiet())))
	if err == nil {
		g.srv, err = sipgo.NewServer(g.ua, sipgo.WithServerLogger(g.log.quiet()))
	}
	if err == nil {
		err = g.makeClients(host, portN)
	}
	if err != nil {
		conn.Close()
		g.closeStream()
		return fmt.Errorf("sip: %w", err)
	}
	g.srv.OnRegister(g.tracked(g.onRegister))
	g.srv.OnInvite(g.tracked(g.onInvite))
	g.srv.OnAck(g.tracked(g.onAck))
	g.srv.OnBye(g.tracked(g.onBye))
	g.srv.OnCancel(g.tracked(g.onCancel))
	g.srv.OnOptions(g.tracked(g.onOptions))

	g.mu.Lock()
	gate := &requestGate{PacketConn: conn}
	g.conn = gate
	g.mu.Unlock()
	g.serving = make(chan struct{})
	go func() {
		defer close(g.serving)
		if err := g.srv.ServeUDP(gate); err != nil && !errors.Is(err, net.ErrClosed) {
			g.log.warn("sip: serve stopped", "error", err)
		}
	}()
	g.serveStream()
	// End the lost calls first: closing a client that one of them rings
	// would record a decline by that teammate on a call nobody carries.
	g.endOrphanCalls(ctx)
	g.closeStaleClients(ctx)
	return nil
}

// Addr returns the bound UDP address, valid after Start.
func (g *Gateway) Addr() netip.AddrPort { return g.addr }

// Close hangs up every call the gateway carries (CANCEL to ringing phones,
// BYE to bridged ones, 503 to waiting callers), lets those hang-ups be
// answered for up to 2 s, stops the listener and waits for the gateway's
// goroutines. It does not change the engine: the
// host ends or re-learns what it must. Close is idempotent.
func (g *Gateway) Close() error {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return nil
	}
	g.closed = true
	calls := make([]*call, 0, len(g.calls))
	for _, c := range g.calls {
		calls = append(calls, c)
	}
	for _, set := range g.bindings {
		for _, b := range set {
			b.timer.Stop()
		}
	}
	conn := g.conn
	g.mu.Unlock()
	if conn != nil {
		conn.shut()
	}
	g.closeStream()
	g.cancel()
	for _, c := range calls {
		<-c.done
	}
	// Let the CANCELs and BYEs just sent be answered, for a while.
	idle := make(chan struct{})
	go func() {
		g.wg.Wait()
		close(idle)
	}()
	grace := time.NewTimer(closeGrace)
	defer grace.Stop()
	select {
	case <-idle:
	case <-grace.C:
	}
	// End the transactions still waiting while the listener is still
	// open: sipgo sends a request whose listener is gone from a new
	// socket on the same port, which nothing would close.
	var err error
	if g.ua != nil {
		err = g.ua.Close()
	}
	<-idle
	if conn != nil {
		conn.Close()
		<-g.serving
	}
	g.waitStream()
	if g.ua != nil {
		// A request that arrived while closing may have opened a
		// transaction or a socket after the first Close.
		err = errors.Join(err, g.ua.Close())
	}
	return err
}

// closeGrace is how long Close lets the hang-ups it sent be answered.
const closeGrace = 2 * time.Second

// do submits one engine command with the gateway's command timeout.
func (g *Gateway) do(cmd assign.Command) error {
	ctx, cancel := context.WithTimeout(context.Background(), g.cfg.CommandTimeout)
	defer cancel()
	_, err := g.cfg.Node.Do(ctx, g.cfg.Workspace, cmd)
	return err
}

// track adds one to the goroutines Close waits for, unless the gateway
// is closed; the caller then calls g.wg.Done when finished.
func (g *Gateway) track() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.wg.Add(1)
	return true
}

// tracked wraps a request handler so that Close waits for it, so that
// requests arriving while the gateway closes are left unanswered, and so
// that a request lacking what RFC 3261 §8.1.1 requires gets 400 (sipgo
// itself answers 400 to one without Via or CSeq, and drops, unanswered,
// a datagram that does not parse as SIP: the gateway never sees it).
func (g *Gateway) tracked(h sipgo.RequestHandler) sipgo.RequestHandler {
	return func(req *siplib.Request, tx siplib.ServerTransaction) {
		if !g.track() {
			return
		}
		defer g.wg.Done()
		if reason := malformed(req); reason != "" {
			if req.Method != siplib.ACK { // an ACK is never answered
				g.respond(req, tx, 400, "Bad Request: "+reason)
			}
			return
		}
		h(req, tx)
	}
}

// goTracked runs f on a goroutine Close waits for, unless the gateway is
// closed.
func (g *Gateway) goTracked(f func()) bool {
	if !g.track() {
		return false
	}
	go func() {
		defer g.wg.Done()
		f()
	}()
	return true
}

// ourHost reports whether a request URI's host names this gateway.
func (g *Gateway) ourHost(host string) bool {
	return host == g.cfg.Domain || host == g.advH || host == g.addr.Addr().String()
}

// trustedCaller reports whether src (host:port) may place calls.
func (g *Gateway) trustedCaller(src string) bool {
	ap, err := netip.ParseAddrPort(src)
	if err != nil {
		return false
	}
	for _, p := range g.cfg.Callers {
		if p.Contains(ap.Addr().Unmap()) {
			return true
		}
	}
	return false
}

// newID returns n random bytes in hex.
func newID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// respond writes a stateless-style response to a request on its
// transaction, logging a failure.
func (g *Gateway) respond(req *siplib.Request, tx siplib.ServerTransaction, code int, reason string, hdrs ...siplib.Header) {
	res := siplib.NewResponseFromRequest(req, code, reason, nil)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	if err := tx.Respond(res); err != nil {
		g.log.debug("sip: respond failed", "code", code, "error", err)
	}
}

func (g *Gateway) onOptions(req *siplib.Request, tx siplib.ServerTransaction) {
	g.respond(req, tx, 200, "OK", siplib.NewHeader("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER"))
}

func (g *Gateway) onCancel(req *siplib.Request, tx siplib.ServerTransaction) {
	// CANCELs matching a pending INVITE are answered by the transaction
	// layer, which ends the caller's dialog; this one matched nothing.
	g.respond(req, tx, 481, "Call/Transaction Does Not Exist")
}

// checkURI accepts a sip: or sips: URI without characters that could
// break a header.
func checkURI(s string) error {
	if len(s) > 256 || (!hasPrefixFold(s, "sip:") && !hasPrefixFold(s, "sips:")) {
		return fmt.Errorf("%q is not a sip: URI", s)
	}
	for _, r := range s {
		if r <= ' ' || r == '<' || r == '>' || r == '"' || r == 0x7f {
			return fmt.Errorf("%q has a character not allowed here", s)
		}
	}
	var u siplib.Uri
	return siplib.ParseUri(s, &u)
}

func hasPrefixFold(s, p string) bool {
	return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p)
}

// byeCaller sends BYE in a caller's dialog, to its Contact, from the
// listener its INVITE came in on (never from a socket of its own, which
// a caller behind NAT would not accept).
func (g *Gateway) byeCaller(ctx context.Context, dlg *sipgo.DialogServerSession) error {
	inv := dlg.InviteRequest
	target := inv.Recipient
	if c := inv.Contact(); c != nil {
		target = c.Address
	}
	bye := siplib.NewRequest(siplib.BYE, *target.Clone())
	bye.SetTransport(inv.Transport())
	g.fromListener(bye, inv)
	return dlg.WriteBye(ctx, bye)
}

// fromListener makes req, a request in the dialog that in began, leave
// from the listener in arrived on: on UDP the listener's own socket.
func (g *Gateway) fromListener(req, in *siplib.Request) {
	if strings.EqualFold(in.Transport(), "UDP") {
		req.Laddr = siplib.Addr{IP: g.addr.Addr().AsSlice(), Port: int(g.addr.Port())}
	}
}

// malformed names what req lacks of the header fields every request must
// carry (RFC 3261 §8.1.1), or returns "".
func malformed(req *siplib.Request) string {
	switch {
	case req.CallID() == nil || req.CallID().Value() == "":
		return "missing Call-ID"
	case req.From() == nil:
		return "missing or malformed From"
	case req.To() == nil:
		return "missing or malformed To"
	case req.CSeq() == nil || req.CSeq().MethodName != req.Method:
		return "CSeq method does not match"
	}
	return ""
}

func callIDOf(m siplib.Message) string {
	if id := m.CallID(); id != nil {
		return id.Value()
	}
	return ""
}
