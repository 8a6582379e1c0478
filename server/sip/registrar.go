package sip

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/benbjohnson/clock"
	siplib "github.com/emiago/sipgo/sip"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/replica"
)

// binding is one registered contact of a teammate's. A teammate may
// have several (a desk phone and a mobile); the client is open while any
// remains, and calls ring the one registered or refreshed last.
type binding struct {
	key     string     // the contact's identity: scheme:user@host:port, host lower-cased
	contact siplib.Uri // the phone's Contact: the Request-URI of INVITEs to it
	source  string     // host:port the REGISTER came from: where INVITEs are sent (NAT)
	network string     // the transport the REGISTER came over: how INVITEs are sent
	expires time.Time  // on the engine's clock
	seq     uint64     // when it was last registered, in the gateway's REGISTER order
	timer   *clock.Timer
}

// maxContacts bounds the contacts one teammate may register; a new one
// beyond it replaces the one refreshed longest ago.
const maxContacts = 8

// contactKey names a contact: the same phone re-registering keeps its key.
func contactKey(u siplib.Uri) string {
	scheme := strings.ToLower(u.Scheme)
	if scheme == "" {
		scheme = "sip"
	}
	return scheme + ":" + u.User + "@" + strings.ToLower(u.HostPort())
}

// regContact is one Contact of a REGISTER, with the lifetime it asks for.
type regContact struct {
	addr    siplib.Uri
	expires time.Duration
}

// onRegister authenticates a REGISTER with digest and adds, refreshes or
// removes the teammate's bindings (RFC 3261 §10.3): each Contact is a
// binding of its own, removed alone by an expires of 0; "Contact: *"
// with "Expires: 0" removes them all. The teammate's first binding opens
// their phone client in the engine (rule PR3); removing the last, by an
// un-REGISTER or by expiry on the engine's clock, closes it.
func (g *Gateway) onRegister(req *siplib.Request, tx siplib.ServerTransaction) {
	to := req.To() // present: see tracked
	if !g.ourHost(to.Address.Host) {
		g.respond(req, tx, 404, "Not Found")
		return
	}
	id := pb.TeammateID(to.Address.User)
	if _, ok := g.authenticate(req, tx, id, false); !ok {
		return
	}
	expires := g.cfg.DefaultExpires
	if h := req.GetHeader("Expires"); h != nil {
		n, err := strconv.ParseUint(strings.TrimSpace(h.Value()), 10, 32)
		if err != nil {
			g.respond(req, tx, 400, "Bad Expires")
			return
		}
		expires = time.Duration(n) * time.Second
	}
	var contacts []regContact
	wildcard := false
	for _, h := range req.GetHeaders("Contact") {
		c, ok := h.(*siplib.ContactHeader)
		if !ok {
			c = &siplib.ContactHeader{}
			var err error
			if c.DisplayName, err = siplib.ParseAddressValue(h.Value(), &c.Address, &c.Params); err != nil {
				g.respond(req, tx, 400, "Bad Contact")
				return
			}
		}
		if c.Address.Wildcard {
			wildcard = true
			continue
		}
		e := expires
		if c.Params != nil {
			if v, ok := c.Params.Get("expires"); ok {
				n, err := strconv.ParseUint(v, 10, 32)
				if err != nil {
					g.respond(req, tx, 400, "Bad Contact expires")
					return
				}
				e = time.Duration(n) * time.Second
			}
		}
		if c.Address.Host == "" || (c.Address.Scheme != "sip" && c.Address.Scheme != "sips" && c.Address.Scheme != "") {
			g.respond(req, tx, 400, "Contact must be a sip: URI")
			return
		}
		if e != 0 && e < g.cfg.MinExpires {
			g.respond(req, tx, 423, "Interval Too Brief",
				siplib.NewHeader("Min-Expires", strconv.Itoa(int(g.cfg.MinExpires/time.Second))))
			return
		}
		contacts = append(contacts, regContact{addr: c.Address, expires: min(e, g.cfg.MaxExpires)})
	}
	if wildcard && (len(contacts) > 0 || expires != 0) {
		g.respond(req, tx, 400, "Wildcard Contact needs Expires: 0 and no other Contact")
		return
	}
	if len(contacts) > maxContacts {
		g.respond(req, tx, 403, "Forbidden: too many contacts")
		return
	}

	g.regMu.Lock()
	defer g.regMu.Unlock()
	if wildcard {
		g.unbindAll(id)
		g.registered(req, tx, id)
		return
	}
	for _, c := range contacts {
		var err error
		if c.expires == 0 {
			g.unbind(id, contactKey(c.addr), nil)
		} else {
			err = g.bind(id, c.addr, req.Source(), req.Transport(), c.expires)
		}
		if err != nil {
			code, reason := commandFailure(err)
			g.respond(req, tx, code, reason)
			return
		}
	}
	g.registered(req, tx, id)
}

