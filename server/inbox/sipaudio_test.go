package inbox_test

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/server/core"
	"github.com/phonebalance/phonebalance/server/inbox"
	"github.com/phonebalance/phonebalance/server/internal/testtool"
	"github.com/phonebalance/phonebalance/server/media"
	"github.com/phonebalance/phonebalance/server/sip"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// rtpCaller is the SIPp caller's audio: it sends a constant PCMU frame
// every 20 ms to wherever the gateway's packets come from, and counts
// the packets it receives.
type rtpCaller struct {
	conn  *net.UDPConn
	heard atomic.Int64
	mu    sync.Mutex
	gw    netip.AddrPort
}

func (c *rtpCaller) run(ctx context.Context) {
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := c.conn.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			var pkt rtp.Packet
			if pkt.Unmarshal(buf[:n]) == nil {
				c.mu.Lock()
				c.gw = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
				c.mu.Unlock()
				c.heard.Add(1)
			}
		}
	}()
	tick := time.NewTicker(media.FrameDuration)
	defer tick.Stop()
	frame := bytes.Repeat([]byte{0x42}, media.FrameSamples)
	for i := uint16(0); ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		c.mu.Lock()
		gw := c.gw
		c.mu.Unlock()
		if !gw.IsValid() {
			continue
		}
		pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: i,
			Timestamp: uint32(i) * uint32(media.FrameSamples), SSRC: 0xca11}, Payload: frame}
		if b, err := pkt.Marshal(); err == nil {
			_, _ = c.conn.WriteToUDPAddrPort(b, gw)
		}
	}
}

// The whole path of a call's audio: a SIPp caller calls the support team
// through the SIP gateway (with media), which answers it with hold music.
// Ana has no SIP phone; her phone client is her inbox tab, so the
// gateway leaves her ring to the page (sip.Config.OtherClient is
// inbox.Server.ClientOpen) instead of declining it. She answers in
// Chromium (fake microphone); the page's WebRTC leg is bridged to the
// caller's leg handed over by the gateway (inbox.Config.CallAudio is
// sip.Gateway.CallerAudio): RTP flows both ways (the page's stats, the
// caller's count), again after a reload. Hanging up in the page ends the call and the gateway
// hangs up the caller (SIPp's scenario ends with the gateway's BYE).
func TestBrowserAudioSIPCaller(t *testing.T) {
	sippBin := testtool.Require(t, testtool.SIPp)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var gw atomic.Pointer[sip.Gateway]
	e := newEnvTelephony(t, nil, inbox.Config{
		CallAudio: func(ctx context.Context, call pb.CallID) (media.Leg, error) { return gw.Load().CallerAudio(ctx, call) },
		PeerConnection: func() (*webrtc.PeerConnection, error) {
			return inbox.NewPeerConnection(loopbackOnly)
		},
	}, nil)
	g, err := sip.New(sip.Config{
		Listen: "127.0.0.1:0", Domain: "pb.test", Users: map[pb.TeammateID]string{"zoe": "pw-zoe"},
		Media: &sip.MediaConfig{}, OtherClient: e.ib.ClientOpen,
		Node: e.rt.Node(), Workspace: core.DefaultWorkspace, Logger: quiet(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Close() })
	gw.Store(g)
	e.rt.SetTelephony(g)

	ana := newBrowser(t, ctx, 1)[0]
	if err := chromedp.Do(ana, signInPage(e.url, "ana")...); err != nil {
		t.Fatal(err)
	}
	e.waitUntil("ana's client is open", func() bool { return e.teammate("ana").Eligible })
	e.do(assign.Command{Op: assign.OpSetClient, Teammate: "ben", Open: false}) // only ana can ring

	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	caller := &rtpCaller{conn: conn}
	talk, stop := context.WithCancel(ctx)
	defer stop()
	go caller.run(talk)
	scenario, err := filepath.Abs(filepath.Join("..", "sip", "testdata", "media_caller.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, sippBin, g.Addr().String(), "-i", "127.0.0.1", "-nostdin",
		"-timeout", "60s", "-timeout_error", "-sf", scenario, "-s", "support", "-key", "domain", "pb.test",
		"-key", "rtpport", strconv.Itoa(conn.LocalAddr().(*net.UDPAddr).Port), "-m", "1")
	cmd.Dir, cmd.Stdout, cmd.Stderr = t.TempDir(), &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sippDone := make(chan error, 1)
	go func() { sippDone <- cmd.Wait() }()

	watch := `setInterval(async () => { if (!window.__pc) return; const c = {rx: 0, tx: 0};` +
		` for (const r of (await window.__pc.getStats()).values()) {` +
		` if (r.type === 'inbound-rtp' && r.kind === 'audio') c.rx = r.packetsReceived;` +
		` if (r.type === 'outbound-rtp' && r.kind === 'audio') c.tx = r.packetsSent; } window.__rtp = c; }, 200)`
	if err := chromedp.Do(ana,
		poll("the SIP call ringing in the page", `!document.getElementById('ringing').hidden`),
	); err != nil {
		t.Fatalf("%v\nSIPp: %s", err, out.String())
	}
	e.waitUntil("the caller hears hold music", func() bool { return caller.heard.Load() > 10 })
	if err := chromedp.Do(ana,
		chromedp.Click(chromedp.CSS("#answer")),
		poll("the audio connected", `document.getElementById('call-audio').textContent === 'audio connected'`),
		chromedp.Evaluate[chromedp.Void](watch),
		poll("RTP both ways in the page's stats", `!!window.__rtp && window.__rtp.rx > 25 && window.__rtp.tx > 25`),
	); err != nil {
		t.Fatal(err)
	}
	before := caller.heard.Load()
	e.waitUntil("the caller hears the page", func() bool { return caller.heard.Load() > before+25 })

	// A reload during the call: the new page's hand-over replaces the old
	// one, and the audio flows both ways again.
	before = caller.heard.Load()
	if err := chromedp.Do(ana,
		chromedp.Reload(),
		poll("the audio rejoined", `document.getElementById('call-audio').textContent === 'audio connected'`),
		chromedp.Evaluate[chromedp.Void](watch),
		poll("RTP both ways after the reload", `!!window.__rtp && window.__rtp.rx > 25 && window.__rtp.tx > 25`),
	); err != nil {
		t.Fatal(err)
	}
	e.waitUntil("the caller hears the reloaded page", func() bool { return caller.heard.Load() > before+25 })

	if err := chromedp.Do(ana, chromedp.Click(chromedp.CSS("#hangup"))); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-sippDone:
		if err != nil {
			t.Fatalf("SIPp caller: %v\n%s", err, out.String())
		}
	case <-ctx.Done():
		t.Fatalf("the gateway never hung up the caller\n%s", out.String())
	}
}
