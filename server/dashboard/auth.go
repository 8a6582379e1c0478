package dashboard

import (
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/phonebalance/phonebalance/server/httpedge"
)

// CookieName is the login cookie (httpedge.CookieName): HttpOnly,
// SameSite=Strict, Path=/. The server's authentication accepts it as well
// as an Authorization: Bearer header.
const CookieName = httpedge.CookieName

// front is the wallboard's public part, the same for every workspace:
// the login form, its post, the logout and the static assets, none of
// which holds a workspace's data. A [Server] has one, and [Boards] one
// for all its boards. It holds no mutable state: safe for concurrent use.
type front struct {
	verifier httpedge.Verifier
	maxAge   time.Duration
	secure   bool
	files    fs.FS
	static   http.Handler
}

// newFront returns the public part checking login tokens with v.
func newFront(v httpedge.Verifier, maxAge time.Duration, secure bool) (*front, error) {
	sub, err := fs.Sub(webFS, "web")
	if err != nil {
		return nil, err
	}
	return &front{verifier: v, maxAge: maxAge, secure: secure, files: sub,
		static: http.StripPrefix("/dashboard/static/", http.FileServerFS(sub))}, nil
}

// publicRoutes are the patterns front serves.
var publicRoutes = []string{"GET /login", "POST /login", "POST /logout", "GET /dashboard/static/"}

// handle registers front's routes on m.
func (f *front) handle(m *http.ServeMux) {
	m.HandleFunc("GET /login", f.getLogin)
	m.HandleFunc("POST /login", f.postLogin)
	m.HandleFunc("POST /logout", f.postLogout)
	m.HandleFunc("GET /dashboard/static/", f.assets)
}

// principal returns who r is: the principal an outer authentication put
// in its context, or else the one its token or cookie authenticates as
// with v (httpedge.Authenticate).
func principal(v httpedge.Verifier, r *http.Request) (httpedge.Principal, error) {
	if p, ok := httpedge.PrincipalFrom(r.Context()); ok {
		return p, nil
	}
	return httpedge.Authenticate(v, r)
}

// mayWatch returns nil when p may see workspace ws's wallboard and act
// on it: the workspace's host or one of its supervisors. Anyone else
// (another workspace's credential, a teammate, the cluster's admin, who
// belongs to no workspace) is refused with httpedge.ErrForbidden (403).
func mayWatch(p httpedge.Principal, ws string) error {
	return httpedge.CheckRole(p, ws, httpedge.RoleHost, httpedge.RoleSupervisor)
}

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in · Inbox dashboard</title><link rel="stylesheet" href="/dashboard/static/style.css"></head>
<body class="login"><main><h1>Inbox dashboard</h1>
<form method="post" action="/login" id="login">
<label for="token">Workspace token</label>
<input type="password" id="token" name="token" autocomplete="current-password" required autofocus>
<button type="submit">Log in</button>
{{if .}}<p class="error" role="alert">{{.}}</p>{{end}}
</form></main></body></html>
`))

func (f *front) loginForm(w http.ResponseWriter, status int, msg string) {
	securityHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = loginPage.Execute(w, msg)
}

func (f *front) getLogin(w http.ResponseWriter, r *http.Request) {
	f.loginForm(w, http.StatusOK, "")
}

// postLogin checks the token and sets the cookie, then sends the browser
// to the page, which shows the workspace the token belongs to. A
// cross-site post never gets here (the same-origin guard refuses it: no
// login CSRF).
func (f *front) postLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, httpedge.MaxFormBody)
	if err := r.ParseForm(); err != nil {
		f.loginForm(w, http.StatusBadRequest, "The form could not be read.")
		return
	}
	tok := r.PostForm.Get("token")
	if _, ok := f.verifier.Verify(tok); tok == "" || !ok {
		f.loginForm(w, http.StatusUnauthorized, "Wrong token.")
		return
	}
	httpedge.SetLoginCookie(w, r, tok, f.maxAge, f.secure)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// postLogout clears the cookie.
func (f *front) postLogout(w http.ResponseWriter, r *http.Request) {
	httpedge.ClearLoginCookie(w, r, f.secure)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (f *front) assets(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/dashboard/static/")
	// No directory listings, and not the page's template (the page is
	// served at / with its workspace).
	if st, err := fs.Stat(f.files, name); err != nil || st.IsDir() || name == "index.html" {
		httpedge.WriteError(w, httpedge.Errorf(httpedge.ErrNotFound, "%s", r.URL.Path))
		return
	}
	securityHeaders(w)
	w.Header().Set("Cache-Control", "no-cache")
	f.static.ServeHTTP(w, r)
}

// securityHeaders keeps the page to its own scripts and styles and out of
// frames.
func securityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; "+
		"connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
}
