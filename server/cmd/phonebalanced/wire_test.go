package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/server/api"
	"github.com/phonebalance/phonebalance/server/core"
	"github.com/phonebalance/phonebalance/server/telephony"
)

// lines is an io.Writer that hands each complete line to a channel.
type lines struct {
	mu  sync.Mutex
	buf strings.Builder
	ch  chan string
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	for {
		s := l.buf.String()
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			return len(p), nil
		}
		select {
		case l.ch <- s[:i]:
		default:
		}
		l.buf.Reset()
		l.buf.WriteString(s[i+1:])
	}
}

// ringRecorder is a Telephony built on the open runtime that records the
// rings it is asked for.
type ringRecorder struct {
	telephony.LogTelephony
	rt    *core.Runtime
	rings chan pb.CallID
}

func (r *ringRecorder) Execute(_ context.Context, ef telephony.Effect) error {
	if ef.Kind == assign.Ring {
		r.rings <- ef.Call
	}
	return nil
}

// The places where other parts plug in: a Telephony built on the open
// runtime, handlers behind the authentication and before it, a login
// redirect, and a background part that runs until shutdown.
func TestOptionsPlugIn(t *testing.T) {
	rec := &ringRecorder{rings: make(chan pb.CallID, 8)}
	bgStopped := make(chan error, 1)
	opts := Options{
		Telephony: func(rt *core.Runtime) (telephony.Telephony, error) {
			rec.rt = rt
			return rec, nil
		},
		Extra: func(rt *core.Runtime, auth *api.Authenticator) (map[string]http.Handler, error) {
			return map[string]http.Handler{"GET /{$}": http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				_, _ = io.WriteString(w, "page")
			})}, nil
		},
		Public: func(rt *core.Runtime, auth *api.Authenticator) (map[string]http.Handler, error) {
			return map[string]http.Handler{"GET /login": http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				_, _ = io.WriteString(w, "login")
			})}, nil
		},
		LoginPath: "/login",
		Background: []func(ctx context.Context, rt *core.Runtime) error{func(ctx context.Context, _ *core.Runtime) error {
			<-ctx.Done()
			bgStopped <- ctx.Err()
			return ctx.Err()
		}},
	}
	out := &lines{ch: make(chan string, 64)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-data", t.TempDir(), "-http", "127.0.0.1:0", "-demo", "-demo-rate", "0"}, out,
			func(k string) string { return map[string]string{"PHONEBALANCE_TOKEN": testToken}[k] }, fixed(opts))
	}()
	var addr string
	deadline := time.After(30 * time.Second)
	for addr == "" {
		select {
		case l := <-out.ch:
			addr, _ = strings.CutPrefix(l, "phonebalanced listening on http://")
		case err := <-done:
			t.Fatalf("run returned %v", err)
		case <-deadline:
			t.Fatal("run did not listen")
		}
	}
	if body := must(t, addr, "GET", "/", "", http.StatusOK, nil); body != "page" {
		t.Fatalf("extra handler: %q", body)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get("http://" + addr + "/login")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "login" {
		t.Fatalf("public handler: %q", b)
	}
	must(t, addr, "POST", "/v1/workspaces/default/calls", `{"id":"call-1","team":"support"}`, http.StatusCreated, nil)
	select {
	case call := <-rec.rings:
		if call != "call-1" || rec.rt == nil {
			t.Fatalf("rang %s with runtime %v", call, rec.rt)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the plugged-in telephony never rang")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	if err := <-bgStopped; !errors.Is(err, context.Canceled) {
		t.Fatalf("background part: %v", err)
	}
}

// A background part that stops on its own shuts the server down with its
// error, and a shutdown waits only for the parts still running: it once
// waited for the stopped part's result a second time and hung, which a
// SIGTERM also triggered whenever a part saw the cancel before run did.
func TestBackgroundPartStopping(t *testing.T) {
	boom := errors.New("background part failed")
	for _, tc := range []struct {
		name string
		part func(ctx context.Context, _ *core.Runtime) error
		want error
	}{
		{"fails at once", func(context.Context, *core.Runtime) error { return boom }, boom},
		{"returns when cancelled", func(ctx context.Context, _ *core.Runtime) error {
			<-ctx.Done()
			return ctx.Err()
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := Options{Background: []func(ctx context.Context, rt *core.Runtime) error{
				tc.part,
				func(ctx context.Context, _ *core.Runtime) error { <-ctx.Done(); return ctx.Err() },
			}}
			out := &lines{ch: make(chan string, 64)}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() {
				done <- run(ctx, []string{"-data", t.TempDir(), "-http", "127.0.0.1:0"}, out,
					func(k string) string { return map[string]string{"PHONEBALANCE_TOKEN": testToken}[k] }, fixed(opts))
			}()
			if tc.want == nil {
				waitListening(t, out, done)
				cancel() // as a SIGTERM does
			}
			select {
			case err := <-done:
				if !errors.Is(err, tc.want) && !(tc.want == nil && err == nil) {
					t.Fatalf("run returned %v, want %v", err, tc.want)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("run did not return: shutdown waits for a part that already stopped")
			}
		})
	}
}

// waitListening waits for run's banner, failing if run returns first.
func waitListening(t *testing.T, out *lines, done <-chan error) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case l := <-out.ch:
			if strings.HasPrefix(l, "phonebalanced listening on http://") {
				return
			}
		case err := <-done:
			t.Fatalf("run returned before listening: %v", err)
		case <-deadline:
			t.Fatal("no banner")
		}
	}
}
