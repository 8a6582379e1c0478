package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrWAVFormat is wrapped by every error ReadWAV returns for a file it cannot play: not RIFF
// WAVE, truncated, or not 8 kHz mono 16-bit PCM, µ-law or A-law. Nothing is resampled.
var ErrWAVFormat = errors.New("media: unsupported WAV")

// WAV format tags (the fmt chunk's first field).
const (
	wavPCM        = 1
	wavALaw       = 6
	wavULaw       = 7
	wavExtensible = 0xFFFE
)

// maxWAVData bounds the audio ReadWAV accepts: an hour of 16-bit PCM (57.6 MB).
const maxWAVData = 3600 * SampleRate * 2

// ReadWAV decodes a WAV file of 8 kHz mono audio, 16-bit PCM or G.711 (µ-law or A-law), into
// a Clip. Any other sample rate, channel count or encoding, or more than an hour of audio, is
// refused with an error wrapping ErrWAVFormat that names what was found. It reads r to the end of the data chunk.
func ReadWAV(r io.Reader) (*Clip, error) {
	var hdr [12]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil || string(hdr[0:4]) != "RIFF" || string(hdr[8:12]) != "WAVE" {
		return nil, fmt.Errorf("%w: not a RIFF WAVE file", ErrWAVFormat)
	}
	var format, channels, bits uint16
	var rate uint32
	haveFmt := false
	for {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			return nil, fmt.Errorf("%w: no data chunk", ErrWAVFormat)
		}
		size := binary.LittleEndian.Uint32(ch[4:])
		switch string(ch[0:4]) {
		case "fmt ":
			if size < 16 || size > 64 {
				return nil, fmt.Errorf("%w: fmt chunk of %d bytes", ErrWAVFormat, size)
			}
			b := make([]byte, size+size%2)
			if _, err := io.ReadFull(r, b); err != nil {
				return nil, fmt.Errorf("%w: truncated fmt chunk", ErrWAVFormat)
			}
			format = binary.LittleEndian.Uint16(b[0:])
			channels = binary.LittleEndian.Uint16(b[2:])
			rate = binary.LittleEndian.Uint32(b[4:])
			bits = binary.LittleEndian.Uint16(b[14:])
			if format == wavExtensible && size >= 26 {
				format = binary.LittleEndian.Uint16(b[24:]) // the sub-format GUID's first field
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return nil, fmt.Errorf("%w: data chunk before fmt chunk", ErrWAVFormat)
			}
			return readWAVData(r, size, format, channels, rate, bits)
		default:
			if _, err := io.CopyN(io.Discard, r, int64(size)+int64(size%2)); err != nil {
				return nil, fmt.Errorf("%w: truncated %q chunk", ErrWAVFormat, ch[0:4])
			}
		}
	}
}

func readWAVData(r io.Reader, size uint32, format, channels uint16, rate uint32, bits uint16) (*Clip, error) {
	if rate != SampleRate || channels != 1 {
		return nil, fmt.Errorf("%w: %d Hz, %d channels; want %d Hz mono (convert with sox in.wav -r 8000 -c 1 -b 16 out.wav)",
			ErrWAVFormat, rate, channels, SampleRate)
	}
	var codec Codec
	switch {
	case format == wavPCM && bits == 16:
	case format == wavULaw && bits == 8:
		codec = PCMU
	case format == wavALaw && bits == 8:
		codec = PCMA
	default:
		return nil, fmt.Errorf("%w: format %d with %d bits; want 16-bit PCM, µ-law or A-law", ErrWAVFormat, format, bits)
	}
	// Read what is there, up to the declared size: streamed WAVs declare more than they hold.
	data, err := io.ReadAll(io.LimitReader(r, min(int64(size), maxWAVData+1)))
	if err != nil {
		return nil, fmt.Errorf("%w: reading data: %v", ErrWAVFormat, err)
	}
	if len(data) > maxWAVData {
		return nil, fmt.Errorf("%w: more than %d bytes of audio", ErrWAVFormat, maxWAVData)
	}
	if format != wavPCM {
		return NewClip(codec.Decode(make([]int16, 0, len(data)), data)), nil
	}
	pcm := make([]int16, len(data)/2)
	for i := range pcm {
		pcm[i] = int16(binary.LittleEndian.Uint16(data[2*i:]))
	}
	return NewClip(pcm), nil
}

// LoadWAV opens and decodes the WAV file at path with ReadWAV.
func LoadWAV(path string) (*Clip, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c, err := ReadWAV(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// wavHeader is the 44-byte header of an 8 kHz mono 16-bit PCM WAV holding samples samples.
func wavHeader(samples int) []byte {
	h := make([]byte, 44)
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(36+2*samples))
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], wavPCM)
	binary.LittleEndian.PutUint16(h[22:], 1)
	binary.LittleEndian.PutUint32(h[24:], SampleRate)
	binary.LittleEndian.PutUint32(h[28:], SampleRate*2)
	binary.LittleEndian.PutUint16(h[32:], 2)
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], uint32(2*samples))
	return h
}

// WriteWAV writes pcm as an 8 kHz mono 16-bit PCM WAV file.
func WriteWAV(w io.Writer, pcm []int16) error {
	buf := append(make([]byte, 0, 44+2*len(pcm)), wavHeader(len(pcm))...)
	for _, s := range pcm {
		buf = binary.LittleEndian.AppendUint16(buf, uint16(s))
	}
	_, err := w.Write(buf)
	return err
}
