package media

import "time"

// Clip is decoded 8 kHz mono audio ready to play: a prompt, hold music, a recording. It keeps
// its G.711 encodings, padded with silence to whole 20 ms frames, so playing it to many legs
// costs no encoding. A Clip is immutable and safe for concurrent use by any number of Players.
type Clip struct {
	pcm  []int16
	ulaw []byte
	alaw []byte
}

// NewClip makes a Clip of pcm, linear 16-bit samples at 8 kHz. The Clip keeps pcm, which the
// caller must not change afterwards.
func NewClip(pcm []int16) *Clip {
	padded := (len(pcm) + FrameSamples - 1) / FrameSamples * FrameSamples
	silence := make([]int16, padded-len(pcm))
	c := &Clip{pcm: pcm}
	c.ulaw = PCMU.Encode(PCMU.Encode(make([]byte, 0, padded), pcm), silence)
	c.alaw = PCMA.Encode(PCMA.Encode(make([]byte, 0, padded), pcm), silence)
	return c
}

// PCM returns the clip's samples; the caller must not change them.
func (c *Clip) PCM() []int16 { return c.pcm }

// Frames is the number of 20 ms frames the clip plays for (the last one padded with silence).
func (c *Clip) Frames() int { return len(c.ulaw) / FrameSamples }

// Duration is how long the clip plays: Frames() × 20 ms.
func (c *Clip) Duration() time.Duration { return time.Duration(c.Frames()) * FrameDuration }

// frame returns frame i encoded in codec; the slice must not be changed.
func (c *Clip) frame(codec Codec, i int) []byte {
	enc := c.ulaw
	if codec == PCMA {
		enc = c.alaw
	}
	return enc[i*FrameSamples : (i+1)*FrameSamples : (i+1)*FrameSamples]
}
