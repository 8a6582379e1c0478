package sip

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	siplib "github.com/emiago/sipgo/sip"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/server/media"
)

// MediaConfig makes the gateway carry audio (see [Config.Media]): it
// answers a queued caller at once with its own SDP and plays hold music
// with periodic announcements of the caller's place in line and expected
// wait; it relays RTP between the caller and the teammate who answers
// (the teammate's phone is offered the gateway's own media address, never
// the caller's); it records voicemail; and it dials callers back.
// A MediaConfig is read-only once given to New.
type MediaConfig struct {
	// IP is the address the RTP sockets bind (one per caller and per
	// ringing phone, each on a free port). Default: the SIP UDP listener's
	// address.
	IP string
	// AdvertiseIP is the address put in the gateway's SDP. Default: the
	// host of Config.Advertise if it is an IP address, else IP. It must
	// not be unspecified (0.0.0.0).
	AdvertiseIP string
	// HoldMusic loops while a caller waits; nil is media.DefaultHoldMusic.
	HoldMusic *media.Clip
	// Prompts say the place in line and the expected wait, and voicemail
	// and callback instructions; nil is media.DefaultPrompts.
	Prompts *media.Prompts
	// AnnouncePeriod is the hold music between announcements; zero is
	// media.DefaultAnnouncePeriod (30 s).
	AnnouncePeriod time.Duration
	// ExpectedWait estimates how long a caller at place (1 = next) in
	// team's queue will wait, or returns a negative duration when it
	// cannot (the wait sentence is then left out). Nil: no wait sentence.
	// Called on a call's media goroutine at each announcement; it must be
	// safe for concurrent use and return quickly.
	ExpectedWait func(team pb.TeamID, place int) time.Duration
	// VoicemailDir, if set, is where voicemail is recorded, one
	// <call>.wav per call: a caller deflected by the engine, or pressing
	// 1 while waiting, leaves a message there. Empty: no voicemail (a
	// deflected caller is refused or redirected as without media, key 1
	// does nothing).
	VoicemailDir string
	// VoicemailMax bounds a message's length; zero is 2 minutes.
	VoicemailMax time.Duration
	// Trunk, if set, is the SIP URI callers are dialled back through
	// (sip:host:port, the carrier's trunk or SBC); a waiting caller
	// pressing 2 then hangs up keeping their place in the queue, and is
	// dialled back as sip:<caller user>@<trunk host> once a teammate
	// answers. Empty: key 2 does nothing.
	Trunk string
	// DialbackTimeout bounds how long a callback rings the customer;
	// zero is 30 s.
	DialbackTimeout time.Duration
}

// fillMedia checks the media configuration and fills its defaults once
// the SIP listener is bound.
func (g *Gateway) fillMedia() error {
	m := g.cfg.Media
	if m == nil {
		return nil
	}
	mc := *m
	if mc.IP == "" {
		mc.IP = g.addr.Addr().String()
	}
	if _, err := netip.ParseAddr(mc.IP); err != nil {
		return fmt.Errorf("%w: Media.IP %q: %w", ErrInvalidConfig, mc.IP, err)
	}
	if mc.AdvertiseIP == "" {
		if ip, err := netip.ParseAddr(g.advH); err == nil {
			mc.AdvertiseIP = ip.String()
		} else {
			mc.AdvertiseIP = mc.IP
		}
	}
	ip, err := netip.ParseAddr(mc.AdvertiseIP)
	if err != nil || ip.IsUnspecified() {
		return fmt.Errorf("%w: Media.AdvertiseIP %q must be an address phones reach", ErrInvalidConfig, mc.AdvertiseIP)
	}
	g.mediaIP = ip
	if mc.HoldMusic == nil {
		mc.HoldMusic = media.DefaultHoldMusic()
	}
	if mc.Prompts == nil {
		mc.Prompts = media.DefaultPrompts()
	}
	if mc.VoicemailMax <= 0 {
		mc.VoicemailMax = 2 * time.Minute
	}
	if mc.DialbackTimeout <= 0 {
		mc.DialbackTimeout = 30 * time.Second
	}
	if mc.VoicemailDir != "" {
		if err := os.MkdirAll(mc.VoicemailDir, 0o750); err != nil {
			return fmt.Errorf("sip: voicemail directory: %w", err)
		}
	}
	if mc.Trunk != "" {
		if err := checkURI(mc.Trunk); err != nil {
			return fmt.Errorf("%w: Media.Trunk: %w", ErrInvalidConfig, err)
		}
	}
	g.media = &mc
	return nil
}

