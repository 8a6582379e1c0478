package media

import (
	"context"
	"errors"
)

// Frame is what a Leg receives: either an audio payload or a completed DTMF key press.
type Frame struct {
	// Audio is G.711 in the receiving leg's Codec, usually 160 bytes (20 ms) but whatever
	// the peer's packet carried. Nil for a DTMF frame. The slice belongs to the caller.
	Audio []byte
	// Digit is the key pressed ('0'-'9', '*', '#', 'A'-'D') for a DTMF frame, 0 for audio.
	Digit byte
}

// Leg is one party's audio in a call: a caller's SIP leg (UDPLeg) or a teammate's browser
// (a WebRTC track pair, issue 23). Bridge, Player, Hold and Record work on any Leg.
//
// Concurrency: WriteFrame may be called concurrently with ReadFrame; at most one goroutine may
// call ReadFrame at a time, and at most one WriteFrame at a time. Close may be called from any
// goroutine, any number of times.
type Leg interface {
	// Codec is the G.711 variant the leg sends and receives; it does not change.
	Codec() Codec
	// WriteFrame sends one frame of audio in Codec() (160 bytes for 20 ms) now. It does not
	// pace: the caller (Player, Bridge) sends at the 20 ms rate. The leg stamps the packet
	// (sequence number +1, timestamp +len(audio) samples). It does not keep audio.
	WriteFrame(audio []byte) error
	// ReadFrame blocks until the next audio frame or DTMF key press arrives, ctx is done
	// (it returns ctx.Err() and the leg stays usable), or the leg is closed (ErrClosed).
	ReadFrame(ctx context.Context) (Frame, error)
	// Close releases the leg; blocked and later calls return ErrClosed.
	Close() error
}

// Errors returned by legs.
var (
	// ErrClosed is returned by a Leg's methods once it is closed.
	ErrClosed = errors.New("media: leg closed")
	// ErrNoRemote is returned by UDPLeg.WriteFrame before the leg knows where to send.
	ErrNoRemote = errors.New("media: leg has no remote address yet")
)
