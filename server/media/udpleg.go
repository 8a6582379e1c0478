package media

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/pion/rtp"
)

// UDPConfig configures a UDPLeg.
type UDPConfig struct {
	// Local is the address the leg binds and sends from, such as "127.0.0.1:0" or the media
	// address the gateway advertises in its SDP with port 0 (any free port). Required.
	Local string
	// Codec is the G.711 variant negotiated for the leg. Must be PCMU or PCMA.
	Codec Codec
	// EventPayloadType is the negotiated RFC 4733 telephone-event payload type;
	// 0 means DefaultEventPayloadType.
	EventPayloadType uint8
}

// UDPLeg is a Leg over plain RTP on its own UDP socket: a caller's or a phone's SIP media.
// Every packet leaves from the bound socket, so the source address is the one advertised in
// the SDP. It has no jitter buffer, sends no RTCP, and delivers frames in arrival order.
//
// Until SetRemote is called it sends nothing (ErrNoRemote) and latches on to the source of
// the first RTP packet it receives (symmetric RTP); once the remote is known it drops
// packets from any other address.
//
// Concurrency: as for Leg; SetRemote, LocalAddr and Remote are safe from any goroutine.
type UDPLeg struct {
	conn    *net.UDPConn
	codec   atomic.Uint32 // a Codec; see SetCodec
	eventPT uint8

	mu     sync.Mutex // guards remote, hdr, wbuf
	remote netip.AddrPort
	hdr    rtp.Header
	wbuf   []byte

	closeOnce sync.Once
	closed    atomic.Bool

	// Reader state, used by one ReadFrame at a time.
	rbuf      []byte
	dtmf      DTMFDetector
	interrupt readInterrupt
}

// ListenUDP binds a new UDPLeg. The socket's port is LocalAddr().Port(). The RTP SSRC, first
// sequence number and first timestamp are random (RFC 3550 §5.1).
func ListenUDP(cfg UDPConfig) (*UDPLeg, error) {
	if !cfg.Codec.Valid() {
		return nil, fmt.Errorf("media: codec %v is not PCMU or PCMA", cfg.Codec)
	}
	addr, err := net.ResolveUDPAddr("udp", cfg.Local)
	if err != nil {
		return nil, fmt.Errorf("media: local address %q: %w", cfg.Local, err)
	}
	conn, err := net.ListenUDP("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("media: listen %q: %w", cfg.Local, err)
	}
	pt := cfg.EventPayloadType
	if pt == 0 {
		pt = DefaultEventPayloadType
	}
	l := &UDPLeg{
		conn:    conn,
		eventPT: pt,
		hdr: rtp.Header{
			Version:        2,
			Marker:         true, // first packet of the talkspurt (RFC 3551 §4.1)
			PayloadType:    cfg.Codec.PayloadType(),
			SequenceNumber: uint16(rand.Uint32()),
			Timestamp:      rand.Uint32(),
			SSRC:           rand.Uint32(),
		},
		wbuf: make([]byte, 0, 1500),
		rbuf: make([]byte, 1500),
	}
	l.codec.Store(uint32(cfg.Codec))
	return l, nil
}

// SetCodec changes the leg's codec, for a leg bound before its offer's answer chose one (the
// gateway offers a phone PCMU and PCMA and learns the codec from the phone's answer). It
// returns an error for an invalid codec. Safe from any goroutine, but a frame being read or
// written meanwhile may use either codec: call it before the leg carries audio.
func (l *UDPLeg) SetCodec(c Codec) error {
	if !c.Valid() {
		return fmt.Errorf("media: codec %v is not PCMU or PCMA", c)
	}
	l.mu.Lock()
	l.codec.Store(uint32(c))
	l.hdr.PayloadType = c.PayloadType()
	l.mu.Unlock()
	return nil
}

// LocalAddr is the address the socket is bound to (the port to advertise in SDP).
func (l *UDPLeg) LocalAddr() netip.AddrPort {
	return l.conn.LocalAddr().(*net.UDPAddr).AddrPort()
}

// SetRemote sets where the leg sends, from the peer's SDP (c= address and m= port).
func (l *UDPLeg) SetRemote(addr netip.AddrPort) {
	l.mu.Lock()
	l.remote = unmap(addr)
	l.mu.Unlock()
}

// Remote is the address the leg sends to, or the zero AddrPort if it is not known yet.
func (l *UDPLeg) Remote() netip.AddrPort {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.remote
}

// Codec implements Leg.
func (l *UDPLeg) Codec() Codec { return Codec(l.codec.Load()) }

// WriteFrame implements Leg: one RTP packet to the remote, at once.
func (l *UDPLeg) WriteFrame(audio []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed.Load() {
		return ErrClosed
	}
	if !l.remote.IsValid() {
		return ErrNoRemote
	}
	n, err := l.hdr.MarshalTo(l.wbuf[:cap(l.wbuf)])
	if err != nil {
		return fmt.Errorf("media: marshal rtp: %w", err)
	}
	l.wbuf = append(l.wbuf[:n], audio...)
	if _, err := l.conn.WriteToUDPAddrPort(l.wbuf, l.remote); err != nil {
		if errors.Is(err, net.ErrClosed) {
			return ErrClosed
		}
		return fmt.Errorf("media: send rtp: %w", err)
	}
	l.hdr.Marker = false
	l.hdr.SequenceNumber++
	l.hdr.Timestamp += uint32(len(audio))
	return nil
}

// ReadFrame implements Leg. Packets that are not RTP, come from an address other than the
// remote, or carry another payload type are skipped.
func (l *UDPLeg) ReadFrame(ctx context.Context) (Frame, error) {
	if err := ctx.Err(); err != nil {
		return Frame{}, err
	}
	l.interrupt.watch(ctx, l.conn)
	for {
		n, from, err := l.conn.ReadFromUDPAddrPort(l.rbuf)
		if err != nil {
			if ctx.Err() != nil {
				return Frame{}, ctx.Err()
			}
			if errors.Is(err, net.ErrClosed) {
				return Frame{}, ErrClosed
			}
			return Frame{}, fmt.Errorf("media: receive rtp: %w", err)
		}
		var pkt rtp.Packet
		if pkt.Unmarshal(l.rbuf[:n]) != nil || pkt.Version != 2 || !l.accept(unmap(from)) {
			continue
		}
		switch pkt.PayloadType {
		case l.Codec().PayloadType():
			return Frame{Audio: append([]byte(nil), pkt.Payload...)}, nil
		case l.eventPT:
			if key, ok, _ := l.dtmf.Detect(pkt.Timestamp, pkt.Payload); ok {
				return Frame{Digit: key}, nil
			}
		}
	}
}

// accept reports whether a packet from addr is from the peer, latching on to the first
// sender while the remote is unknown.
func (l *UDPLeg) accept(from netip.AddrPort) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.remote.IsValid() {
		l.remote = from
	}
	return l.remote == from
}

// Close implements Leg. It closes the socket, which ends a blocked ReadFrame with ErrClosed.
func (l *UDPLeg) Close() error {
	l.closeOnce.Do(func() {
		l.closed.Store(true)
		_ = l.conn.Close()
		l.interrupt.release()
	})
	return nil
}

func unmap(a netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
}