// rtpLeg is one RTP leg of the gateway's with the SDP that describes it.
type rtpLeg struct {
	*media.UDPLeg
	local media.LocalMedia
}

// newRTPLeg binds an RTP leg in codec (the caller's; a phone's leg learns
// its codec from its answer).
func (g *Gateway) newRTPLeg(codec media.Codec, eventPT uint8) (*rtpLeg, error) {
	u, err := media.ListenUDP(media.UDPConfig{Local: net.JoinHostPort(g.media.IP, "0"), Codec: codec, EventPayloadType: eventPT})
	if err != nil {
		return nil, err
	}
	return &rtpLeg{UDPLeg: u, local: media.LocalMedia{
		Addr:      netip.AddrPortFrom(g.mediaIP, u.LocalAddr().Port()),
		SessionID: rand.Uint64() >> 1, Version: 1,
	}}, nil
}

// answerSDP renders the leg's answer to a peer's offer or re-offer: the
// peer's codec, its telephone-event type, and the direction that
// mirrors the peer's (RFC 3264 §6.1).
func (r *rtpLeg) answerSDP(p media.PeerMedia) ([]byte, error) {
	l := r.local
	l.Codecs = []media.Codec{p.Codec}
	l.EventPayloadType = p.EventPayloadType
	switch p.Direction {
	case media.SendOnly:
		l.Direction = media.RecvOnly
	case media.RecvOnly:
		l.Direction = media.SendOnly
	case media.Inactive:
		l.Direction = media.Inactive
	}
	return l.SDP()
}

// offerSDP renders the leg's offer to a phone: first the caller's codec,
// then the other G.711 one, and telephone-event.
func (r *rtpLeg) offerSDP(first media.Codec) ([]byte, error) {
	l := r.local
	l.Codecs = []media.Codec{first, media.PCMU + media.PCMA - first}
	l.EventPayloadType = media.DefaultEventPayloadType
	return l.SDP()
}

// callMedia is a caller's audio: their RTP leg and the one activity that
// reads it (hold, bridge, voicemail, a prompt), run on a goroutine of its
// own that the call's goroutine starts and stops (only one goroutine
// reads a leg).
type callMedia struct {
	peer   media.PeerMedia
	caller *rtpLeg
	stop   context.CancelFunc
	done   chan struct{}

	customer *leg // the callback's leg to the customer, once dialled

	late      bool // the INVITE had no SDP: the gateway offers in its 200 OK, the ACK answers
	voicemail bool // recording or about to
	callback  bool // the caller chose to be called back
	held      bool // the teammate put the call on hold

	handed *handedLeg // the audio handed to another client (CallerAudio)
}

// Events the media goroutines and re-INVITEs post to a call.
const (
	evDigit eventKind = iota + 100
	evVoicemailDone
	evCallbackConfirmed
	evTeammateHold
)

// activity starts f as the caller's media activity, after stopping the
// current one. Only the call's goroutine calls it.
func (c *call) activity(f func(ctx context.Context)) {
	c.stopActivity()
	ctx, cancel := context.WithCancel(c.g.ctx)
	done := make(chan struct{})
	c.m.stop, c.m.done = cancel, done
	if !c.g.goTracked(func() {
		defer close(done)
		f(ctx)
	}) {
		close(done)
	}
}

// stopActivity ends the current media activity and waits for it.
func (c *call) stopActivity() {
	if c.m == nil || c.m.stop == nil {
		return
	}
	c.m.stop()
	<-c.m.done
	c.m.stop, c.m.done = nil, nil
}

// closeMedia closes the caller's leg and ends its activity.
func (c *call) closeMedia() {
	if c.m == nil {
		return
	}
	if c.m.caller != nil {
		c.m.caller.Close()
	}
	c.stopActivity()
}

// answerQueued answers a queued caller with the gateway's SDP and starts
// the hold music.
func (c *call) answerQueued() error {
	if err := c.openCallerLeg(); err != nil {
		return err
	}
	c.hold(true)
	return nil
}

