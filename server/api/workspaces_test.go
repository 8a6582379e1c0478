package api_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/phonebalance/phonebalance/server/api"
)

// workspaceOps returns every operation of the OpenAPI document under
// /v1/workspaces/{ws}/, with {ws} left in the path and every other path
// parameter filled with an ID that exists in both test workspaces.
func workspaceOps(t *testing.T) [][2]string {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	fill := strings.NewReplacer("{id}", "ana", "{team}", "support", "{file}", "x.wav")
	var ops [][2]string
	for path, item := range doc.Paths.Map() {
		if !strings.HasPrefix(path, "/v1/workspaces/{ws}/") || path == "/v1/workspaces/{ws}/token" { // the registry's
			continue
		}
		for method := range item.Operations() {
			ops = append(ops, [2]string{method, fill.Replace(path)})
		}
	}
	slices.SortFunc(ops, func(a, b [2]string) int { return strings.Compare(a[1]+a[0], b[1]+b[0]) })
	return ops
}

// A workspace's host token reaches its own workspace and no other, on
// every route of the document: another workspace's routes answer 403
// "forbidden" whether that workspace exists or not, and the refusal
// writes nothing to the log; the admin token reaches none of them. The
// workspace registry's routes are the admin's.
func TestWorkspaceCredentialsStayInTheirWorkspace(t *testing.T) {
	e := newEnv(t, nil, api.Config{AdminToken: adminToken})
	e.seed()
	admin := client{t: t, base: e.ts.URL, token: adminToken}
	var acme api.WorkspaceBody
	admin.do("POST", "/v1/workspaces", `{"id":"acme"}`, http.StatusCreated, &acme)
	if acme.ID != "acme" || acme.HostToken == "" || acme.Created.IsZero() {
		t.Fatalf("created %+v", acme)
	}
	ac := client{t: t, base: e.ts.URL, token: acme.HostToken}
	// acme gets the same IDs as default: a leak would find them.
	ac.do("POST", "/v1/workspaces/acme/teams", `{"id":"support","name":"Acme"}`, http.StatusCreated, nil)
	ac.do("POST", "/v1/workspaces/acme/teammates", `{"id":"ana","name":"Other Ana"}`, http.StatusCreated, nil)
	ac.do("GET", "/v1/workspaces/acme/teammates/ana", "", http.StatusOK, nil)

	ops := workspaceOps(t)
	if len(ops) < 40 {
		t.Fatalf("only %d workspace operations in the document", len(ops))
	}
	for _, st := range []struct {
		who  string
		c    client
		ws   string
		code string
	}{
		{"default's host", e.c, "acme", "forbidden"},
		{"acme's host", ac, "default", "forbidden"},
		{"acme's host", ac, "nope", "forbidden"},
		{"the admin", admin, "acme", "forbidden"},
		{"the admin", admin, "default", "forbidden"},
	} {
		for _, op := range ops {
			path := strings.Replace(op[1], "{ws}", st.ws, 1)
			before := e.rt.Node().AppliedIndex()
			status, body := st.c.try(op[0], path, `{}`)
			var eb api.ErrorBody
			_ = json.Unmarshal([]byte(body), &eb)
			if status != http.StatusForbidden || eb.Code != st.code {
				t.Errorf("%s: %s %s: %d %q, want 403 %q", st.who, op[0], path, status, eb.Code, st.code)
			}
			if after := e.rt.Node().AppliedIndex(); after != before {
				t.Errorf("%s: %s %s wrote to the log", st.who, op[0], path)
			}
		}
	}
	// Each host still reads its own ana, and only its own.
	var tm struct{ Name string }
	ac.do("GET", "/v1/workspaces/acme/teammates/ana", "", http.StatusOK, &tm)
	equal(t, "acme's ana", tm.Name, "Other Ana")
	e.c.do("GET", "/v1/workspaces/default/teammates/ana", "", http.StatusOK, &tm)
	equal(t, "default's ana", tm.Name, "Ana")

	// The registry: the admin's; a host reads its own record only.
	for _, st := range []struct {
		c            client
		method, path string
		body         string
		status       int
	}{
		{e.c, "POST", "/v1/workspaces", `{"id":"evil"}`, 403},
		{ac, "POST", "/v1/workspaces", `{"id":"evil"}`, 403},
		{ac, "GET", "/v1/workspaces", ``, 403},
		{ac, "POST", "/v1/workspaces/acme/token", ``, 403},
		{e.c, "POST", "/v1/workspaces/acme/token", ``, 403},
		{ac, "GET", "/v1/workspaces/default", ``, 403},
		{e.c, "GET", "/v1/workspaces/acme", ``, 403},
		{ac, "GET", "/v1/workspaces/acme", ``, 200},
		{admin, "GET", "/v1/workspaces/acme", ``, 200},
		{admin, "GET", "/v1/workspaces/nope", ``, 404},
		{admin, "POST", "/v1/workspaces", `{"id":"acme"}`, 409},
		{admin, "POST", "/v1/workspaces", `{"id":"default"}`, 409},
		{admin, "POST", "/v1/workspaces", `{"id":"Bad_ID"}`, 400},
		{admin, "POST", "/v1/workspaces", `{"id":"x","extra":1}`, 400},
		{admin, "POST", "/v1/workspaces/default/token", ``, 404},
	} {
		before := e.rt.Node().AppliedIndex()
		if status, body := st.c.try(st.method, st.path, st.body); status != st.status {
			t.Errorf("%s %s %s: %d %s, want %d", st.method, st.path, st.body, status, body, st.status)
		}
		if st.status >= 400 && e.rt.Node().AppliedIndex() != before {
			t.Errorf("%s %s wrote to the log", st.method, st.path)
		}
	}
	// /metrics: a host scrapes its own workspace's series only; the
	// admin, the operator, every workspace's and the node's.
	for _, st := range []struct {
		c         client
		want, not []string
	}{
		{ac, []string{`team="support",workspace="acme"`}, []string{`workspace="default"`, "go_goroutines"}},
		{e.c, []string{`team="support",workspace="default"`}, []string{`workspace="acme"`, "go_goroutines"}},
		{admin, []string{`workspace="acme"`, `workspace="default"`, "go_goroutines"}, nil},
	} {
		text := st.c.do("GET", "/metrics", "", http.StatusOK, nil)
		for _, w := range st.want {
			if !strings.Contains(text, w) {
				t.Errorf("/metrics of %s lacks %s", st.c.token[:4], w)
			}
		}
		for _, w := range st.not {
			if strings.Contains(text, w) {
				t.Errorf("/metrics of %s shows %s", st.c.token[:4], w)
			}
		}
	}
	var list api.WorkspaceList
	admin.do("GET", "/v1/workspaces", "", http.StatusOK, &list)
	if len(list.Workspaces) != 2 || list.Workspaces[0].ID != "default" || list.Workspaces[1].ID != "acme" || list.Workspaces[1].HostToken != "" {
		t.Fatalf("workspaces %+v", list)
	}
	// A rotated token stops working at once; the new one works.
	var rotated api.WorkspaceBody
	admin.do("POST", "/v1/workspaces/acme/token", "", http.StatusOK, &rotated)
	if status, _ := ac.try("GET", "/v1/workspaces/acme/teams", ""); status != http.StatusUnauthorized {
		t.Errorf("the rotated token: %d, want 401", status)
	}
	ac.token = rotated.HostToken
	ac.do("GET", "/v1/workspaces/acme/teams", "", http.StatusOK, nil)
}

