package sip

import (
	"strconv"
	"strings"

	siplib "github.com/emiago/sipgo/sip"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/server/media"
	"github.com/pion/sdp/v3"
)

// callIDPrefix starts the engine call ID of every call the gateway
// carries; see [Gateway.Carries].
const callIDPrefix = "sip-"

// onInvite turns an INVITE to sip:<team>@<domain> into an arriving call
// and then runs that call, on this handler's goroutine, until it ends.
func (g *Gateway) onInvite(req *siplib.Request, tx siplib.ServerTransaction) {
	if to := req.To(); to != nil {
		if _, ok := to.Params.Get("tag"); ok {
			// A re-INVITE in a dialog (hold, codec change): with media, a
			// phone's hold and resume; otherwise the gateway relays
			// signalling only at set-up.
			if g.media != nil {
				g.reinvite(req, tx)
				return
			}
			g.respond(req, tx, 488, "Not Acceptable Here")
			return
		}
	}
	if !g.trustedCaller(req.Source()) {
		// Outside the trusted networks, a caller authenticates as one of
		// the users: a teammate calling a team from their phone.
		if _, ok := g.authenticate(req, tx, "", true); !ok {
			return
		}
	}
	if !g.ourHost(req.Recipient.Host) || req.Recipient.User == "" {
		g.respond(req, tx, 404, "Not Found")
		return
	}
	body := req.Body()
	if len(body) > g.cfg.MaxBody {
		g.respond(req, tx, 413, "Request Entity Too Large")
		return
	}
	switch {
	case len(body) == 0 && g.media == nil:
		// Signalling only, a late offer would need the caller's answer
		// carried in its ACK to the phone's ACK; the gateway relays
		// offers in INVITEs only.
		g.respond(req, tx, 488, "Not Acceptable Here: SDP offer required")
		return
	case len(body) == 0:
		// With media, a late offer (RFC 3261 §13.2.1): the gateway
		// offers in its 200 OK and takes the answer from the ACK.
	case !isSDP(req.ContentType()):
		g.respond(req, tx, 415, "Unsupported Media Type", siplib.NewHeader("Accept", "application/sdp"))
		return
	default:
		if code, reason := checkSDP(body); code != 0 {
			g.respond(req, tx, code, reason)
			return
		}
	}
	var cm *callMedia
	if g.media != nil && len(body) == 0 {
		cm = &callMedia{peer: media.PeerMedia{Codec: media.PCMU}, late: true}
	} else if g.media != nil {
		p, err := media.ParseSDP(body)
		if err != nil {
			g.respond(req, tx, 488, "Not Acceptable Here: no G.711 RTP audio offered")
			return
		}
		cm = &callMedia{peer: p}
	}
	sd := g.side(req.Transport())
	if sd == nil {
		g.respond(req, tx, 400, "Bad Request: transport not served")
		return
	}
	dlg, err := sd.dua.ReadInvite(req, tx)
	if err != nil {
		g.respond(req, tx, 400, "Bad Request")
		return
	}
	c := &call{
		g:     g,
		id:    pb.CallID(callIDPrefix + newID(8)),
		team:  pb.TeamID(req.Recipient.User),
		sipID: req.CallID().Value(),
		dlg:   dlg,
		tx:    tx,
		offer: append([]byte(nil), body...),
		done:  make(chan struct{}),
		wake:  make(chan struct{}, 1),
		legs:  make(map[pb.TeammateID]*leg),
		m:     cm,
	}
	if from := req.From(); from != nil {
		c.callerUser, c.callerName = safeToken(from.Address.User), safeToken(from.DisplayName)
	}
	if code, reason := g.addCall(c); code != 0 {
		close(c.done)
		_ = dlg.Respond(code, reason, nil)
		return
	}
	c.run()
}

// addCall registers c, unless the gateway is closed, full, or already
// carries the SIP Call-ID (a loop).
func (g *Gateway) addCall(c *call) (int, string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case g.closed:
		return 503, "Service Unavailable"
	case len(g.calls) >= g.cfg.MaxCalls:
		return 503, "Too Many Calls"
	}
	if _, dup := g.dialogs[c.sipID]; dup {
		return 482, "Loop Detected"
	}
	g.calls[c.id] = c
	g.dialogs[c.sipID] = dialogRef{call: c}
	return 0, ""
}

func (g *Gateway) lookupCall(id pb.CallID) *call {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls[id]
}

// Carries reports whether the gateway carries call: whether it arrived
// as a SIP INVITE here and has not ended. A host with other sources of
// calls routes effects by it.
func (g *Gateway) Carries(call pb.CallID) bool { return g.lookupCall(call) != nil }

// deflectResponse is the final response a deflected caller gets.
func deflectResponse(why eventlog.Deflection) (int, string) {
	switch why {
	case eventlog.DeflectQueueFull:
		return 486, "Busy Here: queue full"
	case eventlog.DeflectNoTeammates:
		return 480, "Temporarily Unavailable: nobody online"
	case eventlog.DeflectWorkspaceClosed, eventlog.DeflectTeamClosed:
		return 480, "Temporarily Unavailable: closed"
	case eventlog.DeflectHoldTimeout:
		return 408, "Request Timeout: waited too long"
	}
	return 480, "Temporarily Unavailable"
}

// reasonHeader names the deflection in a Reason header (RFC 3326).
func reasonHeader(code int, why eventlog.Deflection) siplib.Header {
	return siplib.NewHeader("Reason", "SIP;cause="+strconv.Itoa(code)+";text=\""+why.String()+"\"")
}

// safeToken keeps s if it is short and made of characters safe in a SIP
// user part or quoted display name, else returns "".
func safeToken(s string) string {
	if len(s) > 64 {
		return ""
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("+-_. ", r)) {
			return ""
		}
	}
	return s
}

// isSDP reports whether a Content-Type header names application/sdp.
func isSDP(ct *siplib.ContentTypeHeader) bool {
	return ct != nil && strings.EqualFold(strings.TrimSpace(strings.Split(ct.Value(), ";")[0]), "application/sdp")
}

// checkSDP accepts an SDP offer that parses (RFC 8866, with pion/sdp)
// and offers an audio stream; otherwise it returns the response to
// refuse it with: 400 for a body that is not SDP, 488 for an offer
// without audio.
func checkSDP(body []byte) (int, string) {
	var s sdp.SessionDescription
	if err := s.Unmarshal(body); err != nil {
		return 400, "Bad Request: SDP does not parse"
	}
	for _, m := range s.MediaDescriptions {
		if m.MediaName.Media == "audio" && m.MediaName.Port.Value != 0 {
			return 0, ""
		}
	}
	return 488, "Not Acceptable Here: no audio stream offered"
}