// openCallerLeg binds the caller's RTP leg and answers the INVITE 200
// OK with its SDP, once: the answer to the caller's offer or, for a late
// offer, the gateway's offer (PCMU, PCMA, telephone-event), whose answer
// the caller's ACK carries (see lateAnswer).
func (c *call) openCallerLeg() error {
	if c.m.caller != nil {
		return nil
	}
	r, err := c.g.newRTPLeg(c.m.peer.Codec, c.m.peer.EventPayloadType)
	if err != nil {
		return err
	}
	var body []byte
	if c.m.late {
		body, err = r.offerSDP(c.m.peer.Codec)
	} else {
		r.SetRemote(c.m.peer.Addr)
		body, err = r.answerSDP(media.PeerMedia{Codec: c.m.peer.Codec, EventPayloadType: c.m.peer.EventPayloadType})
	}
	if err != nil {
		r.Close()
		return err
	}
	c.m.caller = r
	if err := c.answerCaller(body); err != nil {
		return err
	}
	if c.m.late {
		return c.lateAnswer(r)
	}
	return nil
}

// lateAnswer takes the caller's answer to the gateway's late offer from
// their ACK (answerCaller returns once the ACK came, or after 64*T1
// without one) and sets the caller's leg from it. Without a usable answer
// the session cannot start: the caller is hung up (RFC 3261 §13.3.1.4).
func (c *call) lateAnswer(r *rtpLeg) error {
	c.mu.Lock()
	body := c.ackSDP
	c.mu.Unlock()
	p, err := media.ParseSDP(body)
	if err == nil {
		err = r.SetCodec(p.Codec)
	}
	if err != nil {
		c.byeCaller()
		return fmt.Errorf("%w: %w", errNoLateAnswer, err)
	}
	r.SetRemote(p.Addr)
	c.m.peer.Codec, c.m.peer.Addr = p.Codec, p.Addr
	return nil
}

// errNoLateAnswer: the caller's ACK did not answer the gateway's late
// offer usably; the gateway hung the caller up.
var errNoLateAnswer = errors.New("sip: no usable SDP answer in the caller's ACK")

// leftBy is who ended a call whose caller's leg could not be opened (err
// from openCallerLeg): the gateway, when it hung up a caller whose ACK
// did not answer its late offer; otherwise the caller, who left as they
// were answered.
func leftBy(err error) eventlog.Party {
	if errors.Is(err, errNoLateAnswer) {
		return eventlog.BySystem
	}
	return eventlog.ByCustomer
}

// setAckSDP keeps the SDP answer of the caller's ACK to a late offer, the
// first one only. Called by the ACK's handler before the dialog confirms
// (which lets answerCaller return).
func (c *call) setAckSDP(body []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ackSDP == nil && len(body) > 0 {
		c.ackSDP = append([]byte(nil), body...)
	}
}

// hold plays hold music to the caller; with announce, the caller's place
// in line and expected wait every AnnouncePeriod, and their key presses
// are read (1 voicemail, 2 callback).
func (c *call) hold(announce bool) { c.holdLeg(c.m.caller, announce) }

// holdLeg plays hold music into leg (the caller's, or the teammate's
// while a callback dials the customer) and reads it; see hold.
func (c *call) holdLeg(leg media.Leg, announce bool) {
	cfg := c.g.media
	h := media.Hold{Music: cfg.HoldMusic, Period: cfg.AnnouncePeriod}
	if announce {
		h.Announce = func() []*media.Clip {
			clips, err := cfg.Prompts.Clips(c.announcement())
			if err != nil {
				c.g.log.warn("sip: announcement", "call", c.id, "error", err)
			}
			return clips
		}
	}
	c.activity(func(ctx context.Context) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		played := make(chan struct{})
		go func() {
			defer close(played)
			_ = h.Run(ctx, media.NewPlayer(leg))
		}()
		for {
			f, err := leg.ReadFrame(ctx)
			if err != nil {
				break
			}
			if announce && f.Digit != 0 {
				c.post(event{kind: evDigit, digit: f.Digit})
			}
		}
		cancel()
		<-played
	})
}

// announcement names the prompts that tell the caller their place in
// line (among the team's calls not yet ringing a phone; 1 while one
// rings for them) and, with Config.Media.ExpectedWait, the expected wait.
func (c *call) announcement() []string {
	place := 0
	_ = c.g.cfg.Node.View(c.g.cfg.Workspace, func(e *assign.Engine) {
		v, ok := e.Call(c.id)
		if !ok || v.Ended {
			return
		}
		if v.Stage == eventlog.StageRinging {
			place = 1
			return
		}
		if i := slices.Index(e.Waiting(v.Team), c.id); i >= 0 {
			place = i + 1
		}
	})
	wait := media.UnknownWait
	if f := c.g.media.ExpectedWait; f != nil && place > 0 {
		wait = f(c.team, place)
	}
	names := media.Announcement(place, wait)
	if c.g.media.VoicemailDir != "" && c.g.media.Trunk != "" {
		names = append(names, media.PromptOptions) // "press 1 ..., press 2 ..."
	}
	return names
}

