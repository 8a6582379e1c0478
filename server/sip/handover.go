package sip

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/server/media"
)

// Events of a hand-over of the caller's audio to another client.
const (
	evHandover eventKind = iota + 200
	evHandedBack
)

// ErrNoCallerAudio: CallerAudio for a call whose caller's audio the
// gateway cannot hand over (no Config.Media, a caller not answered with
// the gateway's media, a SIP phone bridged, or voicemail or a callback
// under way).
var ErrNoCallerAudio = errors.New("sip: the caller's audio cannot be handed over")

// CallerAudio hands the caller's audio of call over to another client of
// the teammate who answered it in the engine (the inbox page's WebRTC
// leg, bridged by the inbox): it stops the hold music and returns a
// media.Leg that carries the caller's audio until it is closed. Closing
// it hands the audio back: if the call goes on (the page reloaded, say),
// the caller hears hold music again until the next hand-over; if the
// engine's call has ended, the gateway hangs up the caller. A new
// hand-over of the same call closes the previous leg. The call's
// end closes the leg.
//
// The caller's RTP leg keeps one reader, the call's media goroutine,
// which passes frames to the handed leg (dropping them while its reader
// lags 8 frames behind); the handed leg's writes go to the caller's RTP
// leg. The handed leg follows media.Leg's rules (one reader, one writer).
//
// It fails with ErrUnknownCall for a call the gateway does not carry,
// ErrNoCallerAudio when its audio cannot be handed over, ErrClosed once
// the gateway is closed, or ctx's error. The caller is trusted to have
// checked that the engine's call is answered by the teammate whose
// client takes it. Safe for concurrent use; it waits for the call's
// goroutine, which does not block.
func (g *Gateway) CallerAudio(ctx context.Context, call pb.CallID) (media.Leg, error) {
	c := g.lookupCall(call)
	if c == nil {
		return nil, fmt.Errorf("%w: %s", ErrUnknownCall, call)
	}
	h := &handedLeg{c: c, frames: make(chan media.Frame, 8), closed: make(chan struct{})}
	reply := make(chan error, 1)
	if !c.post(event{kind: evHandover, handed: h, reply: reply}) {
		return nil, fmt.Errorf("%w: %s has ended", ErrUnknownCall, call)
	}
	select {
	case err := <-reply:
		if err != nil {
			return nil, err
		}
		return h, nil
	case <-c.done:
		return nil, fmt.Errorf("%w: %s has ended", ErrUnknownCall, call)
	case <-g.ctx.Done():
		return nil, ErrClosed
	case <-ctx.Done():
		// The hand-over may still happen: closing h hands it back.
		_ = h.Close()
		return nil, ctx.Err()
	}
}

// handOver makes h the caller's audio (see CallerAudio). Only the call's
// goroutine calls it.
func (c *call) handOver(h *handedLeg) error {
	if c.m == nil || c.m.caller == nil || !c.callerUp || c.bridged != nil || c.m.voicemail || c.m.callback {
		return fmt.Errorf("%w: call %s", ErrNoCallerAudio, c.id)
	}
	h.mu.Lock()
	gone := h.isClosed // CallerAudio's ctx ended first
	h.mu.Unlock()
	if gone {
		return context.Canceled
	}
	c.dropLegs() // answered elsewhere: no SIP phone rings on (none is bridged)
	c.answered = true
	old := c.m.handed
	c.m.handed = h
	if old != nil {
		_ = old.Close()
	}
	h.codec = c.m.caller.Codec()
	h.dst = c.m.caller
	caller := c.m.caller
	c.activity(func(ctx context.Context) {
		defer h.Close()
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go func() {
			select {
			case <-h.closed:
				cancel()
			case <-ctx.Done():
			}
		}()
		for {
			f, err := caller.ReadFrame(ctx)
			if err != nil {
				return
			}
			select {
			case h.frames <- f:
			default: // the reader lags: drop
			}
		}
	})
	return nil
}

// handedBack takes the audio back from h once it is closed: hold music
// while the engine's call goes on, else the caller is hung up. Only the
// call's goroutine calls it.
func (c *call) handedBack(h *handedLeg) {
	if c.m == nil || c.m.handed != h {
		return // replaced by a newer hand-over
	}
	c.m.handed = nil
	ended := true
	_ = c.g.cfg.Node.View(c.g.cfg.Workspace, func(e *assign.Engine) {
		v, ok := e.Call(c.id)
		ended = !ok || v.Ended
	})
	if ended {
		c.end(eventlog.ByTeammate)
		return
	}
	c.hold(false)
}

// endCheckPeriod is how often a call with media looks for the end of
// its engine call made without the gateway (endedElsewhere).
const endCheckPeriod = time.Second

// endedElsewhere hangs up a caller with media (answered, or still
// waiting for the INVITE's answer: 480), with no SIP phone bridged, whose
// engine call has ended without the gateway: the teammate
// hung up in another client (the inbox page) before or without taking
// the audio, or the host ended the call. Only the call's goroutine calls
// it, every endCheckPeriod on the gateway's clock.
func (c *call) endedElsewhere() {
	if c.m == nil || c.bridged != nil || c.m.voicemail || c.m.callback || c.m.customer != nil {
		return
	}
	if !c.callerUp && c.final {
		return // the caller has gone
	}
	ended := false
	_ = c.g.cfg.Node.View(c.g.cfg.Workspace, func(e *assign.Engine) {
		v, ok := e.Call(c.id)
		ended = !ok || v.Ended
	})
	if ended {
		if !c.final { // never answered: the INVITE gets its final response
			c.reject(480, "Temporarily Unavailable")
		}
		c.end(eventlog.BySystem)
	}
}

// handedLeg is the caller's audio handed to another client: frames come
// from the call's media goroutine, writes go to the caller's RTP leg.
type handedLeg struct {
	c      *call
	codec  media.Codec
	dst    media.Leg
	frames chan media.Frame
	closed chan struct{}

	mu       sync.Mutex // serializes writes with Close
	isClosed bool
}

// Codec is the caller's codec.
func (h *handedLeg) Codec() media.Codec { return h.codec }

// WriteFrame sends audio to the caller.
func (h *handedLeg) WriteFrame(audio []byte) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.isClosed {
		return media.ErrClosed
	}
	return h.dst.WriteFrame(audio)
}

// ReadFrame returns the caller's next frame; ErrClosed once closed.
func (h *handedLeg) ReadFrame(ctx context.Context) (media.Frame, error) {
	select {
	case <-h.closed: // before any frame still queued
		return media.Frame{}, media.ErrClosed
	default:
	}
	select {
	case f := <-h.frames:
		return f, nil
	case <-h.closed:
		return media.Frame{}, media.ErrClosed
	case <-ctx.Done():
		return media.Frame{}, ctx.Err()
	}
}

// Close hands the audio back to the gateway (see CallerAudio); once it
// returns, the leg writes nothing more to the caller.
func (h *handedLeg) Close() error {
	h.mu.Lock()
	if h.isClosed {
		h.mu.Unlock()
		return nil
	}
	h.isClosed = true
	close(h.closed)
	h.mu.Unlock()
	h.c.post(event{kind: evHandedBack, handed: h})
	return nil
}
