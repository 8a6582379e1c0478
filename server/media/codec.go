package media

import (
	"fmt"
	"time"

	"github.com/zaf/g711"
)

// Audio format constants shared by every leg: G.711 is 8 kHz mono, one byte per sample, and
// legs exchange 20 ms frames (RTP ptime 20, the default in RFC 3551).
const (
	SampleRate    = 8000
	FrameDuration = 20 * time.Millisecond
	FrameSamples  = SampleRate * int(FrameDuration) / int(time.Second) // 160
)

// Codec is a G.711 variant, identified by its static RTP payload type (RFC 3551). The zero
// value is PCMU. Codec values are plain data and safe for concurrent use.
type Codec uint8

// The two G.711 codecs every SIP phone and every WebRTC browser (RFC 7874) supports.
const (
	PCMU Codec = 0 // G.711 µ-law, RTP payload type 0
	PCMA Codec = 8 // G.711 A-law, RTP payload type 8
)

// String returns the SDP encoding name ("PCMU" or "PCMA").
func (c Codec) String() string {
	switch c {
	case PCMU:
		return "PCMU"
	case PCMA:
		return "PCMA"
	}
	return fmt.Sprintf("Codec(%d)", uint8(c))
}

// PayloadType is the static RTP payload type of c.
func (c Codec) PayloadType() uint8 { return uint8(c) }

// Valid reports whether c is PCMU or PCMA.
func (c Codec) Valid() bool { return c == PCMU || c == PCMA }

// Encode appends the G.711 encoding of pcm (linear 16-bit samples) to dst and returns it.
// An invalid codec encodes as PCMU.
func (c Codec) Encode(dst []byte, pcm []int16) []byte {
	for _, s := range pcm {
		if c == PCMA {
			dst = append(dst, g711.EncodeAlawFrame(s))
		} else {
			dst = append(dst, g711.EncodeUlawFrame(s))
		}
	}
	return dst
}

// Decode appends the linear samples of the G.711 payload to dst and returns it.
// An invalid codec decodes as PCMU.
func (c Codec) Decode(dst []int16, payload []byte) []int16 {
	for _, b := range payload {
		if c == PCMA {
			dst = append(dst, g711.DecodeAlawFrame(b))
		} else {
			dst = append(dst, g711.DecodeUlawFrame(b))
		}
	}
	return dst
}

// transcode rewrites payload from codec from to codec to in place, through the G.711
// tables for direct µ-law/A-law conversion (no linear round trip).
func transcode(payload []byte, from, to Codec) {
	if from == to {
		return
	}
	for i, b := range payload {
		if from == PCMU {
			payload[i] = g711.Ulaw2AlawFrame(b)
		} else {
			payload[i] = g711.Alaw2UlawFrame(b)
		}
	}
}
