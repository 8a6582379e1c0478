package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// RegisterG711 registers PCMU and PCMA (static payload types 0 and 8) as the only audio codecs
// of m, so a peer connection built on it negotiates G.711 with the browser (which must
// support it, RFC 7874) and audio passes to and from a SIP leg without transcoding. Not safe
// for concurrent use with other uses of m.
func RegisterG711(m *webrtc.MediaEngine) error {
	for _, c := range []Codec{PCMU, PCMA} {
		err := m.RegisterCodec(webrtc.RTPCodecParameters{
			RTPCodecCapability: capability(c),
			PayloadType:        webrtc.PayloadType(c),
		}, webrtc.RTPCodecTypeAudio)
		if err != nil {
			return fmt.Errorf("media: register %v: %w", c, err)
		}
	}
	return nil
}

func capability(c Codec) webrtc.RTPCodecCapability {
	mime := webrtc.MimeTypePCMU
	if c == PCMA {
		mime = webrtc.MimeTypePCMA
	}
	return webrtc.RTPCodecCapability{MimeType: mime, ClockRate: SampleRate, Channels: 1}
}

// WebRTCLeg is a Leg over a pion PeerConnection: a teammate's browser. It sends one G.711
// audio track and reads the first audio track the browser sends, converting µ-law and A-law
// if the browser's differs from the leg's codec. Signalling (offer, answer, ICE) is the
// caller's: create the leg on a fresh PeerConnection before the offer/answer exchange.
// Frames written before the connection is up are dropped. DTMF from the browser is not read.
//
// Concurrency: as for Leg.
type WebRTCLeg struct {
	pc    *webrtc.PeerConnection
	codec Codec
	local *webrtc.TrackLocalStaticRTP

	mu  sync.Mutex // guards hdr
	hdr rtp.Header

	remote    chan *webrtc.TrackRemote // receives the first remote audio track
	track     *webrtc.TrackRemote      // set by the reader once received
	rbuf      []byte                   // the reader's packet buffer
	interrupt readInterrupt            // the reader's
	closed    chan struct{}
	closeOnce sync.Once
}

// NewWebRTCLeg adds a sendrecv G.711 audio track in codec to pc (built with RegisterG711)
// and returns the leg. The leg owns pc from then on: Close closes it.
func NewWebRTCLeg(pc *webrtc.PeerConnection, codec Codec) (*WebRTCLeg, error) {
	if !codec.Valid() {
		return nil, fmt.Errorf("media: codec %v is not PCMU or PCMA", codec)
	}
	local, err := webrtc.NewTrackLocalStaticRTP(capability(codec), "audio", "phonebalanced")
	if err != nil {
		return nil, fmt.Errorf("media: webrtc track: %w", err)
	}
	if _, err := pc.AddTrack(local); err != nil {
		return nil, fmt.Errorf("media: webrtc add track: %w", err)
	}
	l := &WebRTCLeg{
		pc: pc, codec: codec, local: local,
		hdr:    rtp.Header{Version: 2, Marker: true, SequenceNumber: uint16(rand.Uint32()), Timestamp: rand.Uint32()},
		remote: make(chan *webrtc.TrackRemote, 1),
		rbuf:   make([]byte, 1500), // pion's default receive MTU
		closed: make(chan struct{}),
	}
	pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		if t.Kind() != webrtc.RTPCodecTypeAudio {
			return
		}
		select {
		case l.remote <- t:
		default: // a second audio track is ignored
		}
	})
	return l, nil
}

// Codec implements Leg.
func (l *WebRTCLeg) Codec() Codec { return l.codec }

// WriteFrame implements Leg; the PeerConnection encrypts (SRTP) and sends the packet now.
func (l *WebRTCLeg) WriteFrame(audio []byte) error {
	select {
	case <-l.closed:
		return ErrClosed
	default:
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.local.WriteRTP(&rtp.Packet{Header: l.hdr, Payload: audio}); err != nil {
		if errors.Is(err, io.ErrClosedPipe) {
			return ErrClosed
		}
		return fmt.Errorf("media: webrtc send: %w", err)
	}
	l.hdr.Marker = false
	l.hdr.SequenceNumber++
	l.hdr.Timestamp += uint32(len(audio))
	return nil
}

// ReadFrame implements Leg. It waits for the browser's track, then returns its G.711 frames.
func (l *WebRTCLeg) ReadFrame(ctx context.Context) (Frame, error) {
	if l.track == nil {
		select {
		case l.track = <-l.remote:
		case <-ctx.Done():
			return Frame{}, ctx.Err()
		case <-l.closed:
			return Frame{}, ErrClosed
		}
	}
	l.interrupt.watch(ctx, l.track)
	for {
		// Track.ReadRTP would allocate a packet buffer and a Packet for every packet.
		var pkt rtp.Packet
		n, _, err := l.track.Read(l.rbuf)
		if err == nil {
			err = pkt.Unmarshal(l.rbuf[:n])
		}
		if err != nil {
			if ctx.Err() != nil {
				return Frame{}, ctx.Err()
			}
			select {
			case <-l.closed:
				return Frame{}, ErrClosed
			default:
			}
			if errors.Is(err, io.EOF) {
				return Frame{}, ErrClosed
			}
			return Frame{}, fmt.Errorf("media: webrtc receive: %w", err)
		}
		if from := Codec(pkt.PayloadType); from.Valid() {
			audio := append([]byte(nil), pkt.Payload...)
			transcode(audio, from, l.codec)
			return Frame{Audio: audio}, nil
		}
	}
}

// Close implements Leg: it closes the PeerConnection.
func (l *WebRTCLeg) Close() error {
	var err error
	l.closeOnce.Do(func() {
		close(l.closed)
		err = l.pc.Close()
		l.interrupt.release()
	})
	return err
}
