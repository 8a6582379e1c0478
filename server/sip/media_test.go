package sip

import (
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	siplib "github.com/emiago/sipgo/sip"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/server/api"
	"github.com/phonebalance/phonebalance/server/media"
	"github.com/pion/rtp"
)

// rtpPeer is the audio of a SIPp caller, phone or customer, played by the
// test on a loopback UDP socket that the SIPp scenario names in its SDP
// (-key rtpport N): SIPp carries the signalling, the test the RTP.
type rtpPeer struct {
	t    *testing.T
	conn *net.UDPConn

	mu   sync.Mutex
	seq  uint16
	ts   uint32
	ssrc uint32
}

func newRTPPeer(t *testing.T) *rtpPeer {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &rtpPeer{t: t, conn: conn, ssrc: 0x5eed}
}

func (p *rtpPeer) port() string { return strconv.Itoa(p.conn.LocalAddr().(*net.UDPAddr).Port) }

// recv returns the next RTP packet and its source; it fails the test after
// waitLimit.
func (p *rtpPeer) recv() (rtp.Packet, netip.AddrPort) {
	p.t.Helper()
	buf := make([]byte, 1500)
	_ = p.conn.SetReadDeadline(time.Now().Add(waitLimit))
	for {
		n, from, err := p.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			p.t.Fatalf("no RTP received: %v", err)
		}
		var pkt rtp.Packet
		if pkt.Unmarshal(buf[:n]) == nil {
			return pkt, netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
		}
	}
}

// recvUntil reads packets until ok accepts one's payload, and returns the
// source of that packet; it fails the test after waitLimit.
func (p *rtpPeer) recvUntil(what string, ok func([]byte) bool) netip.AddrPort {
	p.t.Helper()
	deadline := time.Now().Add(waitLimit)
	for time.Now().Before(deadline) {
		pkt, from := p.recv()
		if ok(pkt.Payload) {
			return from
		}
	}
	p.t.Fatalf("never received %s", what)
	return netip.AddrPort{}
}

func (p *rtpPeer) send(to netip.AddrPort, pt uint8, ts uint32, marker bool, payload []byte) {
	p.mu.Lock()
	p.seq++
	pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: p.seq, Timestamp: ts,
		SSRC: p.ssrc, Marker: marker}, Payload: payload}
	p.mu.Unlock()
	b, err := pkt.Marshal()
	if err == nil {
		_, err = p.conn.WriteToUDPAddrPort(b, to)
	}
	if err != nil {
		p.t.Errorf("send RTP: %v", err)
	}
}

// audio sends one 20 ms PCMU frame.
func (p *rtpPeer) audio(to netip.AddrPort, frame []byte) {
	p.mu.Lock()
	p.ts += uint32(media.FrameSamples)
	ts := p.ts
	p.mu.Unlock()
	p.send(to, 0, ts, false, frame)
}

// key presses key as RFC 4733 telephone-event 101: three packets of one
// event, the last with the end bit.
func (p *rtpPeer) key(to netip.AddrPort, key byte) {
	event := byte(bytes.IndexByte([]byte("0123456789*#"), key))
	p.mu.Lock()
	p.ts += uint32(media.FrameSamples)
	ts := p.ts
	p.mu.Unlock()
	for i, flags := range []byte{0x0a, 0x0a, 0x8a} {
		p.send(to, 101, ts, i == 0, []byte{event, flags, 0, byte(160 * (i + 1))})
	}
}

// stream sends frame every 20 ms to to until the returned stop is called.
func (p *rtpPeer) stream(to netip.AddrPort, frame []byte) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(media.FrameDuration)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				p.audio(to, frame)
			}
		}
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() { close(done); <-finished })
	}
	p.t.Cleanup(stop)
	return stop
}

// frames returns the PCMU frames the gateway plays for prompts, in order.
func promptFrames(t *testing.T, names []string) [][]byte {
	t.Helper()
	clips, err := media.DefaultPrompts().Clips(names)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, c := range clips {
		enc := media.PCMU.Encode(nil, c.PCM())
		for len(enc)%media.FrameSamples != 0 {
			enc = append(enc, 0xff) // PCMU silence pads the last frame
		}
		for i := 0; i < len(enc); i += media.FrameSamples {
			out = append(out, enc[i:i+media.FrameSamples])
		}
	}
	return out
}

