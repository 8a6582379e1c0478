package httpedge_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/httpedge"
)

const token = "test-token-0123456789abcdef"

func TestCheckID(t *testing.T) {
	for _, ok := range []string{"ana", "call-1", "CA1234567890abcdef", "José", "日本", "a.b", "...", strings.Repeat("x", httpedge.MaxIDBytes)} {
		if err := httpedge.CheckID("id", ok); err != nil {
			t.Errorf("CheckID(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "a/b", "a?b", "a#b", strings.Repeat("x", httpedge.MaxIDBytes+1),
		"a\x00b", "a\nb", "a\tb", "a\x7fb", "a\u0085b", "a\u2028b", // controls (Cc) and line separators
		"a\u202ab", "a\u202eb", "a\u2066b", "a\u2069b", // bidi embeddings, overrides, isolates
		"a\u200bb", "a\u200db", "a\u2060b", "\ufeffa", // zero-width
		"a\xffb", "\xc3"} { // not UTF-8
		err := httpedge.CheckID("id", bad)
		if !errors.Is(err, httpedge.ErrInvalidID) {
			t.Errorf("CheckID(%q) = %v, want ErrInvalidID", bad, err)
			continue
		}
		if _, code := httpedge.StatusOf(err); code != "invalid_id" {
			t.Errorf("CheckID(%q): code %q", bad, code)
		}
	}
}

func TestCheckText(t *testing.T) {
	for _, ok := range []string{"", "Ana María", "Lunch 🍜", "O'Brien"} {
		if err := httpedge.CheckText("name", ok, httpedge.MaxNameBytes); err != nil {
			t.Errorf("CheckText(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"a\nb", "a\u202eb", "a\xff", strings.Repeat("x", httpedge.MaxNameBytes+1)} {
		if err := httpedge.CheckText("name", bad, httpedge.MaxNameBytes); !errors.Is(err, httpedge.ErrInvalidText) {
			t.Errorf("CheckText(%q) = %v", bad, err)
		}
	}
}

// The edge's limits never exceed the engine's: nothing the edge accepts
// is refused by the engine for its size.
func TestLimitsWithinTheEngines(t *testing.T) {
	if httpedge.MaxIDBytes > assign.MaxIDLen || httpedge.MaxNameBytes > assign.MaxNameLen ||
		httpedge.MaxReasonBytes > assign.MaxNameLen {
		t.Fatal("an edge limit is above the engine's")
	}
}

func decodeReq(body, contentType string) (*http.Request, *httptest.ResponseRecorder) {
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r, httptest.NewRecorder()
}

func TestDecodeJSON(t *testing.T) {
	type body struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	for _, c := range []struct {
		body, ct string
		want     error
	}{
		{`{"id":"a","name":"Ana"}`, "application/json", nil},
		{`{"id":"a"}  ` + "\n", "", nil},
		{`{"id":"a"}`, "application/json; charset=utf-8", nil},
		{"{\"id\":\"a\",\"name\":\"An\xffa\"}", "application/json", httpedge.ErrInvalidUTF8},
		{"{\"id\":\"a\xc3\"}", "", httpedge.ErrInvalidUTF8},
		{`{"id":"a","colour":"red"}`, "", httpedge.ErrBadRequest},
		{`{"id":"a"} {"id":"b"}`, "", httpedge.ErrBadRequest},
		{`{"id":"a"} x`, "", httpedge.ErrBadRequest},
		{`{"id":`, "", httpedge.ErrBadRequest},
		{``, "", httpedge.ErrBadRequest},
		{`{"id":"` + strings.Repeat("a", httpedge.MaxJSONBody) + `"}`, "", httpedge.ErrTooLarge},
		{`{"id":"a"}`, "text/plain", httpedge.ErrUnsupportedMediaType},
		{`{"id":"a"}`, "multipart/form-data; boundary=x", httpedge.ErrUnsupportedMediaType},
	} {
		r, w := decodeReq(c.body, c.ct)
		var v body
		err := httpedge.DecodeJSON(w, r, &v, false)
		if (c.want == nil) != (err == nil) || (c.want != nil && !errors.Is(err, c.want)) {
			t.Errorf("DecodeJSON(%.40q, %q) = %v, want %v", c.body, c.ct, err, c.want)
		}
	}
	r, w := decodeReq("", "")
	v := body{ID: "kept"}
	if err := httpedge.DecodeJSON(w, r, &v, true); err != nil || v.ID != "kept" {
		t.Fatalf("optional empty body: %v %+v", err, v)
	}
}

// Every error the engine can return has its own stable code; a deadline
// is 503 (see the table's comment); unknown errors are 500 internal.
func TestStatusOf(t *testing.T) {
	for _, c := range []struct {
		err    error
		status int
		code   string
	}{
		{fmt.Errorf("x: %w", assign.ErrUnknownCall), 404, "unknown_call"},
		{assign.ErrNotRinging, 409, "not_ringing"},
		{assign.ErrTestWorkspace, 422, "test_workspace"},
		{fmt.Errorf("%w: %w", assign.ErrInvalidArgument, assign.ErrTimeOutOfRange), 400, "invalid_argument"},
		{replica.ErrClosed, 503, "closed"},
		{fmt.Errorf("waiting: %w", contextDeadline()), 503, "timeout"},
		{httpedge.ErrNoCredentials, 401, "unauthorized"},
		{errors.New("disk on fire"), 500, "internal"},
	} {
		if s, code := httpedge.StatusOf(c.err); s != c.status || code != c.code {
			t.Errorf("StatusOf(%v) = %d %q, want %d %q", c.err, s, code, c.status, c.code)
		}
	}
}

// server/README.md documents every row of the error table.
func TestTableDocumented(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| (\\d{3}) \\| `([a-z_0-9]+)` \\|")
	documented := map[string]int{}
	for _, m := range row.FindAllStringSubmatch(string(b), -1) {
		documented[m[2]], _ = strconv.Atoi(m[1])
	}
	for _, r := range httpedge.Table() {
		if documented[r.Code] != r.Status {
			t.Errorf("README: code %q documented with status %d, the table has %d", r.Code, documented[r.Code], r.Status)
		}
		delete(documented, r.Code)
	}
	for code := range documented {
		t.Errorf("README documents %q, which the table does not have", code)
	}
}

func TestAuthenticate(t *testing.T) {
	v, err := httpedge.NewToken(token)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		header, cookie string
		via            string
		want           error
	}{
		{"Bearer " + token, "", "bearer", nil},
		{"bearer " + token, "", "bearer", nil},
		{"BEARER  " + token + " ", "", "bearer", nil},
		{"Bearer " + token + "x", "", "", httpedge.ErrBadCredentials},
		{"Basic " + token, "", "", httpedge.ErrBadCredentials},
		{token, "", "", httpedge.ErrBadCredentials},
		{"", token, "cookie", nil},
		{"", "wrong", "", httpedge.ErrBadCredentials},
		{"", "", "", httpedge.ErrNoCredentials},
		// A header is taken over the cookie, right or wrong.
		{"Bearer wrong", token, "", httpedge.ErrBadCredentials},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if c.header != "" {
			r.Header.Set("Authorization", c.header)
		}
		if c.cookie != "" {
			r.AddCookie(&http.Cookie{Name: httpedge.CookieName, Value: c.cookie})
		}
		p, err := httpedge.Authenticate(v, r)
		if !errors.Is(err, c.want) || (c.want == nil && (err != nil || p.Via != c.via || p.Name != "token")) {
			t.Errorf("%q / cookie %q: %+v, %v; want via %q, %v", c.header, c.cookie, p, err, c.via, c.want)
		}
	}
	for _, bad := range []string{"short", "with space in the token", "tab\tin-the-token-here"} {
		if _, err := httpedge.NewToken(bad); err == nil {
			t.Errorf("NewToken(%q) accepted", bad)
		}
	}
}

// Require puts the principal in the context and answers 401 with the
// body (or sends a browser to the login page).
func TestRequire(t *testing.T) {
	v, _ := httpedge.NewToken(token)
	h := httpedge.Require(v, "/login", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := httpedge.PrincipalFrom(r.Context())
		if !ok {
			t.Error("no principal in the context")
		}
		_, _ = w.Write([]byte(p.Name + "/" + p.Via))
	}))
	r := httptest.NewRequest("GET", "/x", nil)
	r.Header.Set("Authorization", "bearer "+token)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 200 || w.Body.String() != "token/bearer" {
		t.Fatalf("authenticated: %d %s", w.Code, w.Body)
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/x", nil))
	if w.Code != 401 || !strings.Contains(w.Body.String(), `"unauthorized"`) || w.Header().Get("WWW-Authenticate") == "" {
		t.Fatalf("unauthenticated: %d %s %v", w.Code, w.Body, w.Header())
	}
	r = httptest.NewRequest("GET", "/x", nil)
	r.Header.Set("Accept", "text/html")
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login" {
		t.Fatalf("browser: %d %v", w.Code, w.Header())
	}
}

// The same-origin guard refuses a state-changing request a browser says
// is cross-origin, with the body; reads and non-browser requests pass.
func TestSameOrigin(t *testing.T) {
	h := httpedge.SameOrigin(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) }))
	for _, c := range []struct {
		method string
		header map[string]string
		want   int
	}{
		{"POST", nil, 204},
		{"POST", map[string]string{"Sec-Fetch-Site": "same-origin"}, 204},
		{"POST", map[string]string{"Sec-Fetch-Site": "none"}, 204},
		{"POST", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"POST", map[string]string{"Sec-Fetch-Site": "same-site"}, 403},
		{"PUT", map[string]string{"Origin": "http://evil.example"}, 403},
		{"DELETE", map[string]string{"Origin": "http://example.com"}, 204}, // httptest's Host
		{"GET", map[string]string{"Sec-Fetch-Site": "cross-site"}, 204},
	} {
		r := httptest.NewRequest(c.method, "http://example.com/x", nil)
		for k, v := range c.header {
			r.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != c.want || (c.want == 403 && !strings.Contains(w.Body.String(), `"cross_origin"`)) {
			t.Errorf("%s %v: %d %s, want %d", c.method, c.header, w.Code, w.Body, c.want)
		}
	}
}

