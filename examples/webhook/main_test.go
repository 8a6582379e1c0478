package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/phonebalance/phonebalance/examples/webhook/host"
)

// The demo workspace is a Support team whose three teammates are all
// eligible, rung in ID order since none has taken a call yet.
func TestSeedDemo(t *testing.T) {
	srv, err := host.New(host.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := seedDemo(srv); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("GET", "/teams/support", nil))
	var team host.Team
	if err := json.Unmarshal(rec.Body.Bytes(), &team); err != nil {
		t.Fatal(err, rec.Body.String())
	}
	got := make([]string, 0, len(team.OfferOrder))
	for _, id := range team.OfferOrder {
		got = append(got, string(id))
	}
	if want := []string{"ana", "ben", "cleo"}; !slices.Equal(got, want) || team.Available != 3 {
		t.Fatalf("demo team: %+v", team)
	}
}

func TestBannerShowsCurlCommands(t *testing.T) {
	var b bytes.Buffer
	printBanner(&b, "127.0.0.1:8080", true)
	for _, want := range []string{
		"listening on http://127.0.0.1:8080",
		`curl -s -X POST http://127.0.0.1:8080/calls -d '{"id":"call-1","team":"support"}'`,
		`curl -s 'http://127.0.0.1:8080/calls/call-1/timeline?format=text'`,
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, b.String())
		}
	}
}

// run starts, seeds the demo and, its context cancelled (as by SIGINT),
// shuts down cleanly.
func TestRunShutsDownWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"-addr", "127.0.0.1:0"}, &stdout, &stderr); err != nil {
		t.Fatal(err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "shutting down") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	// Every event of the demo seeding was written before run returned.
	if n := strings.Count(stdout.String(), "\n"); n != 6 {
		t.Errorf("%d event lines, want 6:\n%s", n, stdout.String())
	}
}

func TestBadFlag(t *testing.T) {
	var stderr bytes.Buffer
	if err := run(context.Background(), []string{"-ring-timeout", "soon"}, nil, &stderr); err == nil {
		t.Fatal("run accepted -ring-timeout soon")
	}
	if err := run(context.Background(), []string{"-ring-timeout", "0s", "-addr", "127.0.0.1:0"}, nil, &stderr); err == nil {
		t.Fatal("run accepted a zero ring timeout")
	}
}

var _ http.Handler = (*host.Server)(nil)