// loud reports whether a PCMU frame holds sound (not silence).
func loud(frame []byte) bool {
	for _, s := range media.PCMU.Decode(nil, frame) {
		if s > 1000 || s < -1000 {
			return true
		}
	}
	return false
}

// constFrame is a recognisable 20 ms PCMU frame.
func constFrame(b byte) []byte { return bytes.Repeat([]byte{b}, media.FrameSamples) }

// expectAnnouncement reads the caller's first packets: the gateway's
// announcement of place and wait, frame for frame, then hold music that
// is not silent. It returns the address the gateway sends from.
func expectAnnouncement(t *testing.T, p *rtpPeer, place int, wait time.Duration, extra ...string) netip.AddrPort {
	t.Helper()
	want := promptFrames(t, append(media.Announcement(place, wait), extra...))
	var from netip.AddrPort
	for i, w := range want {
		pkt, src := p.recv()
		if pkt.PayloadType != 0 {
			t.Fatalf("packet %d: payload type %d, want PCMU", i, pkt.PayloadType)
		}
		if !bytes.Equal(pkt.Payload, w) {
			t.Fatalf("packet %d of the announcement for place %d differs from the prompts' frame", i, place)
		}
		from = src
	}
	music := 0
	for range 50 { // 1 s of hold music
		pkt, _ := p.recv()
		if loud(pkt.Payload) {
			music++
		}
	}
	if music < 25 {
		t.Fatalf("%d of 50 frames of hold music are not silent", music)
	}
	return from
}

func mediaEnv(t *testing.T, users map[pb.TeammateID]string, teammates []pb.TeammateID, mc MediaConfig) *env {
	t.Helper()
	return newEnv(t, envOptions{ringTimeout: 5 * time.Second, team: "support", teammates: teammates, users: users,
		tune: func(c *Config) { c.Media = &mc }})
}

func startMediaCaller(t *testing.T, e *env, name string, audio *rtpPeer) *sipp {
	t.Helper()
	return startSIPp(t, e, name, "-sf", scenario(t, "media_caller.xml"), "-s", "support",
		"-key", "domain", testDomain, "-key", "rtpport", audio.port(), "-m", "1")
}

// waitQueued waits until n calls are placed and the last one is queued,
// and returns their IDs.
func waitQueued(t *testing.T, e *env, n int) []pb.CallID {
	t.Helper()
	evs := e.waitFor("call "+strconv.Itoa(n)+" queued", func(evs []eventlog.Event) bool {
		ids := placed(evs)
		if len(ids) < n {
			return false
		}
		_, ok := first(callEvents(evs, ids[n-1]), eventlog.CallQueued, "")
		return ok
	})
	return placed(evs)
}

// checkBridge checks RTP both ways between two peers through the gateway:
// from's frames reach to unchanged, and to's reach from.
// Each check uses its own frames (seed), so packets of an earlier bridge
// still queued at a socket do not count.
func checkBridge(t *testing.T, a *rtpPeer, aGateway netip.AddrPort, b *rtpPeer, seed byte) {
	t.Helper()
	fromA, fromB := constFrame(seed), constFrame(seed+1)
	stopA := a.stream(aGateway, fromA)
	defer stopA()
	bGateway := b.recvUntil("a's audio at b", func(p []byte) bool { return bytes.Equal(p, fromA) })
	stopB := b.stream(bGateway, fromB)
	defer stopB()
	a.recvUntil("b's audio at a", func(p []byte) bool { return bytes.Equal(p, fromB) })
}

