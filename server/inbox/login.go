package inbox

import (
	"context"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"strings"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/core"
	"github.com/phonebalance/phonebalance/server/httpedge"
)

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Inbox</title><link rel="stylesheet" href="/inbox/static/inbox.css"></head>
<body class="login"><main><h1>Inbox</h1>
<form method="post" action="/login" id="login">
<label for="workspace">Workspace</label>
<input id="workspace" name="workspace" autocomplete="organization" value="{{.Workspace}}" placeholder="default">
<label for="teammate">Teammate ID</label>
<input id="teammate" name="teammate" autocomplete="username" required autofocus value="{{.Teammate}}">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
</form>
<p class="hint">Hosts with their workspace's token: <a href="/login">the wallboard's log-in</a>.</p>
</main></body></html>
`))

// loginData fills the sign-in form: the workspace (core.DefaultWorkspace
// unless the form or ?workspace= said another), the teammate, an error.
type loginData struct{ Workspace, Teammate, Error string }

func (s *Server) loginForm(w http.ResponseWriter, status int, d loginData) {
	if d.Workspace == "" {
		d.Workspace = string(core.DefaultWorkspace)
	}
	securityHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = loginPage.Execute(w, d)
}

// getLogin serves the sign-in form, with the workspace of ?workspace=
// (a link a workspace's host hands its teammates) or the default one.
func (s *Server) getLogin(w http.ResponseWriter, r *http.Request) {
	ws := strings.TrimSpace(r.URL.Query().Get("workspace"))
	if httpedge.CheckID("workspace", ws) != nil {
		ws = ""
	}
	s.loginForm(w, http.StatusOK, loginData{Workspace: ws})
}

// clientAddr is the address a sign-in is throttled by: the connection's
// IP (a proxy in front should be the one throttling its clients).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// postLogin signs a teammate in: the form's workspace (empty or absent:
// core.DefaultWorkspace), teammate and password are checked against the
// argon2id hash stored in that workspace, after the throttles (per
// teammate of a workspace and per address, only failures count), and a
// session cookie is set, whose principal is of that workspace. A form
// without a teammate field goes to next.
func (s *Server) postLogin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, httpedge.MaxFormBody)
		if err := r.ParseForm(); err != nil {
			s.loginForm(w, http.StatusBadRequest, loginData{Error: "The form could not be read."})
			return
		}
		if !r.PostForm.Has("teammate") {
			if next == nil {
				s.loginForm(w, http.StatusBadRequest, loginData{Error: "Give a teammate ID."})
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		ws := strings.TrimSpace(r.PostForm.Get("workspace"))
		if ws == "" {
			ws = string(core.DefaultWorkspace)
		}
		if err := httpedge.CheckID("workspace", ws); err != nil {
			s.loginForm(w, http.StatusBadRequest, loginData{Error: "That is not a workspace ID."})
			return
		}
		id, pw := strings.TrimSpace(r.PostForm.Get("teammate")), r.PostForm.Get("password")
		d := loginData{Workspace: ws, Teammate: id}
		if err := httpedge.CheckID("teammate", id); err != nil {
			d.Teammate, d.Error = "", "That is not a teammate ID."
			s.loginForm(w, http.StatusBadRequest, d)
			return
		}
		// A teammate ID is a workspace's own; a workspace ID holds no "/"
		// (CheckID), so the key names one teammate of one workspace.
		who, addr := ws+"/"+id, clientAddr(r)
		if !s.byMate.allowed(who) || !s.byAddr.allowed(addr) {
			w.Header().Set("Retry-After", "60")
			d.Error = "Too many failed sign-ins: wait a minute."
			s.loginForm(w, http.StatusTooManyRequests, d)
			return
		}
		select {
		case s.hashes <- struct{}{}:
		default:
			w.Header().Set("Retry-After", "1")
			d.Error = "The server is busy: try again."
			s.loginForm(w, http.StatusServiceUnavailable, d)
			return
		}
		role, err := s.check(replica.WorkspaceID(ws), id, pw)
		<-s.hashes
		if err != nil {
			s.byMate.failed(who)
			s.byAddr.failed(addr)
			d.Error = "Wrong workspace, teammate or password."
			s.loginForm(w, http.StatusUnauthorized, d)
			return
		}
		sid, err := s.sessions.Create(httpedge.Principal{Name: "session:" + id, Role: role, Workspace: ws, Teammate: id})
		if err != nil {
			d.Error = "No session could be made."
			s.loginForm(w, http.StatusInternalServerError, d)
			return
		}
		httpedge.SetLoginCookie(w, r, sid, s.cfg.SessionTTL, s.cfg.SecureCookie)
		http.Redirect(w, r, "/inbox", http.StatusSeeOther)
	})
}

// check returns the role of teammate id of workspace ws when pw is their
// password, or ErrWrongPassword, in one argon2id hash whether or not the
// workspace and the teammate exist.
func (s *Server) check(ws replica.WorkspaceID, id, pw string) (httpedge.Role, error) {
	if _, err := s.rt.Workspace(ws); err != nil {
		dummy().Matches(pw)
		return 0, ErrWrongPassword
	}
	return s.Credentials(ws).Check(id, pw)
}

// postLogout ends the session and clears the cookie, and sends the
// browser to the sign-in form of the session's workspace.
func (s *Server) postLogout(w http.ResponseWriter, r *http.Request) {
	to := "/inbox/login"
	if c, err := r.Cookie(httpedge.CookieName); err == nil {
		if p, ok := s.sessions.Verify(c.Value); ok && p.Workspace != string(core.DefaultWorkspace) {
			to += "?workspace=" + url.QueryEscape(p.Workspace)
		}
		s.sessions.End(c.Value)
	}
	httpedge.ClearLoginCookie(w, r, s.cfg.SecureCookie)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// CredentialRequest is the body of PUT
// /v1/workspaces/{ws}/teammates/{id}/credential.
type CredentialRequest struct {
	// Password is the teammate's new password, 10 to 256 bytes.
	Password string `json:"password"`
	// Role is "teammate" (the default) or "supervisor".
	Role string `json:"role,omitempty"`
}

// CredentialBody answers a credential change.
type CredentialBody struct {
	Teammate string `json:"teammate"`
	Role     string `json:"role,omitempty"`
	Deleted  bool   `json:"deleted,omitempty"`
}

// workspaceTeammate resolves {ws} (404 workspace_not_found if this node
// has no such workspace), checks the principal is its host (403
// otherwise: another workspace's host, an admin, a session), and returns
// the workspace and the {id} of one of its teammates.
func (s *Server) workspaceTeammate(r *http.Request) (*core.Workspace, string, error) {
	ws := r.PathValue("ws")
	w, err := s.workspace(ws)
	if err != nil {
		return nil, "", err
	}
	p, _ := httpedge.PrincipalFrom(r.Context())
	if err := httpedge.CheckRole(p, ws, httpedge.RoleHost); err != nil {
		return nil, "", err
	}
	id := r.PathValue("id")
	if err := httpedge.CheckID("teammate", id); err != nil {
		return nil, "", err
	}
	known := false
	_, _ = w.View(func(e *assign.Engine) { _, known = e.Teammate(pb.TeammateID(id)) })
	if !known {
		return nil, "", fmt.Errorf("%w: %q", assign.ErrUnknownTeammate, id)
	}
	return w, id, nil
}

// putCredential sets a teammate's password and role. The password is
// hashed here, on the node that received it (the write is forwarded to
// the leader with the password in the body when this node does not
// lead), and only the hash goes into the log. The teammate's sessions on
// this node end.
func (s *Server) putCredential(w http.ResponseWriter, r *http.Request) {
	ws, id, err := s.workspaceTeammate(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var req CredentialRequest
	if err := httpedge.DecodeJSON(w, r, &req, false); err != nil {
		s.fail(w, r, err)
		return
	}
	if req.Role == "" {
		req.Role = "teammate"
	}
	select {
	case s.hashes <- struct{}{}:
	default:
		s.fail(w, r, httpedge.ErrBusy)
		return
	}
	c, err := NewCredential(req.Role, req.Password)
	<-s.hashes
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), actionTimeout)
	defer cancel()
	if err := s.Credentials(ws.ID()).Set(ctx, id, c); err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.EndTeammate(ws.ID(), id)
	httpedge.WriteJSON(w, http.StatusOK, CredentialBody{Teammate: id, Role: req.Role})
}

// deleteCredential removes a teammate's credential: they can no longer
// sign in, and their sessions on this node end.
func (s *Server) deleteCredential(w http.ResponseWriter, r *http.Request) {
	ws, id, err := s.workspaceTeammate(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), actionTimeout)
	defer cancel()
	if err := s.Credentials(ws.ID()).Delete(ctx, id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.EndTeammate(ws.ID(), id)
	httpedge.WriteJSON(w, http.StatusOK, CredentialBody{Teammate: id, Deleted: true})
}

// securityHeaders keeps the page to its own scripts and styles and out of
// frames (the dashboard's policy).
func securityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; "+
		"connect-src 'self'; img-src 'self'; media-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
}

func (s *Server) servePage(w http.ResponseWriter, r *http.Request) {
	p, _ := httpedge.PrincipalFrom(r.Context())
	if p.Teammate == "" {
		s.fail(w, r, httpedge.Errorf(httpedge.ErrForbidden, "the inbox is a teammate's: sign in as one"))
		return
	}
	securityHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(s.page)
}

func (s *Server) assets(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/inbox/static/")
	if name == "" || name == "index.html" || strings.HasSuffix(name, "/") {
		httpedge.WriteError(w, httpedge.Errorf(httpedge.ErrNotFound, "%s", r.URL.Path))
		return
	}
	securityHeaders(w)
	w.Header().Set("Cache-Control", "no-cache")
	s.static.ServeHTTP(w, r)
}
