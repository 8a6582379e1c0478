package media

import (
	"bytes"
	"context"
	"errors"
	"net"
	"testing"

	"github.com/pion/ice/v4"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// loopbackPeer makes a PeerConnection that gathers only loopback UDP candidates, with
// G.711 registered (the browser side registers its defaults too, opus first, as Chromium does).
func loopbackPeer(t *testing.T, browser bool) *webrtc.PeerConnection {
	t.Helper()
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	var me webrtc.MediaEngine
	var err error
	if browser {
		err = me.RegisterDefaultCodecs()
	} else {
		err = RegisterG711(&me)
	}
	if err != nil {
		t.Fatal(err)
	}
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(&me), webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	return pc
}

// negotiate runs a non-trickle offer/answer from offerer to answerer.
func negotiate(t *testing.T, offerer, answerer *webrtc.PeerConnection) {
	t.Helper()
	offer, err := offerer.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(offerer)
	if err := offerer.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	if err := answerer.SetRemoteDescription(*offerer.LocalDescription()); err != nil {
		t.Fatal(err)
	}
	answer, err := answerer.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered = webrtc.GatheringCompletePromise(answerer)
	if err := answerer.SetLocalDescription(answer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	if err := offerer.SetRemoteDescription(*answerer.LocalDescription()); err != nil {
		t.Fatal(err)
	}
}

// TestBridgeSIPToWebRTC: a SIP caller (UDP, µ-law) bridged to a browser (pion playing
// Chromium, which offers opus first): the gateway's WebRTCLeg negotiates PCMU, and the
// caller's bytes reach the browser unchanged (no transcoding) and the browser's reach the
// caller, each way in order; a bridge stopped for hold leaves both legs usable.
func TestBridgeSIPToWebRTC(t *testing.T) {
	caller, gwSIP := listen(t, PCMU), listen(t, PCMU)
	caller.SetRemote(gwSIP.LocalAddr())
	gwSIP.SetRemote(caller.LocalAddr())

	browser := loopbackPeer(t, true)
	mic, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000, Channels: 1}, "mic", "browser")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := browser.AddTrack(mic); err != nil {
		t.Fatal(err)
	}
	heard := make(chan *webrtc.TrackRemote, 1)
	browser.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { heard <- tr })

	gwWeb, err := NewWebRTCLeg(loopbackPeer(t, false), PCMU)
	if err != nil {
		t.Fatal(err)
	}
	defer gwWeb.Close()
	connected := make(chan string, 2)
	for name, pc := range map[string]*webrtc.PeerConnection{"browser": browser, "gateway": gwWeb.pc} {
		pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
			if s == webrtc.PeerConnectionStateConnected {
				connected <- name
			}
		})
	}
	negotiate(t, browser, gwWeb.pc)
	ctx := timeoutCtx(t)
	for range 2 {
		select {
		case <-connected:
		case <-ctx.Done():
			t.Fatal("the peers never connected")
		}
	}

	bridgeCtx, unbridge := context.WithCancel(context.Background())
	bridged := make(chan error, 1)
	go func() { bridged <- Bridge(bridgeCtx, gwSIP, gwWeb) }()

	// Browser → caller. The first packets open the gateway's remote track.
	const n = 30
	for i := range n {
		if err := mic.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: uint16(i), Timestamp: uint32(i * 160)}, Payload: pattern(i)}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		f, err := caller.ReadFrame(ctx)
		if err != nil {
			t.Fatalf("frame %d at the caller: %v", i, err)
		}
		if !bytes.Equal(f.Audio, pattern(i)) {
			t.Fatalf("frame %d at the caller: %x…", i, f.Audio[:2])
		}
	}
	// The teammate puts the caller on hold: the bridge stops, both legs stay up, and a new
	// bridge carries the audio on resume.
	unbridge()
	if err := <-bridged; !errors.Is(err, context.Canceled) {
		t.Fatalf("Bridge after unbridge: %v", err)
	}
	go func() { bridged <- Bridge(context.Background(), gwSIP, gwWeb) }()

	// Caller → browser.
	for i := range n {
		if err := caller.WriteFrame(pattern(100 + i)); err != nil {
			t.Fatal(err)
		}
	}
	var track *webrtc.TrackRemote
	select {
	case track = <-heard:
	case <-ctx.Done():
		t.Fatal("the browser got no track")
	}
	if track.Codec().MimeType != webrtc.MimeTypePCMU {
		t.Fatalf("negotiated %s, want PCMU", track.Codec().MimeType)
	}
	var prev *rtp.Packet
	for i := range n {
		p, _, err := track.ReadRTP()
		if err != nil {
			t.Fatal(err)
		}
		if p.PayloadType != 0 || !bytes.Equal(p.Payload, pattern(100+i)) {
			t.Fatalf("packet %d at the browser: PT %d %x…", i, p.PayloadType, p.Payload[:2])
		}
		if prev != nil && (p.SequenceNumber != prev.SequenceNumber+1 || p.Timestamp != prev.Timestamp+uint32(FrameSamples)) {
			t.Fatalf("packet %d: seq %d ts %d after seq %d ts %d", i, p.SequenceNumber, p.Timestamp, prev.SequenceNumber, prev.Timestamp)
		}
		prev = p
	}
	// The teammate closes the tab: the browser's connection ends and so does the bridge.
	_ = gwWeb.Close()
	if err := <-bridged; !errors.Is(err, ErrClosed) {
		t.Fatalf("Bridge: %v", err)
	}
}
