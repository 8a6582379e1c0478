package media

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// testTimeout bounds every blocking read in these tests so a lost packet fails instead of
// hanging; no test waits for it to pass.
const testTimeout = 10 * time.Second

func listen(t *testing.T, codec Codec) *UDPLeg {
	t.Helper()
	l, err := ListenUDP(UDPConfig{Local: "127.0.0.1:0", Codec: codec})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// rawPeer is a plain UDP socket playing a phone, to see RTP headers on the wire.
func rawPeer(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func addrOf(c *net.UDPConn) netip.AddrPort { return c.LocalAddr().(*net.UDPAddr).AddrPort() }

func readRTP(t *testing.T, c *net.UDPConn) rtp.Packet {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(testTimeout))
	buf := make([]byte, 1500)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	var p rtp.Packet
	if err := p.Unmarshal(buf[:n]); err != nil {
		t.Fatal(err)
	}
	p.Payload = append([]byte(nil), p.Payload...)
	return p
}

func sendRTP(t *testing.T, c *net.UDPConn, to netip.AddrPort, p rtp.Packet) {
	t.Helper()
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.WriteToUDPAddrPort(b, to); err != nil {
		t.Fatal(err)
	}
}

func pattern(i int) []byte { return bytes.Repeat([]byte{byte(i)}, FrameSamples) }

func timeoutCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// TestBridgeUDPBothWays: phone A (a UDPLeg, µ-law) ⇄ gateway leg gwA [Bridge] gateway leg
// gwB (A-law) ⇄ phone B (a raw socket). Frames cross both ways, converted between µ-law and
// A-law; the packets phone B gets come from gwB's advertised address with one SSRC, sequence
// numbers +1 and timestamps +160 per 20 ms frame.
func TestBridgeUDPBothWays(t *testing.T) {
	phoneA, gwA, gwB := listen(t, PCMU), listen(t, PCMU), listen(t, PCMA)
	phoneB := rawPeer(t)
	phoneA.SetRemote(gwA.LocalAddr())
	gwA.SetRemote(phoneA.LocalAddr())
	gwB.SetRemote(addrOf(phoneB))

	bridged := make(chan error, 1)
	go func() { bridged <- Bridge(context.Background(), gwA, gwB) }()

	const n = 50
	// A → B.
	for i := range n {
		if err := phoneA.WriteFrame(pattern(i)); err != nil {
			t.Fatal(err)
		}
	}
	var first rtp.Packet
	for i := range n {
		p := readRTP(t, phoneB)
		want := pattern(i)
		transcode(want, PCMU, PCMA)
		if !bytes.Equal(p.Payload, want) || p.PayloadType != 8 {
			t.Fatalf("packet %d at B: PT %d payload %x…, want PT 8 %x…", i, p.PayloadType, p.Payload[:2], want[:2])
		}
		if i == 0 {
			first = p
			if !p.Marker {
				t.Error("first packet has no marker bit")
			}
			continue
		}
		if p.SSRC != first.SSRC || p.SequenceNumber != first.SequenceNumber+uint16(i) ||
			p.Timestamp != first.Timestamp+uint32(i*FrameSamples) || p.Marker {
			t.Fatalf("packet %d: ssrc %x seq %d ts %d marker %v; first ssrc %x seq %d ts %d",
				i, p.SSRC, p.SequenceNumber, p.Timestamp, p.Marker, first.SSRC, first.SequenceNumber, first.Timestamp)
		}
	}
	// B → A, A-law on the wire, with a DTMF event in the middle that the bridge does not pass.
	ctx := timeoutCtx(t)
	for i := range n {
		payload := pattern(100 + i)
		sendRTP(t, phoneB, gwB.LocalAddr(), rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 8,
			SequenceNumber: uint16(i), Timestamp: uint32(i * FrameSamples), SSRC: 7}, Payload: payload})
		if i == n/2 {
			sendRTP(t, phoneB, gwB.LocalAddr(), rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 101,
				Timestamp: 99, SSRC: 7}, Payload: event(1, true, 160)})
		}
	}
	for i := range n {
		f, err := phoneA.ReadFrame(ctx)
		if err != nil {
			t.Fatalf("frame %d at A: %v", i, err)
		}
		want := pattern(100 + i)
		transcode(want, PCMA, PCMU)
		if !bytes.Equal(f.Audio, want) {
			t.Fatalf("frame %d at A: %x…, want %x…", i, f.Audio[:2], want[:2])
		}
	}
	// Phone A hangs up: the gateway closes its leg and the bridge ends, leaving gwB open.
	_ = gwA.Close()
	if err := <-bridged; !errors.Is(err, ErrClosed) {
		t.Fatalf("Bridge returned %v, want ErrClosed", err)
	}
	if err := gwB.WriteFrame(pattern(1)); err != nil {
		t.Fatalf("gwB after the bridge: %v", err)
	}
}

