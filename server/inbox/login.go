package inbox

import (
	"context"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"strings"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/server/httpedge"
)

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Inbox</title><link rel="stylesheet" href="/inbox/static/inbox.css"></head>
<body class="login"><main><h1>Inbox</h1>
<form method="post" action="/login" id="login">
<label for="teammate">Teammate ID</label>
<input id="teammate" name="teammate" autocomplete="username" required autofocus value="{{.Teammate}}">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
</form>
<p class="hint">Supervisors with the server token: <a href="/login">the wallboard's log-in</a>.</p>
</main></body></html>
`))

type loginData struct{ Teammate, Error string }

func (s *Server) loginForm(w http.ResponseWriter, status int, d loginData) {
	securityHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = loginPage.Execute(w, d)
}

func (s *Server) getLogin(w http.ResponseWriter, r *http.Request) {
	s.loginForm(w, http.StatusOK, loginData{})
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

// postLogin signs a teammate in: the form's teammate and password are
// checked against the stored argon2id hash, after the throttles (per
// teammate and per address, only failures count), and a session cookie is
// set. A form without a teammate field goes to next.
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
		id, pw := strings.TrimSpace(r.PostForm.Get("teammate")), r.PostForm.Get("password")
		if err := httpedge.CheckID("teammate", id); err != nil {
			s.loginForm(w, http.StatusBadRequest, loginData{Error: "That is not a teammate ID."})
			return
		}
		addr := clientAddr(r)
		if !s.byMate.allowed(id) || !s.byAddr.allowed(addr) {
			w.Header().Set("Retry-After", "60")
			s.loginForm(w, http.StatusTooManyRequests, loginData{Teammate: id, Error: "Too many failed sign-ins: wait a minute."})
			return
		}
		select {
		case s.hashes <- struct{}{}:
		default:
			w.Header().Set("Retry-After", "1")
			s.loginForm(w, http.StatusServiceUnavailable, loginData{Teammate: id, Error: "The server is busy: try again."})
			return
		}
		role, err := s.creds.Check(id, pw)
		<-s.hashes
		if err != nil {
			s.byMate.failed(id)
			s.byAddr.failed(addr)
			s.loginForm(w, http.StatusUnauthorized, loginData{Teammate: id, Error: "Wrong teammate or password."})
			return
		}
		sid, err := s.sessions.Create(httpedge.Principal{Name: "session:" + id, Role: role, Workspace: s.ws, Teammate: id})
		if err != nil {
			s.loginForm(w, http.StatusInternalServerError, loginData{Error: "No session could be made."})
			return
		}
		httpedge.SetLoginCookie(w, r, sid, s.cfg.SessionTTL, s.cfg.SecureCookie)
		http.Redirect(w, r, "/inbox", http.StatusSeeOther)
	})
}

// postLogout ends the session and clears the cookie.
func (s *Server) postLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(httpedge.CookieName); err == nil {
		s.sessions.End(c.Value)
	}
	httpedge.ClearLoginCookie(w, r, s.cfg.SecureCookie)
	http.Redirect(w, r, "/inbox/login", http.StatusSeeOther)
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

// workspaceTeammate checks the principal may manage credentials in {ws}
// (its host) and returns the {id} of an existing teammate.
func (s *Server) workspaceTeammate(r *http.Request) (string, error) {
	ws := r.PathValue("ws")
	if ws != s.ws {
		return "", httpedge.Errorf(httpedge.ErrWorkspaceNotFound, "%q", ws)
	}
	p, _ := httpedge.PrincipalFrom(r.Context())
	if err := httpedge.CheckRole(p, ws, httpedge.RoleHost); err != nil {
		return "", err
	}
	id := r.PathValue("id")
	if err := httpedge.CheckID("teammate", id); err != nil {
		return "", err
	}
	known := false
	_, _ = s.rt.View(func(e *assign.Engine) { _, known = e.Teammate(pb.TeammateID(id)) })
	if !known {
		return "", fmt.Errorf("%w: %q", assign.ErrUnknownTeammate, id)
	}
	return id, nil
}

// putCredential sets a teammate's password and role. The password is
// hashed here, on the node that received it (the write is forwarded to
// the leader with the password in the body when this node does not
// lead), and only the hash goes into the log. The teammate's sessions on
// this node end.
func (s *Server) putCredential(w http.ResponseWriter, r *http.Request) {
	id, err := s.workspaceTeammate(r)
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
	if err := s.creds.Set(ctx, id, c); err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.EndTeammate(id)
	httpedge.WriteJSON(w, http.StatusOK, CredentialBody{Teammate: id, Role: req.Role})
}

// deleteCredential removes a teammate's credential: they can no longer
// sign in, and their sessions on this node end.
func (s *Server) deleteCredential(w http.ResponseWriter, r *http.Request) {
	id, err := s.workspaceTeammate(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), actionTimeout)
	defer cancel()
	if err := s.creds.Delete(ctx, id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.EndTeammate(id)
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