// queued reports whether the engine holds the call in a queue (waiting or
// ringing a phone): the only calls the gateway answers at once.
func (c *call) queued() bool {
	ok := false
	_ = c.g.cfg.Node.View(c.g.cfg.Workspace, func(e *assign.Engine) {
		v, found := e.Call(c.id)
		switch {
		case !found || v.Ended:
		case v.Stage == eventlog.StageQueued, v.Stage == eventlog.StageRinging:
			ok = true
		case v.Stage == eventlog.StageTalking, v.Stage == eventlog.StageOnHold:
			// Answered in another client (the inbox page) or by the host
			// between the arrival and this look: the caller is answered all
			// the same, for the client to take the audio.
			ok = true
		}
	})
	return ok
}

// bridge relays audio between the caller and the answered phone l.
func (c *call) bridge(l *leg) {
	caller, phone := c.m.caller, l.rtp
	c.activity(func(ctx context.Context) {
		_ = media.Bridge(ctx, caller, phone)
	})
}

// phoneAnswered sets the answered phone's leg from its SDP answer; false
// (after logging) when the answer is unusable.
func (l *leg) phoneAnswered() bool {
	p, err := media.ParseSDP(l.answer)
	if err == nil {
		err = l.rtp.SetCodec(p.Codec)
	}
	if err != nil {
		l.c.g.log.info("sip: a phone answered with unusable SDP", "call", l.c.id, "teammate", l.teammate, "error", err)
		return false
	}
	l.rtp.SetRemote(p.Addr)
	return true
}

// onDigit acts on a key the waiting caller pressed: 1 voicemail, 2 a
// callback (when configured).
func (c *call) onDigit(d byte) {
	if c.answered || c.m.voicemail || c.m.callback {
		return
	}
	switch {
	case d == '1' && c.g.media.VoicemailDir != "":
		if err := c.g.do(assign.Command{Op: assign.OpVoicemail, Call: c.id}); err != nil {
			c.g.log.info("sip: voicemail refused", "call", c.id, "error", err)
			return
		}
		c.dropLegs()
		c.voicemail()
	case d == '2' && c.g.media.Trunk != "" && c.callerUser != "":
		if err := c.g.do(assign.Command{Op: assign.OpQueueCallback, Call: c.id}); err != nil {
			c.g.log.info("sip: callback refused", "call", c.id, "error", err)
			return
		}
		c.m.callback = true
		prompts := c.g.media.Prompts
		leg := c.m.caller
		c.activity(func(ctx context.Context) {
			clips, _ := prompts.Clips([]string{media.PromptCallbackConfirm})
			_ = media.NewPlayer(leg).Play(ctx, clips...)
			c.post(event{kind: evCallbackConfirmed})
		})
	}
}

// voicemail records the caller's message (the engine's call is in
// voicemail already): the instructions and a tone, then the recording,
// until # or VoicemailMax, then a goodbye. The caller's hang-up ends the
// recording normally.
func (c *call) voicemail() {
	c.m.voicemail = true
	cfg, leg, id := c.g.media, c.m.caller, c.id
	c.activity(func(ctx context.Context) {
		rec, err := recordVoicemail(ctx, cfg, leg, id)
		c.post(event{kind: evVoicemailDone, rec: rec, err: err})
	})
}

func recordVoicemail(ctx context.Context, cfg *MediaConfig, leg media.Leg, id pb.CallID) (media.Recording, error) {
	p := media.NewPlayer(leg)
	clips, _ := cfg.Prompts.Clips([]string{media.PromptLeaveMessage, media.PromptTone})
	if err := p.Play(ctx, clips...); err != nil {
		return media.Recording{}, err
	}
	path := VoicemailPath(cfg.VoicemailDir, id)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return media.Recording{}, err
	}
	rctx, cancel := context.WithTimeout(ctx, cfg.VoicemailMax+10*time.Second)
	rec, err := media.Record(rctx, leg, f, cfg.VoicemailMax, "#")
	cancel()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil || rec.Duration == 0 {
		os.Remove(path)
		return rec, err
	}
	bye, _ := cfg.Prompts.Clips([]string{media.PromptMessageSaved})
	_ = p.Play(ctx, bye...)
	return rec, nil
}