// TestUDPLegReadCancelKeepsLeg: a ReadFrame ended by its context returns ctx.Err() and the leg
// still receives afterwards (the gateway stops a bridge to put a caller back on hold).
func TestUDPLegReadCancelKeepsLeg(t *testing.T) {
	a, b := listen(t, PCMU), listen(t, PCMU)
	a.SetRemote(b.LocalAddr())
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan error, 1)
	go func() {
		_, err := b.ReadFrame(ctx)
		got <- err
	}()
	cancel()
	if err := <-got; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled ReadFrame: %v", err)
	}
	if err := a.WriteFrame(pattern(3)); err != nil {
		t.Fatal(err)
	}
	f, err := b.ReadFrame(timeoutCtx(t))
	if err != nil || !bytes.Equal(f.Audio, pattern(3)) {
		t.Fatalf("after a cancelled read: %v, %x", err, f.Audio)
	}
}

// TestUDPLegRemote: no sending before the remote is known; latching on to the first sender;
// packets from another address dropped; DTMF delivered in order with audio; Close ends reads.
func TestUDPLegRemote(t *testing.T) {
	leg := listen(t, PCMU)
	if err := leg.WriteFrame(pattern(1)); !errors.Is(err, ErrNoRemote) {
		t.Fatalf("WriteFrame without a remote: %v", err)
	}
	phone, stranger := rawPeer(t), rawPeer(t)
	hdr := rtp.Header{Version: 2, PayloadType: 0, SSRC: 1}
	sendRTP(t, phone, leg.LocalAddr(), rtp.Packet{Header: hdr, Payload: pattern(1)})
	ctx := timeoutCtx(t)
	if f, err := leg.ReadFrame(ctx); err != nil || !bytes.Equal(f.Audio, pattern(1)) {
		t.Fatalf("first packet: %v", err)
	}
	if leg.Remote() != addrOf(phone) {
		t.Fatalf("remote %v, want the first sender %v", leg.Remote(), addrOf(phone))
	}
	sendRTP(t, stranger, leg.LocalAddr(), rtp.Packet{Header: hdr, Payload: pattern(9)})
	if _, err := phone.WriteToUDPAddrPort([]byte("not rtp"), leg.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	sendRTP(t, phone, leg.LocalAddr(), rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 18}, Payload: pattern(4)}) // G.729: skipped
	sendRTP(t, phone, leg.LocalAddr(), rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 101, Timestamp: 5}, Payload: event(11, false, 160)})
	sendRTP(t, phone, leg.LocalAddr(), rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 101, Timestamp: 5}, Payload: event(11, true, 320)})
	sendRTP(t, phone, leg.LocalAddr(), rtp.Packet{Header: hdr, Payload: pattern(2)})
	if f, err := leg.ReadFrame(ctx); err != nil || f.Digit != '#' || f.Audio != nil {
		t.Fatalf("want the # key next (stranger, garbage and G.729 skipped): %+v %v", f, err)
	}
	if f, err := leg.ReadFrame(ctx); err != nil || !bytes.Equal(f.Audio, pattern(2)) {
		t.Fatalf("want frame 2 next: %x %v", f.Audio, err)
	}
	if err := leg.WriteFrame(pattern(5)); err != nil {
		t.Fatal(err)
	}
	if p := readRTP(t, phone); !bytes.Equal(p.Payload, pattern(5)) {
		t.Fatal("the leg did not send to the latched address")
	}
	closed := make(chan error, 1)
	go func() {
		_, err := leg.ReadFrame(context.Background())
		closed <- err
	}()
	_ = leg.Close()
	if err := <-closed; !errors.Is(err, ErrClosed) {
		t.Fatalf("ReadFrame on Close: %v", err)
	}
	if err := leg.WriteFrame(pattern(1)); !errors.Is(err, ErrClosed) {
		t.Fatalf("WriteFrame after Close: %v", err)
	}
	if err := leg.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestListenUDPErrors(t *testing.T) {
	if _, err := ListenUDP(UDPConfig{Local: "127.0.0.1:0", Codec: Codec(18)}); err == nil {
		t.Error("G.729 accepted")
	}
	if _, err := ListenUDP(UDPConfig{Local: "127.0.0.1:notaport"}); err == nil {
		t.Error("unresolvable address accepted")
	}
}

