package core

import (
	"context"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/replica"
)

// DoIdempotent is [Runtime.Do] for a command sent with an idempotency key
// and the hash of its request (replica.Node.DoIdempotent): the first
// command with the key acts, a retry returns its recorded outcome. Safe
// for concurrent use.
func (r *Runtime) DoIdempotent(ctx context.Context, cmd assign.Command, key, hash string) (assign.Ready, error) {
	rd, err := r.node.DoIdempotent(ctx, Workspace, cmd, key, hash)
	if err != nil {
		return rd, err
	}
	return rd, r.CatchUp(ctx)
}

// Recorded returns the outcome recorded on this node for an idempotency
// key (replica.Node.Recorded). Safe for concurrent use.
func (r *Runtime) Recorded(key, hash string) (replica.Outcome, bool) {
	return r.node.Recorded(Workspace, key, hash)
}
