package api

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The voicemail listing names each <call>.wav of the directory with its
// length, newest first, and the audio route serves the file; bad names
// get the edge's errors.
func TestVoicemails(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, samples int, at time.Time) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, make([]byte, 44+2*samples), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	write("sip-aa.wav", 8000, t0)                  // 1 s
	write("sip-bb.wav", 4000, t0.Add(time.Minute)) // 0.5 s, newer
	write("notes.txt", 10, t0)
	mux := http.NewServeMux()
	v := Voicemails{Dir: dir}
	mux.HandleFunc("GET /voicemails", v.List)
	mux.HandleFunc("GET /voicemails/{file}", v.Audio)

	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/voicemails", nil))
	var got struct{ Voicemails []Voicemail }
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != 200 {
		t.Fatalf("%d %s: %v", rec.Code, rec.Body, err)
	}
	if len(got.Voicemails) != 2 || got.Voicemails[0].Call != "sip-bb" || got.Voicemails[0].DurationMS != 500 ||
		got.Voicemails[1].Call != "sip-aa" || got.Voicemails[1].DurationMS != 1000 || !got.Voicemails[1].RecordedAt.Equal(t0) {
		t.Fatalf("listing: %+v", got.Voicemails)
	}

	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/voicemails/sip-aa.wav", nil))
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != 200 || len(body) != 44+16000 || rec.Header().Get("Content-Type") != "audio/wav" {
		t.Fatalf("audio: %d, %d bytes, %s", rec.Code, len(body), rec.Header().Get("Content-Type"))
	}
	for path, code := range map[string]string{
		"/voicemails/sip-cc.wav": "unknown_call",
		"/voicemails/sip-aa.mp3": "not_found",
		"/voicemails/..wav":      "invalid_id",
	} {
		rec = httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		var e struct{ Code string }
		_ = json.Unmarshal(rec.Body.Bytes(), &e)
		if e.Code != code {
			t.Errorf("%s: %d %s, want code %s", path, rec.Code, rec.Body, code)
		}
	}

	rec = httptest.NewRecorder()
	Voicemails{Dir: filepath.Join(dir, "missing")}.List(rec, httptest.NewRequest("GET", "/voicemails", nil))
	got.Voicemails = nil
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != 200 || got.Voicemails == nil || len(got.Voicemails) != 0 {
		t.Errorf("no directory yet: %d %q", rec.Code, rec.Body)
	}
}