// registered answers a REGISTER with the teammate's current bindings.
func (g *Gateway) registered(req *siplib.Request, tx siplib.ServerTransaction, id pb.TeammateID) {
	res := siplib.NewResponseFromRequest(req, 200, "OK", nil)
	now := g.cfg.Clock.Now()
	g.mu.Lock()
	for _, b := range g.bindings[id] {
		left := b.expires.Sub(now)
		c := &siplib.ContactHeader{Address: *b.contact.Clone(), Params: siplib.NewParams()}
		c.Params.Add("expires", strconv.Itoa(int((left+time.Second-1)/time.Second)))
		res.AppendHeader(c)
	}
	g.mu.Unlock()
	if err := tx.Respond(res); err != nil {
		g.log.debug("sip: respond to REGISTER failed", "error", err)
	}
}

// binding returns the contact calls to id ring: the one registered or
// refreshed last.
func (g *Gateway) binding(id pb.TeammateID) (*binding, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var last *binding
	for _, b := range g.bindings[id] {
		if last == nil || b.seq > last.seq {
			last = b
		}
	}
	return last, last != nil
}

// bind adds or refreshes one of id's contacts; the first opens the phone
// client. The caller holds regMu.
func (g *Gateway) bind(id pb.TeammateID, contact siplib.Uri, source, network string, expires time.Duration) error {
	now := g.cfg.Clock.Now()
	key := contactKey(contact)
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return ErrClosed
	}
	set := g.bindings[id]
	first := len(set) == 0
	if set == nil {
		set = make(map[string]*binding)
		g.bindings[id] = set
	}
	if old, had := set[key]; had {
		old.timer.Stop()
	} else if len(set) >= maxContacts {
		var oldest *binding
		for _, b := range set {
			if oldest == nil || b.seq < oldest.seq {
				oldest = b
			}
		}
		oldest.timer.Stop()
		delete(set, oldest.key)
	}
	g.regSeq++
	b := &binding{key: key, contact: *contact.Clone(), source: source, network: network,
		expires: now.Add(expires), seq: g.regSeq}
	b.timer = g.cfg.Clock.AfterFunc(expires, func() { g.expire(id, b) })
	set[key] = b
	g.mu.Unlock()
	if !first {
		return nil
	}
	err := g.do(assign.Command{Op: assign.OpSetClient, Teammate: id, Open: true})
	if err != nil {
		g.mu.Lock()
		if g.bindings[id][key] == b {
			b.timer.Stop()
			delete(g.bindings[id], key)
			if len(g.bindings[id]) == 0 {
				delete(g.bindings, id)
			}
		}
		g.mu.Unlock()
	}
	return err
}

// unbind removes id's contact key, if it is still only (or whatever
// binding it is when only is nil), and closes the phone client when it
// was the last. The caller holds regMu.
func (g *Gateway) unbind(id pb.TeammateID, key string, only *binding) {
	g.mu.Lock()
	set := g.bindings[id]
	b, ok := set[key]
	if !ok || (only != nil && b != only) {
		g.mu.Unlock()
		return
	}
	b.timer.Stop()
	delete(set, key)
	last := len(set) == 0
	if last {
		delete(g.bindings, id)
	}
	g.mu.Unlock()
	if last {
		g.closeClient(id)
	}
}

// unbindAll removes every contact of id's and closes the phone client
// if there was one. The caller holds regMu.
func (g *Gateway) unbindAll(id pb.TeammateID) {
	g.mu.Lock()
	set, ok := g.bindings[id]
	for _, b := range set {
		b.timer.Stop()
	}
	delete(g.bindings, id)
	g.mu.Unlock()
	if ok {
		g.closeClient(id)
	}
}

func (g *Gateway) closeClient(id pb.TeammateID) {
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
	g.unbind(id, b.key, b)
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
