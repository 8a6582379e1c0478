package telephony_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/telephony"
)

// refusing is a one-workspace telephony that records what reaches it and
// refuses every effect, as the SIP gateway refuses another workspace's.
type refusing struct {
	executed   []replica.WorkspaceID
	reconciled []replica.WorkspaceID
}

func (r *refusing) Execute(_ context.Context, ef telephony.Effect) error {
	r.executed = append(r.executed, ef.Workspace)
	return telephony.ErrUnknownEffect
}

func (r *refusing) Reconcile(_ context.Context, ws replica.WorkspaceID, _ []telephony.Ring) error {
	r.reconciled = append(r.reconciled, ws)
	return nil
}

// OnlyWorkspace hands its workspace's effects and reconciliation to the
// telephony and lets every other workspace's succeed without reaching it.
func TestOnlyWorkspace(t *testing.T) {
	inner := &refusing{}
	tel := telephony.OnlyWorkspace("default", inner, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx := context.Background()
	ring := assign.Effect{Kind: assign.Ring, Call: "c1", Teammate: "ana"}
	if err := tel.Execute(ctx, telephony.Effect{Effect: ring, Workspace: "acme"}); err != nil {
		t.Fatalf("another workspace's ring: %v", err)
	}
	if err := tel.Execute(ctx, telephony.Effect{Effect: ring, Workspace: "default"}); err == nil {
		t.Fatal("the workspace's ring did not reach its telephony")
	}
	if err := tel.Reconcile(ctx, "acme", nil); err != nil {
		t.Fatal(err)
	}
	if err := tel.Reconcile(ctx, "default", nil); err != nil {
		t.Fatal(err)
	}
	if len(inner.executed) != 1 || inner.executed[0] != "default" || len(inner.reconciled) != 1 || inner.reconciled[0] != "default" {
		t.Fatalf("reached the telephony: executed %v, reconciled %v", inner.executed, inner.reconciled)
	}
}
