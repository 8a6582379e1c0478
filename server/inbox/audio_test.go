package inbox_test

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/server/inbox"
	"github.com/phonebalance/phonebalance/server/media"
	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
)

// loopbackOnly keeps the server's WebRTC candidates on 127.0.0.1.
func loopbackOnly(se *webrtc.SettingEngine) {
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
}

// Real audio in the page: ana answers in Chromium (fake microphone), the
// page negotiates a WebRTC connection with the server over its live
// connection, and the server bridges it (media.WebRTCLeg, G.711) to the
// caller's UDP leg. RTP flows both ways: the page's RTCPeerConnection
// stats count packets received and sent, and the caller receives frames
// from the page's microphone.
func TestBrowserAudio(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	caller, err := media.ListenUDP(media.UDPConfig{Local: "127.0.0.1:0", Codec: media.PCMU})
	if err != nil {
		t.Fatal(err)
	}
	defer caller.Close()
	gateway, err := media.ListenUDP(media.UDPConfig{Local: "127.0.0.1:0", Codec: media.PCMU})
	if err != nil {
		t.Fatal(err)
	}
	defer gateway.Close()
	caller.SetRemote(gateway.LocalAddr())
	gateway.SetRemote(caller.LocalAddr())

	e := newEnv(t, nil, inbox.Config{
		CallAudio: func(_ context.Context, call pb.CallID) (media.Leg, error) { return keepOpen{gateway}, nil },
		PeerConnection: func() (*webrtc.PeerConnection, error) {
			return inbox.NewPeerConnection(loopbackOnly)
		},
	})
	// The caller talks (a 20 ms frame at a time, as a phone paces it) and
	// counts what it hears, until the test ends.
	var heard atomic.Int64
	talk, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		frame := make([]byte, media.FrameSamples)
		for i := 0; ; i++ {
			for j := range frame {
				frame[j] = byte(i + j)
			}
			_ = caller.WriteFrame(frame)
			select {
			case <-talk.Done():
				return
			case <-tick.C:
			}
		}
	}()
	go func() {
		for {
			f, err := caller.ReadFrame(talk)
			if err != nil {
				return
			}
			if f.Audio != nil {
				heard.Add(1)
			}
		}
	}()

	ana := newBrowser(t, ctx, 1)[0]
	if err := chromedp.Do(ana, signInPage(e.url, "ana")...); err != nil {
		t.Fatal(err)
	}
	e.waitUntil("ana's client is open", func() bool { return e.teammate("ana").Eligible })
	if st, body := e.host("POST", "/v1/workspaces/default/calls", `{"id":"c1","team":"support"}`); st >= 300 {
		t.Fatalf("%d %s", st, body)
	}
	// The page's own stats, read every 200 ms into window.__rtp.
	watch := `setInterval(async () => { if (!window.__pc) return; const c = {rx: 0, tx: 0};` +
		` for (const r of (await window.__pc.getStats()).values()) {` +
		` if (r.type === 'inbound-rtp' && r.kind === 'audio') c.rx = r.packetsReceived;` +
		` if (r.type === 'outbound-rtp' && r.kind === 'audio') c.tx = r.packetsSent; } window.__rtp = c; }, 200)`
	if err := chromedp.Do(ana,
		poll("c1 ringing", `!document.getElementById('ringing').hidden`),
		chromedp.Click(chromedp.CSS("#answer")),
		poll("the audio connected", `document.getElementById('call-audio').textContent === 'audio connected'`),
		chromedp.Evaluate[chromedp.Void](watch),
		poll("RTP both ways in the page's stats", `!!window.__rtp && window.__rtp.rx > 25 && window.__rtp.tx > 25`),
	); err != nil {
		t.Fatal(err)
	}
	e.waitUntil("the caller hears the page", func() bool { return heard.Load() > 25 })
	rtp, err := chromedp.Run(ana, chromedp.Evaluate[map[string]float64](`window.__rtp`))
	t.Logf("page: %v packets received, %v sent; caller heard %d frames (%v)", rtp["rx"], rtp["tx"], heard.Load(), err)

	// A reload during the call keeps the call (the new page reconnects
	// within the close grace) and rejoins its audio.
	before := heard.Load()
	if err := chromedp.Do(ana,
		chromedp.Reload(),
		poll("the audio rejoined", `document.getElementById('call-audio').textContent === 'audio connected'`),
		chromedp.Evaluate[chromedp.Void](watch),
		poll("RTP both ways after the reload", `!!window.__rtp && window.__rtp.rx > 25 && window.__rtp.tx > 25`),
	); err != nil {
		t.Fatal(err)
	}
	e.waitUntil("the caller hears the reloaded page", func() bool { return heard.Load() > before+25 })
	var c1 assign.CallView
	_, _ = e.rt.Default().View(func(en *assign.Engine) { c1, _ = en.Call("c1") })
	if c1.Agent != "ana" || c1.Ended || !e.teammate("ana").Presence.ClientOpen {
		t.Errorf("after the reload: call %+v, ana %+v", c1, e.teammate("ana").Presence)
	}
}

// keepOpen is a caller leg lent to the inbox, which closes what it got
// when its bridge ends: the test's leg stays open for the next bridge.
type keepOpen struct{ media.Leg }

func (keepOpen) Close() error { return nil }