// A workspace is created with its own settings over the server's; they
// are its settings before and after its first command, and another
// workspace keeps the server's. Settings the engine refuses create
// nothing.
func TestWorkspaceCreatedWithItsSettings(t *testing.T) {
	e := newEnv(t, nil, api.Config{AdminToken: adminToken})
	admin := client{t: t, base: e.ts.URL, token: adminToken}
	for _, body := range []string{
		`{"id":"bad","settings":{"ring_timeout_ms":-1}}`,
		`{"id":"bad","settings":{"call_limit":-3}}`,
		`{"id":"bad","settings":{"hours":{"time_zone":"Mars/Olympus"}}}`,
		`{"id":"bad","settings":{"ring_timeout_ms":"soon"}}`,
	} {
		before := e.rt.Node().AppliedIndex()
		if status, b := admin.try("POST", "/v1/workspaces", body); status != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", body, status, b)
		}
		if e.rt.Node().AppliedIndex() != before {
			t.Errorf("%s wrote to the log", body)
		}
	}
	var acme api.WorkspaceBody
	admin.do("POST", "/v1/workspaces", `{"id":"acme","settings":{"ring_timeout_ms":45000,"wrap_up_ms":10000,"auto_answer":true}}`, http.StatusCreated, &acme)
	ac := client{t: t, base: e.ts.URL, token: acme.HostToken}
	check := func(when string) {
		t.Helper()
		var st api.Settings
		ac.do("GET", "/v1/workspaces/acme/settings", "", http.StatusOK, &st)
		if st.RingTimeoutMS != 45000 || st.WrapUpMS != 10000 || !st.AutoAnswer {
			t.Errorf("acme's settings %s: %+v", when, st)
		}
		e.c.do("GET", "/v1/workspaces/default/settings", "", http.StatusOK, &st)
		if st.RingTimeoutMS != 30000 || st.AutoAnswer {
			t.Errorf("default's settings %s: %+v", when, st)
		}
	}
	check("before its first command")
	ac.do("POST", "/v1/workspaces/acme/teams", `{"id":"support","name":"Support"}`, http.StatusCreated, nil)
	e.c.do("POST", "/v1/workspaces/default/teams", `{"id":"support","name":"Support"}`, http.StatusCreated, nil)
	check("after")
	// The settings that change still change.
	ac.do("PUT", "/v1/workspaces/acme/settings", `{"auto_answer":false}`, http.StatusOK, nil)
	var st api.Settings
	ac.do("GET", "/v1/workspaces/acme/settings", "", http.StatusOK, &st)
	if st.AutoAnswer || st.RingTimeoutMS != 45000 {
		t.Errorf("acme's settings after PUT: %+v", st)
	}
}