// TestSIPpMediaHoldAndBridge: two SIPp callers are answered at once while
// nobody's phone is registered, each hears the announcement of their
// place in line (1, then 2) and expected wait, then hold music; a SIPp
// phone registers and answers each in turn, and RTP flows both ways
// through the gateway until the phone hangs up.
func TestSIPpMediaHoldAndBridge(t *testing.T) {
	t.Parallel() // real time (announcements, prompts): run beside the others
	users := map[pb.TeammateID]string{"zoe": "pw-zoe"}
	wait := func(_ pb.TeamID, place int) time.Duration { return time.Duration(place) * 4 * time.Minute }
	e := mediaEnv(t, users, []pb.TeammateID{"zoe"}, MediaConfig{AnnouncePeriod: 10 * time.Second, ExpectedWait: wait})

	first, second := newRTPPeer(t), newRTPPeer(t)
	c1 := startMediaCaller(t, e, "caller-1", first)
	waitQueued(t, e, 1)
	c2 := startMediaCaller(t, e, "caller-2", second)
	waitQueued(t, e, 2)
	gw1 := expectAnnouncement(t, first, 1, 4*time.Minute)
	gw2 := expectAnnouncement(t, second, 2, 8*time.Minute)

	phoneAudio := newRTPPeer(t)
	phone := startPhone(t, e, "zoe", users["zoe"], "answer_media.xml", 2, "-d", "1500", "-key", "rtpport", phoneAudio.port())
	checkBridge(t, first, gw1, phoneAudio, 0x11)
	c1.wait(t) // the phone hung up: the gateway hung up the caller
	checkBridge(t, second, gw2, phoneAudio, 0x21)
	c2.wait(t)
	phone.wait(t)

	evs, _ := e.snapshot()
	for _, id := range placed(evs) {
		want := "call_placed\ncall_queued\ncall_offered zoe\ncall_answered zoe\ncall_ended zoe stage=talking by=teammate\n"
		if got := story(e.waitEnded(id)); got != want {
			t.Fatalf("call %s:\n%s\nwant:\n%s", id, got, want)
		}
	}
	waitIdle(t, e)
}

// TestSIPpTeammateHold: the SIPp phone that answered puts the call on
// hold with a re-INVITE (sendonly): the engine records the hold and the
// caller hears hold music; its resume (sendrecv) is recorded and the
// audio is bridged again.
func TestSIPpTeammateHold(t *testing.T) {
	t.Parallel() // real time (announcements, prompts): run beside the others
	users := map[pb.TeammateID]string{"zoe": "pw-zoe"}
	e := mediaEnv(t, users, []pb.TeammateID{"zoe"}, MediaConfig{AnnouncePeriod: 10 * time.Second})
	callerAudio, phoneAudio := newRTPPeer(t), newRTPPeer(t)
	caller := startMediaCaller(t, e, "caller", callerAudio)
	ids := waitQueued(t, e, 1)
	gw := expectAnnouncement(t, callerAudio, 1, media.UnknownWait)
	phone := startPhone(t, e, "zoe", users["zoe"], "answer_hold.xml", 1, "-d", "1500", "-key", "rtpport", phoneAudio.port())
	checkBridge(t, callerAudio, gw, phoneAudio, 0x61)
	e.waitEvent("the hold", func(ev eventlog.Event) bool { return ev.Kind == eventlog.CallOnHold })
	callerAudio.recvUntil("hold music during the teammate's hold", loud)
	e.waitEvent("the resume", func(ev eventlog.Event) bool { return ev.Kind == eventlog.CallResumed })
	checkBridge(t, callerAudio, gw, phoneAudio, 0x71)
	caller.wait(t)
	phone.wait(t)
	// Rule: LC1, MT2
	want := "call_placed\ncall_queued\ncall_offered zoe\ncall_answered zoe\ncall_on_hold zoe\ncall_resumed zoe\ncall_ended zoe stage=talking by=teammate\n"
	if got := story(e.waitEnded(ids[0])); got != want {
		t.Fatalf("timeline:\n%s\nwant:\n%s", got, want)
	}
	waitIdle(t, e)
}

// TestSIPpVoicemail: a waiting SIPp caller presses 1, hears the
// instructions and the tone, speaks for a second and presses #; the
// message is in the voicemail directory and the engine recorded it
// (rule MT6 counts it).
func TestSIPpVoicemail(t *testing.T) {
	t.Parallel() // real time (announcements, prompts): run beside the others
	dir := t.TempDir()
	users := map[pb.TeammateID]string{"zoe": "pw-zoe"}
	e := newEnv(t, envOptions{ringTimeout: 5 * time.Second, team: "support", teammates: []pb.TeammateID{"zoe"}, users: users,
		tune: func(c *Config) { c.Media = &MediaConfig{VoicemailDir: dir, AnnouncePeriod: 10 * time.Second} }})

	audio := newRTPPeer(t)
	caller := startMediaCaller(t, e, "caller-vm", audio)
	ids := waitQueued(t, e, 1)
	gw := expectAnnouncement(t, audio, 1, media.UnknownWait)
	audio.key(gw, '1')
	leaveMessage(t, audio, gw)
	caller.wait(t)
	checkVoicemail(t, e, dir, ids[0], "call_placed\ncall_queued\nvoicemail_started\nvoicemail_recorded\ncall_ended stage=voicemail by=system\n")
}

