package dashboard

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/metrics"
)

// Handlers covers every route exactly once, with the login form public.
func TestHandlersSplitEveryRoute(t *testing.T) {
	s, _, _, _ := newTestServer(t, Config{})
	public, protected := s.Handlers()
	if len(public)+len(protected) != len(Routes) {
		t.Fatalf("%d public + %d protected routes, want %d", len(public), len(protected), len(Routes))
	}
	for _, p := range Routes {
		_, pub := public[p]
		_, prot := protected[p]
		if pub == prot {
			t.Fatalf("route %q: public %v, protected %v", p, pub, prot)
		}
	}
	for _, p := range []string{"GET /login", "POST /login"} {
		if public[p] == nil {
			t.Fatalf("%s is not public", p)
		}
	}
	for _, p := range []string{"GET /dashboard/events", "POST /dashboard/teammates/{id}/channel"} {
		if protected[p] == nil {
			t.Fatalf("%s is not protected", p)
		}
	}
}

// NewSource needs its parts and shows empty tables while the workspace is
// missing; ExplainFunc answers an unknown call then.
func TestNewSource(t *testing.T) {
	if _, err := NewSource(Parts{}); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("NewSource(Parts{}) = %v", err)
	}
	col, err := metrics.New(metrics.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	none := func(func(*assign.Engine)) (bool, error) { return false, nil }
	src, err := NewSource(Parts{Now: time.Now, View: none, WithCollector: func(fn func(*metrics.Collector)) { fn(col) }})
	if err != nil {
		t.Fatal(err)
	}
	st, err := src.State(context.Background())
	if err != nil || st.Teams == nil || len(st.Teams)+len(st.Teammates)+len(st.Calls) != 0 {
		t.Fatalf("State without a workspace: %+v, %v; want empty tables", st, err)
	}
	if _, err := ExplainFunc(none)(context.Background(), "c1"); !errors.Is(err, assign.ErrUnknownCall) {
		t.Fatalf("Explain without a workspace: %v", err)
	}
}
