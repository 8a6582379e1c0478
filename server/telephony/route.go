package telephony

import (
	"context"
	"log/slog"

	"github.com/phonebalance/phonebalance/replica"
)

// OnlyWorkspace returns a Telephony that carries out workspace ws's
// effects with t and leaves every other workspace's to its host, which
// reads them from the effects stream (GET /v1/workspaces/{ws}/effects):
// they are logged at Debug level (as [LogTelephony] does) and succeed, so
// no ring of another workspace is declined for a telephony that was never
// its. It is for a telephony that serves one workspace (the SIP gateway,
// the demo). The result is a [Reconciler]: ws's reconciliation goes to
// t; another workspace's has nothing to do here. Safe for concurrent use
// if t is.
func OnlyWorkspace(ws replica.WorkspaceID, t Reconciler, logger *slog.Logger) Reconciler {
	return &onlyWorkspace{ws: ws, t: t, others: LogTelephony{Logger: logger}}
}

type onlyWorkspace struct {
	ws     replica.WorkspaceID
	t      Reconciler
	others LogTelephony
}

// Execute implements Telephony.
func (o *onlyWorkspace) Execute(ctx context.Context, ef Effect) error {
	if ef.Workspace != o.ws {
		return o.others.Execute(ctx, ef)
	}
	return o.t.Execute(ctx, ef)
}

// Reconcile implements Reconciler: ws's rings go to t.
func (o *onlyWorkspace) Reconcile(ctx context.Context, ws replica.WorkspaceID, rings []Ring) error {
	if ws != o.ws {
		return nil
	}
	return o.t.Reconcile(ctx, ws, rings)
}