// TestSIPpVoicemailDeflected: a SIPp caller the engine deflects as it
// arrives (nobody online) is answered for voicemail only: the first thing
// they hear is the instructions, never a place in line; the message is
// recorded and the engine records it.
func TestSIPpVoicemailDeflected(t *testing.T) {
	t.Parallel() // real time (announcements, prompts): run beside the others
	dir := t.TempDir()
	e := newEnv(t, envOptions{ringTimeout: 5 * time.Second, team: "support", users: map[pb.TeammateID]string{"zoe": "pw-zoe"},
		teamConfig: assign.TeamConfig{DeflectWhenNobodyOnline: true},
		tune:       func(c *Config) { c.Media = &MediaConfig{VoicemailDir: dir} }})
	audio := newRTPPeer(t)
	caller := startMediaCaller(t, e, "caller-deflected", audio)
	pkt, gw := audio.recv()
	if want := promptFrames(t, []string{media.PromptLeaveMessage})[0]; !bytes.Equal(pkt.Payload, want) {
		t.Fatal("the deflected caller's first frame is not the voicemail instructions")
	}
	leaveMessage(t, audio, gw)
	caller.wait(t)
	evs, _ := e.snapshot()
	// Rule: DF2, LC5, MT6
	checkVoicemail(t, e, dir, placed(evs)[0], "call_placed\ncall_deflected no_teammates\nvoicemail_started\nvoicemail_recorded\ncall_ended stage=voicemail by=system\n")
}

// With media but no voicemail, a caller the engine deflects as it arrives
// is refused as without media (480 with the reason): the gateway answers
// only calls that are queued.
func TestMediaDeflectedNotAnswered(t *testing.T) {
	e := newEnv(t, envOptions{mock: true, team: "support", users: map[pb.TeammateID]string{"ana": "pw"},
		teamConfig: assign.TeamConfig{DeflectWhenNobodyOnline: true},
		tune:       func(c *Config) { c.Media = &MediaConfig{} }})
	caller := newUA(t, e, "customer")
	caller.invite("support", "call-deflected")
	res := caller.finalResponse(siplib.INVITE)
	caller.send(ackFor(caller, res))
	if res.StatusCode != 480 {
		t.Fatalf("deflected caller got %d %s, want 480", res.StatusCode, res.Reason)
	}
	waitIdle(t, e)
}

// leaveMessage waits for the voicemail instructions and tone, speaks for
// a second and presses #.
func leaveMessage(t *testing.T, audio *rtpPeer, gw netip.AddrPort) {
	t.Helper()
	tone := promptFrames(t, []string{media.PromptTone})
	audio.recvUntil("the voicemail tone's last frame", func(p []byte) bool { return bytes.Equal(p, tone[len(tone)-1]) })
	speech := media.PCMU.Encode(nil, slices.Repeat([]int16{8000, -8000}, media.FrameSamples/2))
	for range 50 {
		audio.audio(gw, speech)
	}
	audio.key(gw, '#')
	saved := promptFrames(t, []string{media.PromptMessageSaved})
	audio.recvUntil("the message-saved prompt", func(p []byte) bool { return bytes.Equal(p, saved[0]) })
}

func checkVoicemail(t *testing.T, e *env, dir string, id pb.CallID, want string) {
	t.Helper()
	if got := story(e.waitEnded(id)); got != want {
		t.Fatalf("voicemail call:\n%s\nwant:\n%s", got, want)
	}
	clip, err := media.LoadWAV(VoicemailPath(dir, id))
	if err != nil {
		t.Fatal(err)
	}
	if d := clip.Duration(); d < 500*time.Millisecond || d > 2*time.Second {
		t.Errorf("message of %v, want about the 1 s spoken", d)
	}
	if !slices.ContainsFunc(clip.PCM(), func(s int16) bool { return s > 4000 }) {
		t.Error("the recorded message is silent")
	}
	// The API lists it (the handler the server mounts on
	// /v1/workspaces/{ws}/voicemails).
	rec := httptest.NewRecorder()
	api.Voicemails{Dir: dir}.List(rec, httptest.NewRequest("GET", "/voicemails", nil))
	var list struct{ Voicemails []api.Voicemail }
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || len(list.Voicemails) != 1 ||
		list.Voicemails[0].Call != id || list.Voicemails[0].DurationMS < 500 {
		t.Errorf("voicemail listing: %s", rec.Body)
	}
	waitIdle(t, e)
}

// errNotQueued marks a call the test expected in the queue.
var errNotQueued = errors.New("not queued")

