package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The shipped wiring serves the dashboard behind the token (a browser
// without it is sent to the login form), and -demo runs simulated callers
// whose calls reach the Prometheus counters and the staffing advice.
func TestShippedDashboardAndDemo(t *testing.T) {
	c := startChild(t, "-data", t.TempDir(), "-http", "127.0.0.1:0", "-demo", "-demo-rate", "36000", "-demo-seed", "7")
	noRedirect := &http.Client{Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("GET", "http://"+c.addr+"/", nil)
	req.Header.Set("Accept", "text/html")
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("page without the token: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if page := must(t, c.addr, "GET", "/", "", http.StatusOK, nil); !strings.Contains(page, "<html") {
		t.Fatalf("page with the token: %.200s", page)
	}
	resp, err = noRedirect.Get("http://" + c.addr + "/login")
	if err != nil {
		t.Fatal(err)
	}
	form, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(form), "<form") {
		t.Fatalf("login form: %d %.200s", resp.StatusCode, form)
	}

	offered := regexp.MustCompile(`(?m)^phonebalance_calls_offered_total\{team="support",workspace="default"\} (\d+)`)
	eventually(t, 60*time.Second, "simulated calls offered and staffing advice on /metrics", func() bool {
		code, body := request(c.addr, "GET", "/metrics", "")
		m := offered.FindStringSubmatch(body)
		if code != http.StatusOK || m == nil {
			return false
		}
		n, _ := strconv.Atoi(m[1])
		return n >= 3 && strings.Contains(body, `phonebalance_staffing_target_ratio{team="support",workspace="default"} 0.8`)
	})
	if err := c.stop(); err != nil {
		t.Fatalf("graceful stop: %v\n%s", err, c.stderr())
	}
}

// With -sip the gateway listens (UDP, on loopback here) and is the
// telephony side; -sip without credentials, or with -demo traffic, is a
// clear error before anything opens.
func TestShippedSIP(t *testing.T) {
	users := filepath.Join(t.TempDir(), "users")
	if err := os.WriteFile(users, []byte("ana:ana-secret-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := startChild(t, "-data", t.TempDir(), "-http", "127.0.0.1:0", "-sip", "127.0.0.1:0", "-sip-users", users)
	if !strings.Contains(c.stderr(), "SIP registrar and B2BUA listening") {
		t.Fatalf("no SIP listener in the log:\n%s", c.stderr())
	}
	if err := c.stop(); err != nil {
		t.Fatalf("graceful stop: %v\n%s", err, c.stderr())
	}

	getenv := func(k string) string { return map[string]string{"PHONEBALANCE_TOKEN": testToken}[k] }
	for _, args := range [][]string{
		{"-data", t.TempDir(), "-http", "127.0.0.1:0", "-sip", "127.0.0.1:0"},
		{"-data", t.TempDir(), "-http", "127.0.0.1:0", "-sip", "127.0.0.1:0", "-sip-users", users, "-demo"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := run(ctx, args, io.Discard, getenv, wiring)
		cancel()
		if err == nil || !strings.Contains(err.Error(), "-sip") {
			t.Fatalf("%q: %v", args, err)
		}
	}
}
