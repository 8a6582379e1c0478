package main

import (
	"context"
	"log/slog"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/api"
	"github.com/phonebalance/phonebalance/server/core"
	"github.com/phonebalance/phonebalance/server/dashboard"
	"github.com/phonebalance/phonebalance/server/httpedge"
)

// newBoards returns the wallboard of every workspace of rt: the login
// form takes any workspace's host token (api.HostVerifier, which the
// API's authentication uses too, so the cookie it sets authenticates),
// and a workspace's board is built on the first request of its host or
// one of its supervisors (workspaceBoard). Close the result at shutdown:
// it stops every board and its notifications.
func newBoards(rt *core.Runtime, auth *api.Authenticator, logger *slog.Logger, secureCookie bool) (*dashboard.Boards, error) {
	verifier := api.HostVerifier(rt, auth)
	return dashboard.NewBoards(dashboard.BoardsConfig{
		Verifier: verifier, SecureCookie: secureCookie,
		Board: func(ws string) (*dashboard.Server, func(), error) {
			return workspaceBoard(rt, replica.WorkspaceID(ws), verifier, logger, secureCookie)
		},
	})
}

// workspaceBoard builds workspace ws's dashboard: it reads the
// workspace's engine, metrics, staffing advice and events, submits the
// page's channel changes to it after the API's precheck (so a command
// that cannot apply makes no log entry), and is notified by the
// workspace's subscription (its own entries only, and snapshots) until
// stop, which returns once the notifying goroutine has. An unknown
// workspace is ErrWorkspaceNotFound (404).
func workspaceBoard(rt *core.Runtime, ws replica.WorkspaceID, verifier httpedge.Verifier, logger *slog.Logger,
	secureCookie bool) (*dashboard.Server, func(), error) {
	w, err := api.WorkspaceOf(rt, string(ws))
	if err != nil {
		return nil, nil, err
	}
	src, err := dashboard.NewSource(dashboard.Parts{
		Now: rt.Now, View: w.View, WithCollector: w.WithCollector, Advice: w.Advice,
	})
	if err != nil {
		return nil, nil, err
	}
	dash, err := dashboard.New(dashboard.Config{
		Workspace:    string(ws),
		Source:       src,
		Submit:       func(ctx context.Context, cmd assign.Command) error { return api.Submit(ctx, w, cmd) },
		Timeline:     dashboard.TimelineFunc(w.Timeline),
		Explain:      dashboard.ExplainFunc(w.View),
		Verifier:     verifier,
		SecureCookie: secureCookie,
		Logger:       logger.With("workspace", string(ws)),
	})
	if err != nil {
		return nil, nil, err
	}
	sub := w.Subscribe(256)
	done := make(chan struct{})
	go func() {
		defer close(done)
		dash.Notify(0)
		for b := range sub.C() { // closed by stop, or when the runtime closes
			dash.Notify(b.Index)
		}
	}()
	return dash, func() { sub.Close(); <-done }, nil
}
