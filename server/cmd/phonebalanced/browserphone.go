package main

import (
	"context"
	"errors"
	"sync/atomic"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/server/httpedge"
	"github.com/phonebalance/phonebalance/server/inbox"
	"github.com/phonebalance/phonebalance/server/media"
	"github.com/phonebalance/phonebalance/server/sip"
)

// browserPhone joins the inbox and the SIP gateway when both run with
// media (-sip and -sip-media): a teammate whose phone client is their
// inbox tab (and who has no SIP registration) is rung in the page, not
// declined (sip.Config.OtherClient is inbox.Server.ClientOpen), and the
// page's audio is the caller's leg handed over by the gateway
// (inbox.Config.CallAudio is sip.Gateway.CallerAudio). The gateway stays
// the one telephony side: every effect still leaves through it. The two
// are built separately, each once the node is open; until both are, the
// page gets no audio and no teammate has another client. Safe for
// concurrent use.
type browserPhone struct {
	gw atomic.Pointer[sip.Gateway]
	ib atomic.Pointer[inbox.Server]
}

// newBrowserPhone returns the link for c's flags: nil unless the SIP
// gateway carries media.
func newBrowserPhone(c config) *browserPhone {
	if c.sip == "" || !c.sipMedia {
		return nil
	}
	return &browserPhone{}
}

// callerAudio is the inbox's CallAudio: the gateway's hand-over of the
// caller's leg. A call it cannot hand over is 404 "not_available".
func (b *browserPhone) callerAudio(ctx context.Context, call pb.CallID) (media.Leg, error) {
	gw := b.gw.Load()
	if gw == nil {
		return nil, httpedge.Errorf(httpedge.ErrUnavailable, "the SIP gateway is not running")
	}
	leg, err := gw.CallerAudio(ctx, call)
	if errors.Is(err, sip.ErrUnknownCall) || errors.Is(err, sip.ErrNoCallerAudio) {
		return nil, httpedge.Errorf(httpedge.ErrUnavailable, "no caller audio for call %q: %v", call, err)
	}
	return leg, err
}

// clientOpen is the gateway's OtherClient: the teammate's inbox tab is
// open on this node.
func (b *browserPhone) clientOpen(t pb.TeammateID) bool {
	ib := b.ib.Load()
	return ib != nil && ib.ClientOpen(t)
}
