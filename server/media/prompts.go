package media

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"
)

//go:embed audio/hold.wav audio/prompts/*.wav
var shipped embed.FS

// ErrNoPrompt is wrapped by Prompts.Clips for a name the prompt set does not have.
var ErrNoPrompt = errors.New("media: no such prompt")

// Prompts is a prompt set: one Clip per name, read from NAME.wav files. The names are the
// Prompt* constants and the numbers "1" to "20", "30", "40" … "90". A Prompts is immutable
// and safe for concurrent use.
type Prompts struct {
	clips map[string]*Clip
}

// LoadPrompts reads every *.wav file at the top of fsys (os.DirFS(dir) for a custom set) with
// ReadWAV. A file in another format is an error naming it.
func LoadPrompts(fsys fs.FS) (*Prompts, error) {
	files, err := fs.Glob(fsys, "*.wav")
	if err != nil {
		return nil, err
	}
	ps := &Prompts{clips: make(map[string]*Clip, len(files))}
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		c, err := ReadWAV(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		ps.clips[strings.TrimSuffix(path.Base(f), ".wav")] = c
	}
	return ps, nil
}

// Clips returns the clips for names, in order, or an error wrapping ErrNoPrompt naming the
// first missing one.
func (ps *Prompts) Clips(names []string) ([]*Clip, error) {
	out := make([]*Clip, len(names))
	for i, n := range names {
		c, ok := ps.clips[n]
		if !ok {
			return nil, fmt.Errorf("%w: %q", ErrNoPrompt, n)
		}
		out[i] = c
	}
	return out, nil
}

var (
	defaultPrompts = sync.OnceValue(func() *Prompts {
		sub, err := fs.Sub(shipped, "audio/prompts")
		if err == nil {
			var ps *Prompts
			if ps, err = LoadPrompts(sub); err == nil {
				return ps
			}
		}
		panic("media: shipped prompts unreadable: " + err.Error()) // a broken build, tested
	})
	defaultHoldMusic = sync.OnceValue(func() *Clip {
		b, err := shipped.ReadFile("audio/hold.wav")
		if err == nil {
			var c *Clip
			if c, err = ReadWAV(bytes.NewReader(b)); err == nil {
				return c
			}
		}
		panic("media: shipped hold music unreadable: " + err.Error()) // a broken build, tested
	})
)

// DefaultPrompts is the shipped English prompt set (synthesised with espeak-ng, see the
// package doc), decoded on first use and shared afterwards. Safe for concurrent use.
func DefaultPrompts() *Prompts { return defaultPrompts() }

// DefaultHoldMusic is the shipped 24-second hold music loop, decoded on first use and shared
// afterwards. Safe for concurrent use.
func DefaultHoldMusic() *Clip { return defaultHoldMusic() }