// queuePlace returns the call's place among the team's waiting calls.
func queuePlace(e *env, id pb.CallID) (int, error) {
	place := 0
	err := e.node.View(e.ws, func(eng *assign.Engine) {
		place = slices.Index(eng.Waiting("support"), id) + 1
	})
	if err == nil && place == 0 {
		err = errNotQueued
	}
	return place, err
}

// TestSIPpCallback: a waiting SIPp caller presses 2, hears the
// confirmation and is hung up; the call keeps its place (a caller
// arriving later is told they are number 2). When the SIPp phone
// registers and answers the first call, the gateway dials the customer
// back through the trunk (a SIPp UAS) and bridges them, RTP both ways.
func TestSIPpCallback(t *testing.T) {
	t.Parallel() // real time (announcements, prompts): run beside the others
	trunkPort := freeUDPPort(t)
	users := map[pb.TeammateID]string{"zoe": "pw-zoe"}
	// With voicemail and callbacks both on, each announcement ends with
	// "press 1 to leave a voicemail, press 2 to be called back".
	e := mediaEnv(t, users, []pb.TeammateID{"zoe"}, MediaConfig{AnnouncePeriod: 10 * time.Second,
		Trunk: "sip:127.0.0.1:" + trunkPort, VoicemailDir: t.TempDir()})

	first, second := newRTPPeer(t), newRTPPeer(t)
	c1 := startMediaCaller(t, e, "caller-cb", first)
	ids := waitQueued(t, e, 1)
	gw1 := expectAnnouncement(t, first, 1, media.UnknownWait, media.PromptOptions)
	first.key(gw1, '2')
	c1.wait(t) // confirmation played, then BYE from the gateway
	if place, err := queuePlace(e, ids[0]); err != nil || place != 1 {
		t.Fatalf("after the callback request: place %d, %v; want 1", place, err)
	}
	c2 := startMediaCaller(t, e, "caller-2", second)
	waitQueued(t, e, 2)
	gw2 := expectAnnouncement(t, second, 2, media.UnknownWait, media.PromptOptions)

	customer := newRTPPeer(t)
	uas := startSIPp(t, e, "customer", "-sf", scenario(t, "customer.xml"), "-p", trunkPort,
		"-key", "rtpport", customer.port(), "-m", "1")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("customer's SIPp:\n%s", uas.logs())
		}
	})
	phoneAudio := newRTPPeer(t)
	phone := startPhone(t, e, "zoe", users["zoe"], "answer_media.xml", 2, "-d", "1500", "-key", "rtpport", phoneAudio.port())
	// The phone hears hold music while the customer is dialled; the
	// customer's socket learns the gateway's address from the relayed
	// phone audio.
	fromPhone, fromCustomer := constFrame(0x33), constFrame(0x44)
	phoneGW := phoneAudio.recvUntil("hold music at the phone", loud)
	stop := phoneAudio.stream(phoneGW, fromPhone)
	custGW := customer.recvUntil("the phone's audio at the customer", func(p []byte) bool { return bytes.Equal(p, fromPhone) })
	stopC := customer.stream(custGW, fromCustomer)
	phoneAudio.recvUntil("the customer's audio at the phone", func(p []byte) bool { return bytes.Equal(p, fromCustomer) })
	stopC()
	stop()
	uas.wait(t) // the phone hung up, then the gateway hung up the customer
	want := "call_placed\ncall_queued\ncallback_requested keeps_place\ncall_offered zoe\ncall_answered zoe\n" +
		"call_ended zoe stage=talking by=teammate\n"
	if got := story(e.waitEnded(ids[0])); got != want {
		t.Fatalf("callback call:\n%s\nwant:\n%s", got, want)
	}
	checkBridge(t, second, gw2, phoneAudio, 0x51)
	c2.wait(t)
	phone.wait(t)
	// Rule: MT15
	if d := e.dashboard(); d.Callbacks != 1 || d.CallbacksUnreached != 0 || d.Teams["support"].Callbacks != 1 {
		t.Errorf("dashboard: %d callbacks (support %d), %d not reached; want 1, 1, 0",
			d.Callbacks, d.Teams["support"].Callbacks, d.CallbacksUnreached)
	}
	waitIdle(t, e)
}

