package dashboard_test

import (
	"context"
	"fmt"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/core"
	"github.com/phonebalance/phonebalance/server/dashboard"
	"github.com/phonebalance/phonebalance/server/httpedge"
)

// The wallboards over a server runtime, one per workspace, built when a
// workspace's host or supervisor first opens theirs: the workspace's
// reads make the Source, its Do submits the page's channel changes, its
// event store gives timelines, and its applied entries notify the board.
func Example() {
	rt, err := core.Open(core.Config{InMemory: true, Engine: assign.DefaultConfig()})
	if err != nil {
		panic(err)
	}
	defer rt.Close()
	// The server's token, the default workspace's host; a server checks
	// every workspace's host token with api.HostVerifier(rt, auth).
	verifier, err := httpedge.NewToken("a-token-of-sixteen-bytes")
	if err != nil {
		panic(err)
	}
	boards, err := dashboard.NewBoards(dashboard.BoardsConfig{
		Verifier: verifier,
		Board: func(ws string) (*dashboard.Server, func(), error) {
			w, err := rt.Workspace(replica.WorkspaceID(ws))
			if err != nil {
				return nil, nil, httpedge.Errorf(httpedge.ErrWorkspaceNotFound, "%q", ws)
			}
			src, err := dashboard.NewSource(dashboard.Parts{
				Now: rt.Now, View: w.View, WithCollector: w.WithCollector, Advice: w.Advice,
			})
			if err != nil {
				return nil, nil, err
			}
			dash, err := dashboard.New(dashboard.Config{
				Workspace: ws,
				Source:    src,
				Submit: func(ctx context.Context, cmd assign.Command) error {
					_, err := w.Do(ctx, cmd) // a server runs api.Precheck(w, cmd) first
					return err
				},
				Timeline: dashboard.TimelineFunc(w.Timeline),
				Explain:  dashboard.ExplainFunc(w.View),
				Verifier: verifier,
			})
			if err != nil {
				return nil, nil, err
			}
			// The subscription drops batches for a slow reader (b.Gap):
			// the board only needs the nudge.
			sub := w.Subscribe(64)
			done := make(chan struct{})
			go func() {
				defer close(done)
				for b := range sub.C() {
					dash.Notify(b.Index)
				}
			}()
			return dash, func() { sub.Close(); <-done }, nil
		},
	})
	if err != nil {
		panic(err)
	}
	defer boards.Close()

	public, protected := boards.Handlers() // pass them to api.Config's Public and Extra
	board, err := boards.Board("default")
	fmt.Println(len(public), len(protected), board.Workspace(), err)
	// Output: 4 5 default <nil>
}
