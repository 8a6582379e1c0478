package sip

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/benbjohnson/clock"
	siplib "github.com/emiago/sipgo/sip"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/replica"
)

// binding is a teammate's live registration: one phone per teammate, the
// latest REGISTER wins.
type binding struct {
	contact siplib.Uri // the phone's Contact: the Request-URI of INVITEs to it
	source  string     // host:port the REGISTER came from: where INVITEs are sent (NAT)
	expires time.Time  // on the engine's clock
	timer   *clock.Timer
}

// onRegister authenticates a REGISTER with digest and adds, refreshes or
// removes the teammate's binding. A new binding opens the teammate's phone
// client in the engine (rule PR3); removing it, by an un-REGISTER or by
// expiry on the engine's clock, closes it.
func (g *Gateway) onRegister(req *siplib.Request, tx siplib.ServerTransaction) {
	to := req.To()
	if to == nil || req.CallID() == nil || req.CSeq() == nil {
		g.respond(req, tx, 400, "Bad Request")
		return
	}
	if !g.ourHost(to.Address.Host) {
		g.respond(req, tx, 404, "Not Found")
		return
	}
	id := pb.TeammateID(to.Address.User)
	if _, ok := g.authenticate(req, tx, id, false); !ok {
		return
	}
	contact := req.Contact()
	expires := g.cfg.DefaultExpires
	if h := req.GetHeader("Expires"); h != nil {
		n, err := strconv.ParseUint(h.Value(), 10, 32)
		if err != nil {
			g.respond(req, tx, 400, "Bad Expires")
			return
		}
		expires = time.Duration(n) * time.Second
	}
	if contact != nil && contact.Params != nil {
		if v, ok := contact.Params.Get("expires"); ok {
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				g.respond(req, tx, 400, "Bad Contact expires")
				return
			}
			expires = time.Duration(n) * time.Second
		}
	}

	g.regMu.Lock()
	defer g.regMu.Unlock()
	switch {
	case contact == nil: // a query
		g.registered(req, tx, id)
		return
	case contact.Address.Wildcard || expires == 0:
		if contact.Address.Wildcard && expires != 0 {
			g.respond(req, tx, 400, "Wildcard Contact needs Expires: 0")
			return
		}
		g.unbind(id, nil)
		g.registered(req, tx, id)
		return
	case expires < g.cfg.MinExpires:
		g.respond(req, tx, 423, "Interval Too Brief",
			siplib.NewHeader("Min-Expires", strconv.Itoa(int(g.cfg.MinExpires/time.Second))))
		return
	case expires > g.cfg.MaxExpires:
		expires = g.cfg.MaxExpires
	}
	if contact.Address.Host == "" || (contact.Address.Scheme != "sip" && contact.Address.Scheme != "") {
		g.respond(req, tx, 400, "Contact must be a sip: URI")
		return
	}
	if err := g.bind(id, contact.Address, req.Source(), expires); err != nil {
		code, reason := commandFailure(err)
		g.respond(req, tx, code, reason)
		return
	}
	g.registered(req, tx, id)
}

// registered answers a REGISTER with the teammate's current binding.
func (g *Gateway) registered(req *siplib.Request, tx siplib.ServerTransaction, id pb.TeammateID) {
	res := siplib.NewResponseFromRequest(req, 200, "OK", nil)
	if b, ok := g.binding(id); ok {
		left := b.expires.Sub(g.cfg.Clock.Now())
		c := &siplib.ContactHeader{Address: *b.contact.Clone(), Params: siplib.NewParams()}
		c.Params.Add("expires", strconv.Itoa(int((left+time.Second-1)/time.Second)))
		res.AppendHeader(c)
	}
	if err := tx.Respond(res); err != nil {
		g.log.debug("sip: respond to REGISTER failed", "error", err)
	}
}

func (g *Gateway) binding(id pb.TeammateID) (*binding, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	b, ok := g.bindings[id]
	return b, ok
}

// bind adds or refreshes id's binding; a new one opens the phone client.
// The caller holds regMu.
func (g *Gateway) bind(id pb.TeammateID, contact siplib.Uri, source string, expires time.Duration) error {
	now := g.cfg.Clock.Now()
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return ErrClosed
	}
	old, had := g.bindings[id]
	b := &binding{contact: *contact.Clone(), source: source, expires: now.Add(expires)}
	if had {
		old.timer.Stop()
	}
	b.timer = g.cfg.Clock.AfterFunc(expires, func() { g.expire(id, b) })
	g.bindings[id] = b
	g.mu.Unlock()
	if had {
		return nil
	}
	err := g.do(assign.Command{Op: assign.OpSetClient, Teammate: id, Open: true})
	if err != nil {
		g.mu.Lock()
		if g.bindings[id] == b {
			b.timer.Stop()
			delete(g.bindings, id)
		}
		g.mu.Unlock()
	}
	return err
}

// unbind removes id's binding, if it is still only (or any binding when
// only is nil), and closes the phone client. The caller holds regMu.
func (g *Gateway) unbind(id pb.TeammateID, only *binding) {
	g.mu.Lock()
	b, ok := g.bindings[id]
	if !ok || (only != nil && b != only) {
		g.mu.Unlock()
		return
	}
	b.timer.Stop()
	delete(g.bindings, id)
	g.mu.Unlock()
	if err := g.do(assign.Command{Op: assign.OpSetClient, Teammate: id, Open: false}); err != nil {
		g.log.warn("sip: closing the phone client failed", "teammate", id, "error", err)
	}
}

// expire runs when a binding's time is up on the engine's clock.
func (g *Gateway) expire(id pb.TeammateID, b *binding) {
	if !g.track() {
		return
	}
	defer g.wg.Done()
	g.regMu.Lock()
	defer g.regMu.Unlock()
	g.unbind(id, b)
}

// commandFailure maps a command's error to a SIP final response.
func commandFailure(err error) (int, string) {
	switch {
	case errors.Is(err, assign.ErrUnknownTeammate):
		return 404, "Not a teammate of this workspace"
	case errors.Is(err, assign.ErrUnknownTeam):
		return 404, "No such team"
	case errors.Is(err, assign.ErrTestWorkspace):
		return 403, "Test workspace"
	case errors.Is(err, replica.ErrNotLeader), errors.Is(err, ErrClosed), errors.Is(err, replica.ErrClosed),
		errors.Is(err, context.DeadlineExceeded):
		return 503, "Service Unavailable"
	}
	return 500, "Server Internal Error"
}
