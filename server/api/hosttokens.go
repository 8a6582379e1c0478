package api

import (
	"github.com/phonebalance/phonebalance/server/core"
	"github.com/phonebalance/phonebalance/server/httpedge"
)

// HostVerifier returns the check of every workspace's host token: the
// server's configured token (auth, the host of core.DefaultWorkspace) and
// the tokens of the workspaces created through POST /v1/workspaces (see
// core.Runtime.VerifyToken), each yielding Principal{Role: RoleHost,
// Workspace: its workspace}. The API authenticates with it (and the admin
// token); the wallboard's login form checks a token with it. Safe for
// concurrent use; it never waits on the network.
func HostVerifier(rt *core.Runtime, auth *Authenticator) httpedge.Verifier {
	return httpedge.Verifiers{auth, workspaceTokens{rt}}
}

// workspaceTokens verifies the created workspaces' host tokens.
type workspaceTokens struct{ rt *core.Runtime }

// Verify implements httpedge.Verifier.
func (v workspaceTokens) Verify(secret string) (httpedge.Principal, bool) {
	ws, ok := v.rt.VerifyToken(secret)
	if !ok {
		return httpedge.Principal{}, false
	}
	return httpedge.Principal{Name: "token", Role: httpedge.RoleHost, Workspace: string(ws)}, true
}