// TestSIPpCallbackUnreached: a waiting SIPp caller presses 2 and is hung
// up; when the SIPp phone answers, the gateway dials the customer back
// through the trunk, a SIPp UAS that is busy (486). The engine records the
// callback as not reached (the call ends by the system), the phone is hung
// up, and the dashboard counts a callback and a callback not reached.
func TestSIPpCallbackUnreached(t *testing.T) {
	t.Parallel() // real time (announcements, prompts): run beside the others
	trunkPort := freeUDPPort(t)
	users := map[pb.TeammateID]string{"zoe": "pw-zoe"}
	e := mediaEnv(t, users, []pb.TeammateID{"zoe"}, MediaConfig{AnnouncePeriod: 10 * time.Second,
		Trunk: "sip:127.0.0.1:" + trunkPort, VoicemailDir: t.TempDir()})

	caller := newRTPPeer(t)
	c1 := startMediaCaller(t, e, "caller-cb", caller)
	ids := waitQueued(t, e, 1)
	gw := expectAnnouncement(t, caller, 1, media.UnknownWait, media.PromptOptions)
	caller.key(gw, '2')
	c1.wait(t) // confirmation played, then BYE from the gateway
	uas := startSIPp(t, e, "customer", "-sf", scenario(t, "busy.xml"), "-p", trunkPort, "-m", "1")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("customer's SIPp:\n%s", uas.logs())
		}
	})
	phoneAudio := newRTPPeer(t)
	phone := startPhone(t, e, "zoe", users["zoe"], "answer_media_hungup.xml", 1, "-key", "rtpport", phoneAudio.port())
	uas.wait(t)
	// Rule: LC5
	want := "call_placed\ncall_queued\ncallback_requested keeps_place\ncall_offered zoe\ncall_answered zoe\n" +
		"callback_unreached zoe\ncall_ended zoe stage=talking by=system\n"
	if got := story(e.waitEnded(ids[0])); got != want {
		t.Fatalf("callback call:\n%s\nwant:\n%s", got, want)
	}
	phone.wait(t) // hung up by the gateway
	// Rule: MT15
	if d := e.dashboard(); d.Callbacks != 1 || d.CallbacksUnreached != 1 || d.Teams["support"].CallbacksUnreached != 1 {
		t.Errorf("dashboard: %d callbacks, %d not reached (support %d); want 1, 1, 1",
			d.Callbacks, d.CallbacksUnreached, d.Teams["support"].CallbacksUnreached)
	}
	waitIdle(t, e)
}

// freeUDPPort returns a loopback UDP port that was free a moment ago.
func freeUDPPort(t *testing.T) string {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return strconv.Itoa(c.LocalAddr().(*net.UDPAddr).Port)
}

// TestSIPpCallbackDeflected: a waiting SIPp caller presses 2 and is hung
// up; nobody takes the call, and the team's hold timeout deflects it
// (rule DF5). The callback cannot be made: the engine records it as not
// reached, and the dashboard counts it.
func TestSIPpCallbackDeflected(t *testing.T) {
	t.Parallel() // real time (announcements, prompts): run beside the others
	mc := MediaConfig{AnnouncePeriod: 10 * time.Second, Trunk: "sip:127.0.0.1:" + freeUDPPort(t), VoicemailDir: t.TempDir()}
	e := newEnv(t, envOptions{ringTimeout: 5 * time.Second, team: "support", teammates: []pb.TeammateID{"zoe"},
		users:      map[pb.TeammateID]string{"zoe": "pw-zoe"},
		teamConfig: assign.TeamConfig{MaxWait: 12 * time.Second}, tune: func(c *Config) { c.Media = &mc }})
	caller := newRTPPeer(t)
	c1 := startMediaCaller(t, e, "caller-cb", caller)
	ids := waitQueued(t, e, 1)
	gw := expectAnnouncement(t, caller, 1, media.UnknownWait, media.PromptOptions)
	caller.key(gw, '2')
	c1.wait(t)
	// Rule: LC5, DF5
	want := "call_placed\ncall_queued\ncallback_requested keeps_place\ncall_deflected hold_timeout\n" +
		"callback_unreached\ncall_ended stage=routing by=system\n"
	if got := story(e.waitEnded(ids[0])); got != want {
		t.Fatalf("callback call:\n%s\nwant:\n%s", got, want)
	}
	// Rule: MT15
	if d := e.dashboard(); d.Callbacks != 1 || d.CallbacksUnreached != 1 {
		t.Errorf("dashboard: %d callbacks, %d not reached; want 1, 1", d.Callbacks, d.CallbacksUnreached)
	}
	waitIdle(t, e)
}