// VoicemailPath is where a call's voicemail is recorded in dir:
// <dir>/<call>.wav. Call IDs of the gateway are safe file names.
func VoicemailPath(dir string, call pb.CallID) string {
	return filepath.Join(dir, string(call)+".wav")
}

// voicemailDone takes a finished recording to the engine and ends the
// call.
func (c *call) voicemailDone(rec media.Recording, err error) {
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, media.ErrClosed) {
		c.g.log.warn("sip: recording voicemail failed", "call", c.id, "error", err)
	}
	if err == nil && rec.Duration > 0 {
		if err := c.g.do(assign.Command{Op: assign.OpRecordVoicemail, Call: c.id}); err != nil {
			c.g.log.warn("sip: recording voicemail in the engine failed", "call", c.id, "error", err)
		}
	}
	by := eventlog.BySystem
	if !c.callerUp {
		by = eventlog.ByCustomer
	}
	c.end(by)
}

// deflectToVoicemail answers a deflected caller (if not answered yet) and
// records their voicemail.
func (c *call) deflectToVoicemail() {
	if err := c.g.do(assign.Command{Op: assign.OpVoicemail, Call: c.id}); err != nil {
		c.g.log.warn("sip: voicemail failed", "call", c.id, "error", err)
	}
	if err := c.openCallerLeg(); err != nil {
		c.g.log.info("sip: answering a deflected caller failed", "call", c.id, "error", err)
		if !c.final {
			c.reject(500, "Server Internal Error")
		}
		c.end(eventlog.BySystem)
		return
	}
	c.voicemail()
}

// teammateHold maps the answered phone's hold (a re-INVITE sendonly or
// inactive) and resume (sendrecv) to the engine and to the caller's
// audio: hold music while held, the bridge again on resume.
func (c *call) teammateHold(l *leg, on bool) {
	if l != c.bridged || on == c.m.held {
		return
	}
	op := assign.OpResume
	if on {
		op = assign.OpHold
	}
	if err := c.g.do(assign.Command{Op: op, Call: c.id}); err != nil {
		c.g.log.info("sip: hold or resume refused", "call", c.id, "hold", on, "error", err)
	}
	c.m.held = on
	if on {
		c.hold(false)
	} else {
		c.bridge(l)
	}
}

// reinvite answers a re-INVITE in a dialog of the gateway's. A phone's
// re-INVITE on an answered call is its hold (sendonly or inactive) or
// resume (sendrecv): answered 200 with the mirrored direction, and
// taken to the call. A caller's re-INVITE, or one without a usable
// offer, gets 488 (the gateway keeps the media it negotiated).
func (g *Gateway) reinvite(req *siplib.Request, tx siplib.ServerTransaction) {
	ref, ok := g.dialog(req)
	if !ok {
		g.respond(req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	l := ref.leg
	if l == nil || l.rtp == nil {
		g.respond(req, tx, 488, "Not Acceptable Here")
		return
	}
	g.mu.Lock()
	dialogID := l.dialogID
	g.mu.Unlock()
	if id, err := siplib.DialogIDFromRequestUAC(req); err != nil || id != dialogID {
		g.respond(req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	p, err := media.ParseSDP(req.Body())
	if err != nil {
		g.respond(req, tx, 488, "Not Acceptable Here")
		return
	}
	if p.Codec != l.rtp.Codec() {
		g.respond(req, tx, 488, "Not Acceptable Here: codec change")
		return
	}
	body, err := l.rtp.answerSDP(p)
	if err != nil {
		g.respond(req, tx, 500, "Server Internal Error")
		return
	}
	if p.Direction != media.Inactive {
		l.rtp.SetRemote(p.Addr)
	}
	res := siplib.NewResponseFromRequest(req, 200, "OK", body)
	res.AppendHeader(siplib.NewHeader("Content-Type", "application/sdp"))
	_, port, _ := net.SplitHostPort(g.adv)
	portN, _ := strconv.Atoi(port)
	res.AppendHeader(&siplib.ContactHeader{Address: siplib.Uri{Scheme: "sip", Host: g.advH, Port: portN}})
	if err := tx.Respond(res); err != nil {
		g.log.debug("sip: answering a re-INVITE failed", "error", err)
		return
	}
	l.c.post(event{kind: evTeammateHold, leg: l, on: p.Direction != media.SendRecv})
}
