package api

import (
	"cmp"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/server/httpedge"
)

// Voicemail is one recorded message in a voicemail listing.
type Voicemail struct {
	// Call is the call the message was left on; its audio is at
	// .../voicemails/{call}.wav.
	Call pb.CallID `json:"call"`
	// RecordedAt is when the recording was finished (the file's time).
	RecordedAt time.Time `json:"recorded_at"`
	// DurationMS is the message's length, in milliseconds.
	DurationMS int64 `json:"duration_ms"`
}

// maxVoicemails bounds a listing; the newest are listed.
const maxVoicemails = 1000

// Voicemails serves the messages the SIP gateway records in Dir, one
// <call>.wav (8 kHz mono 16-bit PCM) per call: List answers the listing,
// newest first, and Audio one message's WAV file. It reads the directory
// at each request and keeps no state; safe for concurrent use. The routes
// to mount them on (behind the workspace's authentication) are
// GET /v1/workspaces/{ws}/voicemails and
// GET /v1/workspaces/{ws}/voicemails/{file} (file = {call}.wav).
type Voicemails struct {
	// Dir is the gateway's voicemail directory (<data>/voicemail).
	Dir string
}

// List answers 200 with {"voicemails": [Voicemail...]}, newest first, at
// most 1000; an empty list when the directory does not exist yet.
func (v Voicemails) List(w http.ResponseWriter, r *http.Request) {
	var entries []os.DirEntry
	var err error
	if v.Dir != "" {
		entries, err = os.ReadDir(v.Dir)
	}
	if err != nil && !os.IsNotExist(err) {
		httpedge.WriteError(w, err)
		return
	}
	out := []Voicemail{}
	for _, e := range entries {
		call, ok := strings.CutSuffix(e.Name(), ".wav")
		if !ok || !e.Type().IsRegular() || httpedge.CheckID("call", call) != nil {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		samples := max(0, info.Size()-44) / 2 // the WAV header, 16-bit samples at 8 kHz
		out = append(out, Voicemail{Call: pb.CallID(call), RecordedAt: info.ModTime().UTC(),
			DurationMS: samples / 8})
	}
	slices.SortFunc(out, func(a, b Voicemail) int {
		return cmp.Or(b.RecordedAt.Compare(a.RecordedAt), strings.Compare(string(a.Call), string(b.Call)))
	})
	if len(out) > maxVoicemails {
		out = out[:maxVoicemails]
	}
	httpedge.WriteJSON(w, http.StatusOK, map[string]any{"voicemails": out})
}

// Audio answers the WAV file of the path value "file" ({call}.wav), with
// range requests (http.ServeContent), 400 invalid_id for a malformed call
// ID and 404 unknown_call when the call left no message.
func (v Voicemails) Audio(w http.ResponseWriter, r *http.Request) {
	call, ok := strings.CutSuffix(r.PathValue("file"), ".wav")
	if !ok {
		httpedge.WriteError(w, httpedge.Errorf(httpedge.ErrNotFound, "voicemail audio is {call}.wav"))
		return
	}
	if err := httpedge.CheckID("call", call); err != nil {
		httpedge.WriteError(w, err)
		return
	}
	if v.Dir == "" {
		httpedge.WriteError(w, httpedge.Errorf(assign.ErrUnknownCall, "no voicemail for call %q", call))
		return
	}
	f, err := os.Open(filepath.Join(v.Dir, call+".wav"))
	if err != nil {
		httpedge.WriteError(w, httpedge.Errorf(assign.ErrUnknownCall, "no voicemail for call %q", call))
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		httpedge.WriteError(w, httpedge.Errorf(assign.ErrUnknownCall, "no voicemail for call %q", call))
		return
	}
	w.Header().Set("Content-Type", "audio/wav")
	http.ServeContent(w, r, call+".wav", info.ModTime(), f)
}