// Routes answers unknown paths and methods with the body, keeping Allow.
func TestRoutes(t *testing.T) {
	m := http.NewServeMux()
	m.HandleFunc("GET /things/{id}", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(r.PathValue("id"))) })
	h := httpedge.Routes(m)
	for _, c := range []struct {
		method, path string
		status       int
		code, allow  string
	}{
		{"GET", "/things/a", 200, "", ""},
		{"GET", "/nothing", 404, "not_found", ""},
		{"POST", "/things/a", 405, "method_not_allowed", "GET, HEAD"},
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(c.method, c.path, nil))
		if w.Code != c.status {
			t.Fatalf("%s %s: %d", c.method, c.path, w.Code)
		}
		if c.code == "" {
			if w.Body.String() != "a" {
				t.Fatalf("matched route: %q", w.Body)
			}
			continue
		}
		var eb httpedge.ErrorBody
		if err := json.Unmarshal(w.Body.Bytes(), &eb); err != nil || eb.Code != c.code ||
			w.Header().Get("Content-Type") != "application/json" || w.Header().Get("Allow") != c.allow {
			t.Fatalf("%s %s: %v %q %v", c.method, c.path, err, w.Body, w.Header())
		}
	}
}

// One duration encoding: integer milliseconds in *_ms fields.
func TestDurations(t *testing.T) {
	if httpedge.Millis(1500*time.Millisecond+999*time.Microsecond) != 1500 || httpedge.FromMillis(2500) != 2500*time.Millisecond {
		t.Fatal("milliseconds")
	}
	if httpedge.FromMillis(1<<62) <= 0 || httpedge.FromMillis(-1<<62) >= 0 {
		t.Fatal("FromMillis wraps around")
	}
	evs := httpedge.Events([]eventlog.Event{{Kind: eventlog.CallDeflected, HoldLimit: 6 * time.Minute}})
	b, err := json.Marshal(evs)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"hold_limit_ms":360000`) || strings.Contains(string(b), `"hold_limit":`) {
		t.Fatalf("event: %s", b)
	}
	if b, _ := json.Marshal(httpedge.Events(nil)); string(b) != "[]" {
		t.Fatalf("no events: %s", b)
	}
}