// SetCodec switches a leg bound before the answer chose its codec: it
// sends and accepts the new payload type only, and refuses a codec that
// is not G.711.
func TestUDPLegSetCodec(t *testing.T) {
	leg := listen(t, PCMU)
	peer := rawPeer(t)
	leg.SetRemote(addrOf(peer))
	if err := leg.SetCodec(Codec(18)); err == nil || leg.Codec() != PCMU {
		t.Fatalf("SetCodec(18): %v, codec %v", err, leg.Codec())
	}
	if err := leg.SetCodec(PCMA); err != nil || leg.Codec() != PCMA {
		t.Fatalf("SetCodec(PCMA): %v, codec %v", err, leg.Codec())
	}
	if err := leg.WriteFrame(pattern(1)); err != nil {
		t.Fatal(err)
	}
	if p := readRTP(t, peer); p.PayloadType != PCMA.PayloadType() {
		t.Fatalf("sent payload type %d, want %d", p.PayloadType, PCMA.PayloadType())
	}
	sendRTP(t, peer, leg.LocalAddr(), rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: 1}, Payload: pattern(2)})
	sendRTP(t, peer, leg.LocalAddr(), rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 8, SequenceNumber: 2}, Payload: pattern(3)})
	f, err := leg.ReadFrame(timeoutCtx(t))
	if err != nil || !bytes.Equal(f.Audio, pattern(3)) {
		t.Fatalf("read %v, %v: want the PCMA frame only", f, err)
	}
}

// TestUDPLegReadAfterContextEndsBetweenReads: the leg keeps watching a read's context after
// the read returns; when that context ends between reads, a read with another context still
// receives (the gateway's hold ends, then a bridge reads the caller).
func TestUDPLegReadAfterContextEndsBetweenReads(t *testing.T) {
	a, b := listen(t, PCMU), listen(t, PCMU)
	a.SetRemote(b.LocalAddr())
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	for i := range 2 {
		if err := a.WriteFrame(pattern(i)); err != nil {
			t.Fatal(err)
		}
		if f, err := b.ReadFrame(ctx); err != nil || !bytes.Equal(f.Audio, pattern(i)) {
			t.Fatalf("read %d: %v, %x", i, err, f.Audio)
		}
	}
	cancel()
	if _, err := b.ReadFrame(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("read with the ended context: %v", err)
	}
	if err := a.WriteFrame(pattern(5)); err != nil {
		t.Fatal(err)
	}
	if f, err := b.ReadFrame(timeoutCtx(t)); err != nil || !bytes.Equal(f.Audio, pattern(5)) {
		t.Fatalf("read with a new context: %v, %x", err, f.Audio)
	}
}

// TestUDPLegReadAllocs: reading a packet with a cancellable context, as Bridge, Hold and Record
// do for every packet, allocates only the frame's own copy of the audio.
func TestUDPLegReadAllocs(t *testing.T) {
	a, b := listen(t, PCMU), listen(t, PCMU)
	a.SetRemote(b.LocalAddr())
	ctx := timeoutCtx(t)
	audio := pattern(1)
	var err error
	allocs := testing.AllocsPerRun(100, func() {
		if err == nil {
			err = a.WriteFrame(audio)
		}
		if err == nil {
			_, err = b.ReadFrame(ctx)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if allocs > 1 {
		t.Fatalf("%v allocations a packet read, want 1 (the frame's audio)", allocs)
	}
}
