package inbox

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/server/core"
	"github.com/phonebalance/phonebalance/server/httpedge"
	"github.com/phonebalance/phonebalance/server/media"
	"github.com/pion/webrtc/v4"
)

// CallAudio returns the caller's side of a call's audio, to bridge to the
// teammate's browser: the SIP gateway's leg of the call handed over
// (sip.Gateway.CallerAudio), say. The inbox closes the leg it got when its
// bridge ends (the call ended, the page left or negotiated again) or
// the negotiation fails: closing hands the audio back to its owner and
// must not end the call. It must be safe for concurrent use.
type CallAudio func(ctx context.Context, call pb.CallID) (media.Leg, error)

// NewPeerConnection returns a PeerConnection for a browser leg: G.711
// only (media.RegisterG711), so frames pass to and from a SIP leg without
// transcoding. configure may adjust its settings (the candidates it
// gathers, say); nil keeps pion's defaults.
func NewPeerConnection(configure func(*webrtc.SettingEngine)) (*webrtc.PeerConnection, error) {
	var me webrtc.MediaEngine
	if err := media.RegisterG711(&me); err != nil {
		return nil, err
	}
	var se webrtc.SettingEngine
	if configure != nil {
		configure(&se)
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(&me), webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
}

// audioKey is one teammate's audio on one call, in a workspace.
type audioKey struct {
	mate mateKey
	call pb.CallID
}

// audible reports whether the pages of workspace w carry audio: with
// Config.CallAudio, whose calls are core.DefaultWorkspace's (the SIP
// gateway's), for that workspace only, so a call ID of another workspace
// can never hand over the audio of the default workspace's call.
func (s *Server) audible(w *core.Workspace) bool {
	return s.cfg.CallAudio != nil && w.ID() == core.DefaultWorkspace
}

// audios are the bridges running on this node, one per teammate and call:
// a new negotiation (the page reloaded during the call) replaces the old
// one, so a refresh rejoins the call's audio.
type audios struct {
	mu   sync.Mutex
	legs map[audioKey]*running
}

// running is one bridge; its pointer tells it from a replacement.
type running struct{ cancel context.CancelFunc }

// SDPBody is the body of POST .../calls/{call}/media and of its answer:
// the page's offer and the server's answer, each with every ICE candidate
// (no trickle).
type SDPBody struct {
	SDP string `json:"sdp"`
}

// negotiateMedia answers the page's offer for the call the teammate is
// on, and bridges the resulting WebRTC leg (G.711, media.WebRTCLeg) to the
// call's caller leg until the call ends, the browser's connection fails,
// or the page negotiates again.
func (s *Server) negotiateMedia(w http.ResponseWriter, r *http.Request, m mate) {
	id := m.id
	cid, v, err := s.ownCall(r, m)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.audible(m.ws) {
		s.fail(w, r, httpedge.Errorf(httpedge.ErrUnavailable, "this server bridges no audio of workspace %q to the browser", m.ws.ID()))
		return
	}
	if v.Agent != id || v.Ended {
		s.fail(w, r, fmt.Errorf("%w: teammate %q is not on call %q", assign.ErrWrongState, id, cid))
		return
	}
	var req SDPBody
	if err := httpedge.DecodeJSON(w, r, &req, false); err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), actionTimeout)
	defer cancel()
	caller, err := s.cfg.CallAudio(ctx, cid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pc, err := s.cfg.PeerConnection()
	if err != nil {
		_ = caller.Close()
		s.fail(w, r, err)
		return
	}
	leg, err := media.NewWebRTCLeg(pc, caller.Codec())
	if err != nil {
		_ = pc.Close()
		_ = caller.Close()
		s.fail(w, r, err)
		return
	}
	answer, err := answerOffer(ctx, pc, req.SDP)
	if err != nil {
		_ = leg.Close()
		_ = caller.Close()
		s.fail(w, r, err)
		return
	}
	s.bridge(m.ws, audioKey{m.key(), cid}, caller, leg, pc)
	httpedge.WriteJSON(w, http.StatusOK, SDPBody{SDP: answer})
}

// answerOffer sets the offer, and returns the answer once ICE gathering
// completes (or ctx ends). A bad offer is 400.
func answerOffer(ctx context.Context, pc *webrtc.PeerConnection, offer string) (string, error) {
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return "", httpedge.Errorf(httpedge.ErrBadRequest, "the offer: %v", err)
	}
	ans, err := pc.CreateAnswer(nil)
	if err != nil {
		return "", httpedge.Errorf(httpedge.ErrBadRequest, "no answer to the offer: %v", err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(ans); err != nil {
		return "", err
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	return pc.LocalDescription().SDP, nil
}

// bridge runs media.Bridge between the caller and the browser until the
// call ends, the PeerConnection fails or closes, the page negotiates
// again, or the server closes; then it closes the browser leg and the
// caller's (handing the caller's audio back, see CallAudio).
func (s *Server) bridge(ws *core.Workspace, k audioKey, caller media.Leg, leg *media.WebRTCLeg, pc *webrtc.PeerConnection) {
	ctx, cancel := context.WithCancel(s.ctx)
	me := &running{cancel: cancel}
	s.audio.mu.Lock()
	if s.audio.legs == nil {
		s.audio.legs = map[audioKey]*running{}
	}
	if old := s.audio.legs[k]; old != nil {
		old.cancel() // the page reloaded: the new leg replaces the old
	}
	s.audio.legs[k] = me
	s.audio.mu.Unlock()
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		if st == webrtc.PeerConnectionStateFailed || st == webrtc.PeerConnectionStateClosed {
			cancel()
		}
	})
	sub := ws.Subscribe(16)
	s.wg.Add(2)
	go func() { // the call's end stops the bridge
		defer s.wg.Done()
		defer sub.Close()
		tick := time.NewTicker(time.Second) // a Gap, or a batch missed: look again
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case b, ok := <-sub.C():
				if !ok {
					cancel()
					return
				}
				for _, e := range b.Events {
					if e.Call == k.call && e.Kind == eventlog.CallEnded {
						cancel()
						return
					}
				}
			case <-tick.C:
				var v assign.CallView
				var ok bool
				_, _ = ws.View(func(e *assign.Engine) { v, ok = e.Call(k.call) })
				if !ok || v.Ended || v.Agent != k.mate.id {
					cancel()
					return
				}
			}
		}
	}()
	go func() {
		defer s.wg.Done()
		err := media.Bridge(ctx, caller, leg)
		cancel()
		_ = leg.Close()
		_ = caller.Close()
		s.audio.mu.Lock()
		if s.audio.legs[k] == me { // not a replacement's
			delete(s.audio.legs, k)
		}
		s.audio.mu.Unlock()
		s.logger.Debug("inbox: audio bridge ended", "workspace", k.mate.ws, "teammate", k.mate.id, "call", k.call, "err", err)
	}()
}
