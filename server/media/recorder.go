package media

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Recording describes what Record wrote.
type Recording struct {
	// Duration is the audio written: samples received / 8000 Hz (not wall time; gaps in which
	// the caller sent no packets are not counted and not filled).
	Duration time.Duration
	// Key is the DTMF key that stopped the recording, or 0.
	Key byte
}

// Record writes the audio leg receives to w as an 8 kHz mono 16-bit PCM WAV file, until
// maxLen of audio is written (the last frame is cut to fit), a key in stopKeys is pressed, the
// leg is closed (the caller hung up), or ctx is done. Each of these is a normal end: the file
// is finalised (its header patched through w.Seek) and the error is nil. The error is non-nil
// only when w fails or the leg fails otherwise; the file is then unusable.
//
// maxLen bounds the file's length; ctx bounds the wall time (a caller who sends no packets would
// otherwise keep the recording open), so give it a deadline. Record reads leg on the calling
// goroutine; nothing else may read from leg meanwhile (Players may write to it).
func Record(ctx context.Context, leg Leg, w io.WriteSeeker, maxLen time.Duration, stopKeys string) (Recording, error) {
	limit := int(maxLen / (time.Second / SampleRate))
	bw := bufio.NewWriter(w)
	if _, err := bw.Write(wavHeader(0)); err != nil {
		return Recording{}, fmt.Errorf("media: write recording: %w", err)
	}
	var rec Recording
	samples := 0
	pcm := make([]int16, 0, FrameSamples)
	out := make([]byte, 0, 2*FrameSamples)
	for samples < limit {
		f, err := leg.ReadFrame(ctx)
		if err != nil {
			if errors.Is(err, ErrClosed) || ctx.Err() != nil {
				break
			}
			return rec, err
		}
		if f.Digit != 0 {
			if strings.IndexByte(stopKeys, f.Digit) >= 0 {
				rec.Key = f.Digit
				break
			}
			continue
		}
		pcm = leg.Codec().Decode(pcm[:0], f.Audio)
		pcm = pcm[:min(len(pcm), limit-samples)]
		out = out[:0]
		for _, s := range pcm {
			out = append(out, byte(s), byte(uint16(s)>>8))
		}
		if _, err := bw.Write(out); err != nil {
			return rec, fmt.Errorf("media: write recording: %w", err)
		}
		samples += len(pcm)
	}
	rec.Duration = time.Duration(samples) * time.Second / SampleRate
	if err := bw.Flush(); err != nil {
		return rec, fmt.Errorf("media: write recording: %w", err)
	}
	if _, err := w.Seek(0, io.SeekStart); err != nil {
		return rec, fmt.Errorf("media: finalise recording: %w", err)
	}
	if _, err := w.Write(wavHeader(samples)); err != nil {
		return rec, fmt.Errorf("media: finalise recording: %w", err)
	}
	_, err := w.Seek(0, io.SeekEnd)
	return rec, err
}
