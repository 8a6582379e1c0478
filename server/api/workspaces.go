package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/phonebalance/phonebalance/assign"

	"github.com/phonebalance/phonebalance/client"
	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/core"
	"github.com/phonebalance/phonebalance/server/httpedge"
)

// The workspace registry's wire types (package client).
type (
	WorkspaceRequest = client.WorkspaceRequest
	WorkspaceBody    = client.Workspace
	WorkspaceList    = client.WorkspaceList
)

// workspaceRoutes registers the admin's routes of the workspace registry.
// A workspace's host may read its own record; creating, listing and
// rotating tokens are the admin's.
func (s *Server) workspaceRoutes(m *http.ServeMux) {
	m.Handle("POST /v1/workspaces", httpedge.RequireRole(http.HandlerFunc(s.createWorkspace), httpedge.RoleAdmin))
	m.Handle("GET /v1/workspaces", httpedge.RequireRole(http.HandlerFunc(s.listWorkspaces), httpedge.RoleAdmin))
	m.Handle("GET /v1/workspaces/{ws}", httpedge.RequireRole(http.HandlerFunc(s.getWorkspace), httpedge.RoleAdmin, httpedge.RoleHost))
	m.Handle("POST /v1/workspaces/{ws}/token", httpedge.RequireRole(http.HandlerFunc(s.rotateToken), httpedge.RoleAdmin))
}

// workspaceBody describes workspace id from this node's registry.
func (s *Server) workspaceBody(id replica.WorkspaceID) WorkspaceBody {
	b := WorkspaceBody{ID: string(id)}
	if rec, ok := s.rt.Record(id); ok {
		b.Created = rec.Created
	}
	return b
}

// newWorkspaceConfig returns base with the settings of a new workspace's
// request, checked as the engine checks them.
func newWorkspaceConfig(req client.NewWorkspaceSettings, base assign.Config) (assign.Config, error) {
	ms := func(v *int64, d *time.Duration) {
		if v != nil {
			*d = httpedge.FromMillis(*v)
		}
	}
	ms(req.RingTimeoutMS, &base.RingTimeout)
	ms(req.ExclusionPeriodMS, &base.ExclusionPeriod)
	ms(req.WrapUpMS, &base.WrapUp)
	ms(req.EndedCallRetentionMS, &base.EndedCallRetention)
	for _, b := range []struct {
		v *bool
		d *bool
	}{{req.AutoAnswer, &base.AutoAnswer}, {req.TestWorkspace, &base.TestWorkspace}, {req.ShowTeamComposition, &base.ShowTeamComposition}} {
		if b.v != nil {
			*b.d = *b.v
		}
	}
	if req.CallLimit != nil {
		base.CallLimit = *req.CallLimit
	}
	if req.Hours != nil {
		h, err := hoursBody(*req.Hours).hours()
		if err != nil {
			return base, err
		}
		base.Hours = h
	}
	return base, base.Validate()
}

// WorkspaceOf returns workspace id of rt, or, if this node has no such
// workspace (not created, or not replicated here yet), an error the edge
// answers 404 workspace_not_found. It is how every route (the API's, the
// wallboard's, the inbox's) resolves a workspace. Safe for concurrent use.
func WorkspaceOf(rt *core.Runtime, id string) (*core.Workspace, error) {
	w, err := rt.Workspace(replica.WorkspaceID(id))
	if err != nil {
		return nil, httpedge.Errorf(httpedge.ErrWorkspaceNotFound, "%q", id)
	}
	return w, nil
}

// workspaceErr maps the registry's errors to the edge's table.
func workspaceErr(err error) error {
	switch {
	case errors.Is(err, core.ErrWorkspaceNotFound):
		return httpedge.Errorf(httpedge.ErrWorkspaceNotFound, "%v", err)
	case errors.Is(err, core.ErrWorkspaceExists):
		return httpedge.Errorf(httpedge.ErrWorkspaceExists, "%v", err)
	}
	return err
}

// POST /v1/workspaces (admin): creates a workspace, with the settings
// the body gives over the server's, answering 201 with its host token,
// shown only in this answer. 409 workspace_exists for an ID taken
// (default included), 400 invalid_argument for an invalid one, 400
// invalid_config for settings the engine refuses.
func (s *Server) createWorkspace(w http.ResponseWriter, r *http.Request) {
	var req WorkspaceRequest
	if err := decode(w, r, &req, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	var engine *assign.Config
	if req.Settings != nil {
		cfg, err := newWorkspaceConfig(*req.Settings, s.rt.EngineConfig())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		engine = &cfg
	}
	s.issueToken(w, r, replica.WorkspaceID(req.ID), http.StatusCreated, "workspace created",
		func(ctx context.Context, id replica.WorkspaceID) (string, error) {
			return s.rt.CreateWorkspace(ctx, id, engine)
		})
}

// issueToken runs issue (a creation or a rotation) with the server's
// deadline and answers status with the workspace and its new host token,
// logging what, or answers the error.
func (s *Server) issueToken(w http.ResponseWriter, r *http.Request, id replica.WorkspaceID, status int, what string,
	issue func(ctx context.Context, id replica.WorkspaceID) (string, error)) {
	ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
	defer cancel()
	token, err := issue(ctx, id)
	if err != nil {
		if !s.answerNotLeader(w, r, err) {
			s.writeError(w, r, workspaceErr(err))
		}
		return
	}
	s.logger.InfoContext(r.Context(), what, "workspace", id)
	b := s.workspaceBody(id)
	b.HostToken = token
	writeJSON(w, status, b)
}

// GET /v1/workspaces (admin): every workspace on this node's registry.
func (s *Server) listWorkspaces(w http.ResponseWriter, r *http.Request) {
	ids := s.rt.Workspaces()
	l := WorkspaceList{Workspaces: make([]WorkspaceBody, 0, len(ids))}
	for _, id := range ids {
		l.Workspaces = append(l.Workspaces, s.workspaceBody(id))
	}
	writeJSON(w, http.StatusOK, l)
}

// GET /v1/workspaces/{ws} (admin, or the workspace's host): the
// workspace's record. A host asking for another workspace gets 403.
func (s *Server) getWorkspace(w http.ResponseWriter, r *http.Request) {
	ws := r.PathValue("ws")
	if p, _ := httpedge.PrincipalFrom(r.Context()); p.Role != httpedge.RoleAdmin {
		if err := httpedge.CheckRole(p, ws, httpedge.RoleHost); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if _, err := s.rt.Workspace(replica.WorkspaceID(ws)); err != nil {
		s.writeError(w, r, workspaceErr(err))
		return
	}
	writeJSON(w, http.StatusOK, s.workspaceBody(replica.WorkspaceID(ws)))
}

// POST /v1/workspaces/{ws}/token (admin): a new host token for the
// workspace, shown only in this answer; the old one stops working. The
// default workspace's token is the server's -token: 404.
func (s *Server) rotateToken(w http.ResponseWriter, r *http.Request) {
	s.issueToken(w, r, replica.WorkspaceID(r.PathValue("ws")), http.StatusOK, "workspace host token rotated", s.rt.RotateToken)
}
