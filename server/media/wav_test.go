package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// wavBytes builds a WAV file by hand: fmt chunk fields, optional extra chunks, and data.
func wavBytes(format, channels uint16, rate uint32, bits uint16, extra []byte, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF")
	_ = binary.Write(&b, binary.LittleEndian, uint32(4+8+16+len(extra)+8+len(data)))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), format, channels, rate,
		rate * uint32(channels) * uint32(bits) / 8, channels * bits / 8, bits} {
		_ = binary.Write(&b, binary.LittleEndian, v)
	}
	b.Write(extra)
	b.WriteString("data")
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(data)))
	b.Write(data)
	return b.Bytes()
}

func TestWAVRoundTrip(t *testing.T) {
	pcm := make([]int16, 1000)
	for i := range pcm {
		pcm[i] = int16(i*37 - 18000)
	}
	var buf bytes.Buffer
	if err := WriteWAV(&buf, pcm); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 44+2*len(pcm) {
		t.Fatalf("file is %d bytes, want %d", buf.Len(), 44+2*len(pcm))
	}
	c, err := ReadWAV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.PCM(), pcm) {
		t.Fatal("samples changed in a WAV round trip")
	}
	if c.Frames() != 7 || c.Duration() != 140e6 {
		t.Fatalf("1000 samples play as %d frames, %v; want 7 frames (last padded), 140ms", c.Frames(), c.Duration())
	}
}

func TestReadWAVG711AndSkippedChunks(t *testing.T) {
	want := []int16{-8000, -100, 0, 100, 8000}
	list := append([]byte("LIST\x03\x00\x00\x00abc"), 0) // odd-sized chunk with its pad byte
	for _, codec := range []Codec{PCMU, PCMA} {
		format := uint16(wavULaw)
		if codec == PCMA {
			format = wavALaw
		}
		c, err := ReadWAV(bytes.NewReader(wavBytes(format, 1, 8000, 8, list, codec.Encode(nil, want))))
		if err != nil {
			t.Fatalf("%v: %v", codec, err)
		}
		if got := c.PCM(); !slices.Equal(got, codec.Decode(nil, codec.Encode(nil, want))) {
			t.Fatalf("%v WAV decoded to %v", codec, got)
		}
	}
}

// TestReadWAVStreamedSize: a data chunk declaring more bytes than the file has (as a WAV
// written to a pipe does) gives the audio that is there.
func TestReadWAVStreamedSize(t *testing.T) {
	b := wavBytes(wavPCM, 1, 8000, 16, nil, []byte{1, 0, 2, 0, 3, 0})
	binary.LittleEndian.PutUint32(b[40:], 0xFFFFFFFF)
	c, err := ReadWAV(bytes.NewReader(b))
	if err != nil || !slices.Equal(c.PCM(), []int16{1, 2, 3}) {
		t.Fatalf("%v, %v", c, err)
	}
}

func TestReadWAVRefusesOtherFormats(t *testing.T) {
	cases := map[string][]byte{
		"16 kHz":    wavBytes(wavPCM, 1, 16000, 16, nil, make([]byte, 64)),
		"stereo":    wavBytes(wavPCM, 2, 8000, 16, nil, make([]byte, 64)),
		"8-bit PCM": wavBytes(wavPCM, 1, 8000, 8, nil, make([]byte, 64)),
		"float":     wavBytes(3, 1, 8000, 32, nil, make([]byte, 64)),
		"not RIFF":  []byte("ID3\x04 this is an mp3"),
		"no data":   wavBytes(wavPCM, 1, 8000, 16, nil, nil)[:36],
		"empty":     nil,
	}
	for name, b := range cases {
		if _, err := ReadWAV(bytes.NewReader(b)); !errors.Is(err, ErrWAVFormat) {
			t.Errorf("%s: err = %v, want ErrWAVFormat", name, err)
		}
	}
}

func TestLoadWAV(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.wav")
	if err := os.WriteFile(path, wavBytes(wavPCM, 1, 44100, 16, nil, make([]byte, 4)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadWAV(path)
	if !errors.Is(err, ErrWAVFormat) || !bytes.Contains([]byte(err.Error()), []byte("44100 Hz")) {
		t.Fatalf("LoadWAV of a 44.1 kHz file: %v; want ErrWAVFormat naming 44100 Hz", err)
	}
	if _, err := LoadWAV(filepath.Join(t.TempDir(), "missing.wav")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("LoadWAV of a missing file: %v", err)
	}
}
