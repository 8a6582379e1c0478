package api_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phonebalance/phonebalance/server/api"
)

// The voicemails the SIP gateway records are listed and served under the
// workspace, behind its credential, as the document describes them.
// Rule: MT6
func TestVoicemailRoutes(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "sip-1.wav"), make([]byte, 44+2*8000), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, nil, api.Config{VoicemailDir: dir})
	var list struct {
		Voicemails []api.Voicemail `json:"voicemails"`
	}
	e.c.do("GET", "/v1/workspaces/default/voicemails", "", http.StatusOK, &list)
	if len(list.Voicemails) != 1 || list.Voicemails[0].Call != "sip-1" || list.Voicemails[0].DurationMS != 1000 {
		t.Fatalf("listing: %+v", list.Voicemails)
	}
	if body := e.c.do("GET", "/v1/workspaces/default/voicemails/sip-1.wav", "", http.StatusOK, nil); len(body) != 44+2*8000 {
		t.Fatalf("audio: %d bytes", len(body))
	}
	e.c.do("GET", "/v1/workspaces/default/voicemails/sip-2.wav", "", http.StatusNotFound, nil)
	e.c.do("GET", "/v1/workspaces/default/voicemails/..%2Fsecret.wav", "", http.StatusBadRequest, nil)
	if code, _ := e.c.raw("GET", "/v1/workspaces/default/voicemails", "", nil); code != http.StatusUnauthorized {
		t.Fatalf("without the token: %d", code)
	}

	// A server that records none lists none.
	none := newEnv(t, nil, api.Config{})
	body := none.c.do("GET", "/v1/workspaces/default/voicemails", "", http.StatusOK, nil)
	if !strings.Contains(body, `"voicemails": []`) && !strings.Contains(body, `"voicemails":[]`) {
		t.Fatalf("empty listing: %s", body)
	}
}
