package api_test

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/server/api"
	"github.com/phonebalance/phonebalance/server/telephony"
)

// blocked is a Telephony whose Ring hangs until released (or its
// context ends).
type blocked struct {
	entered chan struct{}
	release chan struct{}
}

func (b *blocked) Execute(ctx context.Context, ef telephony.Effect) error {
	if ef.Kind != assign.Ring {
		return nil
	}
	select {
	case b.entered <- struct{}{}:
	default:
	}
	select {
	case <-b.release:
	case <-ctx.Done():
	}
	return nil
}

// A telephony that hangs holds up effects only: commands, the dashboard,
// timelines and /metrics still answer.
func TestBlockedTelephonyBlocksNoRequest(t *testing.T) {
	tel := &blocked{entered: make(chan struct{}, 1), release: make(chan struct{})}
	e := newEnvWith(t, tel, nil, api.Config{})
	defer close(tel.release)
	e.seed()
	e.c.do("POST", "/v1/workspaces/default/calls", `{"id":"call-1","team":"support"}`, http.StatusCreated, nil)
	within(t, tel.entered) // the ring is stuck in the telephony
	e.c.do("POST", "/v1/workspaces/default/calls", `{"id":"call-2","team":"support"}`, http.StatusCreated, nil)
	e.c.do("GET", "/v1/workspaces/default/dashboard", "", http.StatusOK, nil)
	e.c.do("GET", "/v1/workspaces/default/calls/call-1/timeline", "", http.StatusOK, nil)
	e.c.do("GET", "/metrics", "", http.StatusOK, nil)
	e.c.do("POST", "/v1/workspaces/default/calls/call-1/answer", `{"teammate":"ana"}`, http.StatusOK, nil)
}

// Past MaxInFlight requests at once, the next is refused with 503 at
// once instead of queueing.
func TestInFlightLimit(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		entered <- struct{}{}
		<-release
	})
	e := newEnv(t, nil, api.Config{MaxInFlight: 1, Extra: map[string]http.Handler{"GET /slow": slow}})
	done := make(chan int)
	go func() {
		code, _ := e.c.try("GET", "/slow", "")
		done <- code
	}()
	within(t, entered)
	code, body := e.c.try("GET", "/v1/workspaces/default/dashboard", "")
	if code != http.StatusServiceUnavailable {
		t.Fatalf("second request: %d %s", code, body)
	}
	close(release)
	if code := within(t, done); code != http.StatusOK {
		t.Fatalf("first request: %d", code)
	}
	e.c.do("GET", "/v1/workspaces/default/dashboard", "", http.StatusOK, nil)
}

// The HTTP server has every timeout and a header limit.
func TestHTTPServerLimits(t *testing.T) {
	hs := api.NewHTTPServer(http.NotFoundHandler(), nil)
	if hs.ReadHeaderTimeout <= 0 || hs.ReadTimeout <= 0 || hs.WriteTimeout <= 0 || hs.IdleTimeout <= 0 ||
		hs.MaxHeaderBytes <= 0 {
		t.Fatalf("limits: %+v", hs)
	}
}

// within receives from ch, failing the test after 10 s.
func within[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("nothing received within 10 s")
		panic("unreachable")
	}
}

// A client past its rate gets 429 with Retry-After; /healthz is not
// limited.
func TestRateLimitPerClient(t *testing.T) {
	e := newEnv(t, nil, api.Config{RatePerIP: 0.001, RateBurst: 2})
	e.c.do("GET", "/v1/workspaces/default/dashboard", "", http.StatusOK, nil)
	e.c.do("GET", "/v1/workspaces/default/dashboard", "", http.StatusOK, nil)
	code, body := e.c.try("GET", "/v1/workspaces/default/dashboard", "")
	if code != http.StatusTooManyRequests {
		t.Fatalf("third request: %d %s", code, body)
	}
	if code, _ := e.c.raw("GET", "/healthz", "", nil); code != http.StatusOK {
		t.Fatalf("healthz: %d", code)
	}
}

// The listener holds a connection past the limit in the backlog until
// one of the open ones closes.
func TestLimitListener(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := api.LimitListener(inner, 1)
	defer ln.Close()
	a, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	first, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
		close(accepted)
	}()
	b, err := net.Dial("tcp", ln.Addr().String()) // completes in the kernel's backlog
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	select {
	case <-accepted:
		t.Fatal("a second connection was accepted past the limit")
	default:
	}
	first.Close()
	second := within(t, (<-chan net.Conn)(accepted))
	if second == nil {
		t.Fatal("no second connection after the first closed")
	}
	second.Close()
}
