package dashboard_test

import (
	"context"
	"net/http"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/server/advice"
	"github.com/phonebalance/phonebalance/server/api"
	"github.com/phonebalance/phonebalance/server/core"
	"github.com/phonebalance/phonebalance/server/dashboard"
)

// The dashboard over a server runtime: the runtime's reads make the
// Source, its Do submits the page's channel changes, the event store gives
// timelines, and every applied entry notifies the dashboard.
func Example() {
	rt, err := core.Open(core.Config{InMemory: true, Engine: assign.DefaultConfig()})
	if err != nil {
		panic(err)
	}
	defer rt.Close()
	auth, err := api.NewAuthenticator("a-token-of-sixteen-bytes")
	if err != nil {
		panic(err)
	}
	tracker, err := advice.New(advice.Config{})
	if err != nil {
		panic(err)
	}
	src, err := dashboard.NewSource(dashboard.Parts{
		Now: rt.Now, View: rt.View, WithCollector: rt.WithCollector, Advice: tracker.Advice,
	})
	if err != nil {
		panic(err)
	}
	dash, err := dashboard.New(dashboard.Config{
		Source: src,
		Submit: func(ctx context.Context, cmd assign.Command) error {
			_, err := rt.Do(ctx, cmd)
			return err
		},
		Timeline:   dashboard.TimelineFunc(rt.Timeline),
		Explain:    dashboard.ExplainFunc(rt.View),
		CheckToken: auth.Valid,
	})
	if err != nil {
		panic(err)
	}
	defer dash.Close()

	sub := rt.Subscribe(64)
	defer sub.Close()
	go func() {
		// The subscription drops batches for a slow reader (b.Gap): the
		// dashboard only needs the nudge; a tracker that must see every
		// event is better fed where the runtime applies them.
		for b := range sub.C() {
			for _, ev := range b.Events {
				tracker.Observe(ev)
			}
			dash.Notify(b.Index)
		}
	}()

	public, protected := dash.Handlers()
	mux := http.NewServeMux()
	for _, routes := range []map[string]http.Handler{public, protected} {
		for pattern, h := range routes {
			mux.Handle(pattern, h)
		}
	}
	_ = mux // serve it, or pass public and protected to api.Config's Public and Extra
}
